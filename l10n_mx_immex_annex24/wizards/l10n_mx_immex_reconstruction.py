# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, float_compare, float_round

from ..immex.quantities import is_zero
from ..models import l10n_mx_immex_guard as guard


class L10nMxImmexReconstruction(models.TransientModel):
    """Re-run the discharges of a period after a correction (BOM fixed, late entry, R1...).

    In one transaction: the period's discharge rows are reversed (the reversals stay in the
    ledger next to them), then every exit of the period is discharged again in FIFO order.
    FIFO is one chain across periods: what an exit takes depends on what every earlier exit
    left, so a re-run starts at its date and runs through the last discharge of the company
    (a shorter period is refused). Each exit takes the bill of materials in force at its
    date (``mrp.bom.l10n_mx_immex_date_from``). Nothing is written before a preview: the
    same re-run computed inside a savepoint that is rolled back, shown per pedimento line.
    """

    _name = "l10n_mx_immex.reconstruction"
    _description = "Annex 24 Discharge Reconstruction"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(required=True)
    date_to = fields.Date(
        help="Empty: through the last discharge of the company. A re-run never stops before "
        "it, since every later exit's FIFO depends on what this period leaves."
    )
    rows_reversed = fields.Integer(readonly=True)
    rows_created = fields.Integer(readonly=True)
    preview = fields.Html(readonly=True, sanitize=False)
    summary = fields.Html(readonly=True, sanitize=False)
    state = fields.Selection(
        [("draft", "Draft"), ("preview", "Preview"), ("done", "Done")], default="draft"
    )

    def _check_run(self):
        self.ensure_one()
        # a re-run rewrites a company's ledger: IMMEX managers of that company only (the
        # preview too: it runs the same code, then rolls it back)
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        if self.state == "done":
            raise UserError(self.env._("This re-run is done: start a new one."))
        if self.date_to and self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))

    def action_preview(self):
        """What the re-run would change, per pedimento line; nothing is written."""
        self._check_run()
        self.env.flush_all()
        savepoint = self.env.cr.savepoint()
        try:
            result = self._reconstruct()
        finally:
            # everything the re-run wrote (ledger, balances, trail, waste) goes away
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        self.write({"preview": result["summary"], "state": "preview"})
        return self._reopen()

    def action_run(self):
        self._check_run()
        if self.state != "preview":
            raise UserError(
                self.env._(
                    "Preview the re-run first: it shows what would change before "
                    "anything is written."
                )
            )
        result = self._reconstruct()
        self.write(result)
        return self._reopen()

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _last_discharge_date(self):
        """Last effective date of a discharge or a pending of the company."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT GREATEST(
                    (SELECT MAX(date) FROM l10n_mx_immex_discharge WHERE company_id = %s),
                    (SELECT MAX(date) FROM l10n_mx_immex_discharge_pending
                      WHERE company_id = %s AND state = 'pending'))
                """,
                self.company_id.id,
                self.company_id.id,
            )
        )
        return rows[0][0] if rows else None

    def _period_end(self):
        last = self._last_discharge_date()
        if self.date_to and last and self.date_to < last:
            raise UserError(
                self.env._(
                    "A re-run must run through the last discharge (%(last)s): every later "
                    "exit took its balances by FIFO after this period, so stopping at "
                    "%(date_to)s would leave them taken from balances the re-run changes. "
                    "Leave the end date empty or set it on or after %(last)s.",
                    last=last,
                    date_to=self.date_to,
                )
            )
        return max(d for d in (self.date_to, last, self.date_from) if d)

    def _reconstruct(self):
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        company = self.company_id
        guard.check_companies(self.env, company)
        lock = company.l10n_mx_immex_lock_date
        if lock and self.date_from <= lock:
            # a closed period is corrected by later rows, never re-run in place
            raise UserError(
                self.env._(
                    "Annex 24 of %(company)s is closed up to %(date)s: a re-run must start "
                    "after that date.",
                    company=company.name,
                    date=lock,
                )
            )
        date_to = self._period_end()
        period = (
            Domain("company_id", "=", company.id)
            & Domain("date", ">=", self.date_from)
            & Domain("date", "<=", date_to)
        )
        before = self._line_totals()
        reversed_count = (
            self.env["l10n_mx_immex.discharge.reversal"]
            .sudo()
            ._reverse_period(company, self.date_from, date_to)
        )
        self.env["l10n_mx_immex.discharge.pending"].sudo().search(
            period & Domain("state", "=", "pending")
        ).write({"state": "cancelled"})
        demands, wastes, moves = self._period_demands(service, date_to)
        created = service._discharge(demands, company, "export")
        waste_changes = self._refresh_bom_waste(wastes, moves)
        after = self._line_totals()
        self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_record(
            [
                {
                    "model_name": "res.company",
                    "res_id": company.id,
                    "action": "rerun",
                    "company_id": company.id,
                    "changes": {
                        "date_from": [False, fields.Date.to_string(self.date_from)],
                        "date_to": [False, fields.Date.to_string(date_to)],
                        "rows_reversed": [0, reversed_count],
                        "rows_created": [0, created],
                    },
                }
            ]
        )
        return {
            "date_to": date_to,
            "rows_reversed": reversed_count,
            "rows_created": created,
            "summary": self._summary(before, after) + self._waste_summary(*waste_changes),
            "state": "done",
        }

    def _line_totals(self):
        self.env.flush_all()
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT import_line_id, SUM(quantity) FROM l10n_mx_immex_discharge
                     WHERE company_id = %s GROUP BY import_line_id
                    """,
                    self.company_id.id,
                )
            )
        )

    def _period_demands(self, service, date_to=None):
        """Demands of every exit of the period: deliveries under export pedimentos, events."""
        company = self.company_id
        date_to = date_to or self.date_to
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "done"),
                    # the legal exit date is the clearance date of the exit pedimento
                    ("picking_id.l10n_mx_immex_pedimento_id.entry_date", ">=", self.date_from),
                    ("picking_id.l10n_mx_immex_pedimento_id.entry_date", "<=", date_to),
                    ("picking_id.l10n_mx_immex_pedimento_id.operation", "=", "export"),
                    ("picking_id.l10n_mx_immex_pedimento_id.state", "=", "confirmed"),
                    # a returned delivery is no exit; a receipt returned to the supplier is
                    "|",
                    ("origin_returned_move_id", "=", False),
                    ("location_dest_id.usage", "=", "supplier"),
                ],
                order="date, id",
            )
        )
        imported = moves._l10n_mx_immex_imported_products()
        moves = moves.filtered(lambda m: m._l10n_mx_immex_is_exit(imported))
        # One batch for all exits: productions are matched FIFO across the whole period.
        demands, wastes = (
            self.env["l10n_mx_immex.discharge.demand"].sudo()._demands_for_exit_moves(moves)
        )
        ped_kind = {}
        for ped in moves.picking_id.l10n_mx_immex_pedimento_id:
            ped_kind[ped.id] = ped.key_id.discharge_kind or "export"
        move_ped = {move.id: move.picking_id.l10n_mx_immex_pedimento_id.id for move in moves}
        for demand in demands:
            ped_id = move_ped[demand["move_id"]]
            kind = ped_kind[ped_id]
            demand["exit_pedimento_id"] = ped_id
            demand["kind"] = (
                "return" if kind == "export" and not demand["finished_product_id"] else kind
            )
        # returned exits keep only what still stands (lots that came back, the rest's share)
        self.env["l10n_mx_immex.discharge.reversal"].sudo()._net_of_returns(moves, demands, wastes)
        # an exit line rectified (R1) declares another quantity: its moves take that share
        # (one query for the few rectified lines: a month holds thousands of exit lines)
        self.env["l10n_mx_immex.pedimento.line"].flush_model(
            ["pedimento_id", "product_id", "quantity", "qty_rectification"]
        )
        rectified = {}
        for ped_id, product_id, ratio in self.env.execute_query(
            SQL(
                """
                SELECT pedimento_id, product_id,
                       GREATEST(0, (quantity + qty_rectification) / quantity)
                  FROM l10n_mx_immex_pedimento_line
                 WHERE pedimento_id = ANY(%s) AND qty_rectification <> 0 AND quantity > 0
              ORDER BY sequence, id
                """,
                list(set(move_ped.values())),
            )
        ):
            rectified.setdefault((ped_id, product_id), ratio)
        if rectified:
            move_ratio = {
                move.id: rectified.get((move_ped[move.id], move.product_id.id)) for move in moves
            }
            for item in demands + wastes:
                ratio = move_ratio.get(item["move_id"])
                if ratio is not None:
                    item["qty" if "qty" in item else "quantity"] *= ratio
        events = (
            self.env["l10n_mx_immex.exit.event"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "done"),
                    ("date", ">=", self.date_from),
                    ("date", "<=", date_to),
                ]
            )
        )
        for event in events:
            demands += event._l10n_mx_immex_demands()
        return demands, wastes, moves

    def _refresh_bom_waste(self, wastes, moves):
        """Bring the theoretical waste of the period's deliveries in line with the BOMs.

        A fixed BOM changes the desperdicio its exports left in Mexico. Per delivery move and
        material, pending waste that differs from the new figure is marked superseded (it
        stays, as the trail) and the new figure is recorded; waste already discharged by an
        event is kept as it is and counted. Returns ``(superseded, created, kept)``.
        """
        Waste = self.env["l10n_mx_immex.waste"].sudo()
        Waste.flush_model()
        # per delivery move and material: total, whether an event took any of it, the rows
        old_by_key = {
            (move_id, product_id): (qty, taken, ids)
            for move_id, product_id, qty, taken, ids in self.env.execute_query(
                SQL(
                    """
                    SELECT move_id, product_id, SUM(quantity - COALESCE(qty_returned, 0)),
                           BOOL_OR(state = 'discharged' OR COALESCE(qty_discharged, 0) != 0),
                           ARRAY_AGG(id)
                      FROM l10n_mx_immex_waste
                     WHERE move_id = ANY(%s) AND source = 'bom' AND state != 'superseded'
                  GROUP BY move_id, product_id
                    """,
                    moves.ids,
                )
            )
        }
        new_by_key = defaultdict(list)
        for vals in wastes:
            new_by_key[(vals["move_id"], vals["product_id"])].append(vals)
        # compared as stored: rounded to the digits of the quantity
        digits = Waste._fields["quantity"].get_digits(self.env)
        scale = digits[1] if digits else 6
        superseded_ids = []
        to_create = []
        kept = 0
        for key in set(old_by_key) | set(new_by_key):
            old_qty, taken, ids = old_by_key.get(key, (0.0, False, []))
            new = new_by_key.get(key, [])
            new_qty = sum(float_round(vals["quantity"], precision_digits=scale) for vals in new)
            if float_compare(old_qty, new_qty, precision_digits=scale) == 0:
                continue
            if taken:
                kept += len(ids)  # its event already took it out: not rewritten
                continue
            superseded_ids += ids
            to_create += new
        superseded = Waste.browse(superseded_ids)
        superseded.write({"state": "superseded"})
        created = Waste._insert_pending(to_create)
        return len(superseded), len(created), kept

    def _waste_summary(self, superseded, created, kept):
        if not (superseded or created or kept):
            return Markup("")
        text = self.env._(
            "Theoretical waste (desperdicio) records: %(superseded)s superseded, %(created)s "
            "recorded from the bills of materials in force.",
            superseded=superseded,
            created=created,
        )
        if kept:
            text += " " + self.env._(
                "Waste records already discharged by their event, kept as they are: "
                "%(kept)s. Review them.",
                kept=kept,
            )
        return Markup("<p>%s</p>") % text

    def _summary(self, before, after):
        changed = {
            line_id: (before.get(line_id, 0.0), after.get(line_id, 0.0))
            for line_id in set(before) | set(after)
            if not is_zero(before.get(line_id, 0.0) - after.get(line_id, 0.0))
        }
        if not changed:
            return Markup("<p>%s</p>") % self.env._("No pedimento line changed.")
        lines = self.env["l10n_mx_immex.pedimento.line"].sudo().browse(list(changed))
        body = Markup("").join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>"
            )
            % (
                escape(line.display_name),
                round(changed[line.id][0], 6),
                round(changed[line.id][1], 6),
                round(changed[line.id][1] - changed[line.id][0], 6),
            )
            for line in lines.sorted(lambda ln: (ln.fifo_date or fields.Date.today(), ln.id))
        )
        head = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Pedimento line"),
            self.env._("Discharged before"),
            self.env._("Discharged after"),
            self.env._("Change"),
        )
        return Markup("<table class='table table-sm'>%s%s</table>") % (head, body)
