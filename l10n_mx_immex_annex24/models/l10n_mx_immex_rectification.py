# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rectifications (R1): a broker's correction of a confirmed pedimento, applied to it.

An R1 is its own pedimento (key R1, ``rectifies_id`` -> the original) whose lines restate
partidas of the original by their number. Confirming it changes the original's effective
values: the declared quantity stays as filed (as in Data Stage 551; the R1 is in 701/702)
and its change is recorded in ``qty_rectification``, while fraction, UMT quantity, values and
countries change in place. Every change has its trail row (old and new values), and the
legal columns of a confirmed line can only be changed by the UPDATE that names a confirmed R1
of its pedimento (database guard). Balances follow by ledger rows of kind ``adjustment``:

- import raised 100 -> 120: a row of -20 on the line (+20 balance), effective at the
  original's clearance;
- import lowered 100 -> 80 with 95 discharged: what the line can no longer cover (15) is given
  back from its latest discharges (rows of -15, effective at their exits' dates) and
  discharged again FIFO (a pending where no balance covers it); then a row of +20;
- export lowered 150 -> 100 finished goods: per imported component, 50/150 of what the exit
  line's discharges took is given back, the latest-consumed first (what the 50 took had FIFO
  run on 100), effective at the exit's date; raised, the extra share is discharged FIFO.
"""

from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import l10n_mx_immex_guard as guard
from .l10n_mx_immex_discharge_service import DIGITS, LEDGER_COLUMNS
from .l10n_mx_immex_pedimento import RECTIFIABLE_HEADER_FIELDS
from .l10n_mx_immex_pedimento_line import RECTIFIABLE_LINE_FIELDS

EPS = 0.5 * 10**-DIGITS
# Fields the comparison shows, in this order (quantity: against the effective quantity).
COMPARED_FIELDS = ("quantity",) + RECTIFIABLE_LINE_FIELDS


class L10nMxImmexRectification(models.AbstractModel):
    _name = "l10n_mx_immex.rectification"
    _description = "Annex 24 Rectifications (R1)"

    # ------------------------------------------------------------------
    # Comparison
    # ------------------------------------------------------------------
    @api.model
    def _diff(self, r1):
        """``[{sequence, field, original, rectified}]``: what ``r1`` changes, line by line.

        Values are as the trail keeps them (ids for relations); ``quantity`` compares the
        original's effective quantity with the R1's, in the original line's unit.
        """
        r1.ensure_one()
        original = r1.rectifies_id
        by_seq = {line.sequence: line for line in original.line_ids}
        Log = self.env["l10n_mx_immex.log"]
        result = []
        # the header first (partida 0): a value the R1 leaves empty is not restated
        for fname in RECTIFIABLE_HEADER_FIELDS:
            new = Log._l10n_mx_immex_value(r1, fname)
            old = Log._l10n_mx_immex_value(original, fname)
            if not new or new == old:
                continue
            if fname == "exchange_rate" and abs(new - (old or 0.0)) <= 1e-6:
                continue
            result.append({"sequence": 0, "field": fname, "original": old, "rectified": new})
        for rline in r1.line_ids.sorted("sequence"):
            oline = by_seq.get(rline.sequence)
            if not oline:
                result.append(
                    {
                        "sequence": rline.sequence,
                        "field": "sequence",
                        "original": False,
                        "rectified": rline.sequence,
                    }
                )
                continue
            for fname in COMPARED_FIELDS:
                if fname == "quantity":
                    old = oline.quantity_effective
                    new = rline.uom_id._compute_quantity(
                        rline.quantity, oline.uom_id, rounding_method="HALF-UP"
                    )
                    if oline.uom_id.compare(old, new) == 0:
                        continue
                elif fname == "quantity_tariff":
                    old = oline.quantity_tariff * self._effective_ratio(oline)
                    new = rline.quantity_tariff
                    if abs(old - new) <= EPS:
                        continue
                else:
                    old = Log._l10n_mx_immex_value(oline, fname)
                    new = Log._l10n_mx_immex_value(rline, fname)
                    if old == new:
                        continue
                result.append(
                    {"sequence": rline.sequence, "field": fname, "original": old, "rectified": new}
                )
        return result

    @api.model
    def _effective_ratio(self, line):
        return line.quantity_effective / line.quantity if line.quantity else 1.0

    @api.model
    def _diff_html(self, ped, changes):
        """The comparison as a table: partida, field, original value, rectified value."""
        if not changes:
            return Markup("<p>%s</p>") % self.env._("No difference with the original.")
        Line = self.env["l10n_mx_immex.pedimento.line"]
        head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Partida"),
            self.env._("Field"),
            self.env._("Original"),
            self.env._("Rectified"),
        )
        Ped = self.env["l10n_mx_immex.pedimento"]
        rows = []
        for change in changes:
            fname = change["field"]
            header = not change["sequence"]
            field = (Ped if header else Line)._fields.get(fname)
            label = field.get_description(self.env)["string"] if field else fname
            values = [change["original"], change["rectified"]]
            if field and field.type == "many2one":
                values = [
                    self.env[field.comodel_name].sudo().browse(v).display_name if v else ""
                    for v in values
                ]
            rows.append(
                Markup(
                    "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                    "<td class='text-end'>%s</td></tr>"
                )
                % (
                    self.env._("Header") if header else change["sequence"],
                    label,
                    escape(values[0]),
                    escape(values[1]),
                )
            )
        return Markup("<table class='table table-sm'>%s%s</table>") % (head, Markup("").join(rows))

    # ------------------------------------------------------------------
    # Confirmation
    # ------------------------------------------------------------------
    @api.model
    def _check(self, r1):
        original = r1.rectifies_id
        if r1.key_id.code != "R1":
            raise UserError(
                self.env._(
                    "Pedimento %(name)s rectifies another one: its key must be R1.", name=r1.name
                )
            )
        if original.rectifies_id:
            raise UserError(
                self.env._(
                    "Rectification %(name)s: %(original)s is itself a rectification; rectify "
                    "the original pedimento instead.",
                    name=r1.name,
                    original=original.name,
                )
            )
        if original.state != "confirmed":
            raise UserError(
                self.env._(
                    "Rectification %(name)s: pedimento %(original)s is not confirmed; only a "
                    "confirmed pedimento is rectified.",
                    name=r1.name,
                    original=original.name,
                )
            )
        if original.operation != r1.operation or original.company_id != r1.company_id:
            raise UserError(
                self.env._(
                    "Rectification %(name)s must have the operation and the company of "
                    "pedimento %(original)s.",
                    name=r1.name,
                    original=original.name,
                )
            )
        queued = original.picking_ids.move_ids.filtered(
            lambda move: move.l10n_mx_immex_discharge_state == "queued"
        )
        if queued:
            # its discharge is still to be written from the moves: adjust what exists
            raise UserError(
                self.env._(
                    "Rectification %(name)s: the discharge of pedimento %(original)s is still "
                    "queued. Confirm the rectification once it is written.",
                    name=r1.name,
                    original=original.name,
                )
            )
        by_seq = {line.sequence: line for line in original.line_ids}
        for rline in r1.line_ids:
            oline = by_seq.get(rline.sequence)
            if not oline or oline.product_id != rline.product_id:
                raise UserError(
                    self.env._(
                        "Rectification %(name)s, partida %(seq)s: pedimento %(original)s has "
                        "no partida of that number for product %(product)s. A rectification "
                        "restates existing partidas; another good needs a new pedimento.",
                        name=r1.name,
                        seq=rline.sequence,
                        original=original.name,
                        product=rline.product_id.display_name,
                    )
                )

    @api.model
    def _apply(self, r1):
        """Apply a just-confirmed R1 to its original. Server code only (confirmation)."""
        r1.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, r1.company_id)
        self._check(r1)
        changes = self._diff(r1)
        original = r1.rectifies_id
        by_seq = {line.sequence: line for line in original.line_ids}
        by_line = defaultdict(dict)
        header = {}
        for change in changes:
            if not change["sequence"]:
                header[change["field"]] = change["rectified"]
                continue
            by_line[by_seq[change["sequence"]]][change["field"]] = change
        affected_dates = []
        Log = self.env["l10n_mx_immex.log"].sudo()
        trail = []
        for oline, line_changes in by_line.items():
            rline = r1.line_ids.filtered(lambda rl, seq=oline.sequence: rl.sequence == seq)[:1]
            delta = 0.0
            if "quantity" in line_changes:
                change = line_changes["quantity"]
                delta = change["rectified"] - change["original"]
            new_effective = oline.quantity_effective + delta
            values = {}
            for fname in RECTIFIABLE_LINE_FIELDS:
                if fname not in line_changes:
                    continue
                if fname == "quantity_tariff":
                    # kept per declared quantity: the balance's UMT is
                    # balance x quantity_tariff / quantity everywhere
                    ratio = oline.quantity / new_effective if new_effective else 0.0
                    values[fname] = round(rline.quantity_tariff * ratio, DIGITS)
                else:
                    values[fname] = Log._l10n_mx_immex_value(rline, fname)
            old = {f: Log._l10n_mx_immex_value(oline, f) for f in values}
            old_effective = oline.quantity_effective
            if delta:
                affected_dates += self._adjust_quantity(oline, delta)
            self._write_line(oline, r1, values, delta)
            entry = {f: [old[f], values[f]] for f in values if old[f] != values[f]}
            if delta:
                entry["quantity_effective"] = [old_effective, round(new_effective, DIGITS)]
            entry["rectified_by_id"] = [False, r1.id]
            trail.append(
                {
                    "model_name": oline._name,
                    "res_id": oline.id,
                    "action": "rectify",
                    "company_id": original.company_id.id,
                    "changes": entry,
                }
            )
        header_trail = {"rectification_ids": [False, r1.id]}
        lines = self.env["l10n_mx_immex.pedimento.line"].concat(*by_line)
        if header:
            header_trail.update(
                {f: [Log._l10n_mx_immex_value(original, f), v] for f, v in header.items()}
            )
            header_trail["rectified_by_id"] = [original.rectified_by_id.id, r1.id]
            self._write_header(original, r1, header)
            # the seals of every partida cover the header's legal values
            lines = original.line_ids
            if (
                "payment_date" in header
                and original.company_id.l10n_mx_immex_fifo_date == "payment_date"
            ):
                # FIFO orders by payment date here: the discharges since may change
                affected_dates.append(original._immex_clearance_date())
        trail.append(
            {
                "model_name": original._name,
                "res_id": original.id,
                "action": "rectify",
                "company_id": original.company_id.id,
                "changes": header_trail,
            }
        )
        Log._l10n_mx_immex_record(trail)
        if lines:
            self.env["l10n_mx_immex.integrity"].sudo()._seal_lines(lines)
        with guard.server_write():
            r1.sudo().write(
                {
                    "rectification_changes": changes,
                    "rectification_rerun_date": min(affected_dates) if affected_dates else False,
                }
            )
        return changes

    @api.model
    def _write_header(self, ped, r1, values):
        """The private path of the header: one UPDATE naming the R1 (the guard checks it)."""
        self.env["l10n_mx_immex.pedimento"].flush_model()
        assignments = [
            SQL("%s = %s", SQL.identifier(fname), value if value is not False else None)
            for fname, value in values.items()
        ]
        self.env.cr.execute(
            SQL(
                "UPDATE l10n_mx_immex_pedimento SET %s, rectified_by_id = %s WHERE id = %s",
                SQL(", ").join(assignments),
                r1.id,
                ped.id,
            )
        )
        ped.invalidate_recordset()
        # what follows from them (the FIFO date of the pedimento and its lines)
        ped.modified(list(values))
        self.env.flush_all()

    @api.model
    def _write_line(self, line, r1, values, delta):
        """The private path: one UPDATE naming the R1 (the line guard checks it)."""
        Line = self.env["l10n_mx_immex.pedimento.line"]
        Line.flush_model()
        assignments = [
            SQL("%s = %s", SQL.identifier(fname), value if value is not False else None)
            for fname, value in values.items()
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_pedimento_line
                   SET %s, rectified_by_id = %s,
                       qty_rectification = COALESCE(qty_rectification, 0) + %s,
                       qty_balance_tariff = CASE WHEN quantity_product > 0
                           THEN qty_balance * %s / quantity_product ELSE 0 END
                 WHERE id = %s
                """,
                SQL(", ").join(assignments) if assignments else SQL("quantity = quantity"),
                r1.id,
                round(delta, DIGITS),
                values.get("quantity_tariff", line.quantity_tariff),
                line.id,
            )
        )
        Line.invalidate_model()

    # ------------------------------------------------------------------
    # Balances: ledger adjustments
    # ------------------------------------------------------------------
    @api.model
    def _adjust_quantity(self, line, delta):
        """Ledger rows for a declared quantity changed by ``delta``; returns their dates."""
        if line.operation == "export":
            return self._adjust_exit(line, delta)
        if not line.is_temporary:
            return []
        # the ledger and the balance are in the product's unit (a partida may be declared
        # in dozens or kilograms): the UMT ratio follows the declared quantity's unit
        ratio = line.quantity_tariff / line.quantity if line.quantity else 0.0
        tariff_delta = delta * ratio
        delta = line.uom_id._l10n_mx_immex_convert(delta, line.product_id.uom_id)
        # the balance read below must not move before the adjustment is written (exits
        # lock the lines they take the same way)
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        self.env.cr.execute(
            SQL("SELECT id FROM l10n_mx_immex_pedimento_line WHERE id = %s FOR UPDATE", line.id)
        )
        line.invalidate_recordset(["qty_balance", "qty_discharged"])
        date = line.pedimento_id._immex_clearance_date()
        dates = [date]
        taken = []
        if delta < 0:
            # what the line no longer covers goes back to its exits, latest first, and is
            # discharged again FIFO from other balances (or stays pending) once the line
            # holds its rectified quantity
            short = -delta - line.qty_balance
            if short > EPS:
                rows = self._standing_rows(SQL("d.import_line_id = %s", line.id))
                taken = self._give_back(rows, {line.product_id.id: short})
                dates += [row["date"] for row in taken]
        self._insert(
            [
                {
                    "import_line_id": line.id,
                    "import_pedimento_id": line.pedimento_id.id,
                    "product_id": line.product_id.id,
                    "quantity": round(-delta, DIGITS),
                    "quantity_tariff": round(-tariff_delta, DIGITS),
                    "date": date,
                    "company_id": line.company_id.id,
                }
            ]
        )
        self._discharge_again(taken, line.company_id)
        return dates

    @api.model
    def _adjust_exit(self, line, delta):
        """An exit line's quantity changed: its share of what it discharged follows."""
        effective = line.quantity_effective
        rows = self._standing_rows(SQL("d.exit_line_id = %s", line.id))
        if not rows or effective <= EPS:
            return []
        share = abs(delta) / effective
        per_product = defaultdict(float)
        for row in rows:
            per_product[row["product_id"]] += row["qty"]
        wanted = {pid: qty * share for pid, qty in per_product.items()}
        if delta < 0:
            taken = self._give_back(rows, wanted)
            return [row["date"] for row in taken]
        # more left than first declared: the extra share, as the exit's own rows did
        demands = []
        first = {}
        for row in rows:
            first.setdefault(row["product_id"], row)
        for product_id, qty in wanted.items():
            row = first[product_id]
            demands.append(dict(self._demand_of(row), qty=qty))
        self.env["l10n_mx_immex.discharge.service"]._discharge(demands, line.company_id, "export")
        return [d["date"] for d in demands]

    @api.model
    def _standing_rows(self, condition):
        """Discharge rows matching ``condition`` with what still stands of each, the latest
        consumed first (FIFO wrote an exit's rows oldest balance first)."""
        self.env["l10n_mx_immex.discharge"].flush_model()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT d.id, d.import_line_id, d.import_pedimento_id, d.product_id,
                       d.quantity + COALESCE((SELECT SUM(r.quantity)
                                                FROM l10n_mx_immex_discharge r
                                               WHERE r.reversed_id = d.id), 0) AS qty,
                       CASE WHEN d.quantity <> 0 THEN d.quantity_tariff / d.quantity
                            ELSE 0 END AS ratio,
                       d.date, d.kind, d.exit_pedimento_id, d.exit_line_id, d.move_id,
                       d.production_id, d.finished_product_id, d.event_id, d.company_id
                  FROM l10n_mx_immex_discharge d
                 WHERE %s AND d.kind NOT IN ('reversal', 'adjustment')
              ORDER BY d.date DESC, d.id DESC
                """,
                condition,
            )
        )
        return [row for row in rows if row["qty"] > EPS]

    @api.model
    def _give_back(self, rows, wanted):
        """Adjustment rows giving back ``{product_id: qty}`` from ``rows`` in their order."""
        wanted = dict(wanted)
        taken = []
        for row in rows:
            need = wanted.get(row["product_id"], 0.0)
            if need <= EPS:
                continue
            qty = round(min(need, row["qty"]), DIGITS)
            wanted[row["product_id"]] = need - qty
            if qty > EPS:
                taken.append(dict(row, qty=qty))
        self._insert(
            [
                dict(
                    {name: row.get(name) for name in LEDGER_COLUMNS if name in row},
                    quantity=-row["qty"],
                    quantity_tariff=round(-row["qty"] * row["ratio"], DIGITS),
                    reversed_id=row["id"],
                )
                for row in taken
            ]
        )
        return taken

    @api.model
    def _demand_of(self, row):
        return {
            "product_id": row["product_id"],
            "qty": row["qty"],
            "move_id": row["move_id"],
            "finished_product_id": row["finished_product_id"],
            "production_id": row["production_id"],
            "line_id": False,
            "date": row["date"],
            "exit_pedimento_id": row["exit_pedimento_id"],
            "event_id": row["event_id"],
            "kind": row["kind"],
        }

    @api.model
    def _discharge_again(self, taken, company):
        if taken:
            self.env["l10n_mx_immex.discharge.service"]._discharge(
                [self._demand_of(row) for row in taken], company, "export"
            )

    @api.model
    def _insert(self, rows):
        """Write adjustment rows through the service's ledger path (chain, lock date)."""
        if not rows:
            return 0
        return self.env["l10n_mx_immex.discharge.service"]._write_rows(
            rows, "adjustment", corrected_dates=[row["date"] for row in rows]
        )
