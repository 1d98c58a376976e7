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
    """Re-run the discharges of a period after a correction (BOM fixed, late entry...).

    In one transaction: the period's discharge rows are reversed (the reversals stay in the
    ledger next to them), then every exit of the period is discharged again in FIFO order.
    """

    _name = "l10n_mx_immex.reconstruction"
    _description = "Annex 24 Discharge Reconstruction"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(required=True)
    date_to = fields.Date(required=True)
    rows_reversed = fields.Integer(readonly=True)
    rows_created = fields.Integer(readonly=True)
    summary = fields.Html(readonly=True, sanitize=False)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")

    def action_run(self):
        self.ensure_one()
        # a re-run rewrites a company's ledger: IMMEX managers of that company only
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        if self.state != "draft":
            raise UserError(self.env._("This re-run is done: start a new one."))
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))
        result = self._reconstruct()
        self.write(result)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

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
        period = (
            Domain("company_id", "=", company.id)
            & Domain("date", ">=", self.date_from)
            & Domain("date", "<=", self.date_to)
        )
        before = self._line_totals()
        reversed_count = (
            self.env["l10n_mx_immex.discharge.reversal"]
            .sudo()
            ._reverse_period(company, self.date_from, self.date_to)
        )
        self.env["l10n_mx_immex.discharge.pending"].sudo().search(
            period & Domain("state", "=", "pending")
        ).write({"state": "cancelled"})
        demands, wastes, moves = self._period_demands(service)
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
                        "date_to": [False, fields.Date.to_string(self.date_to)],
                        "rows_reversed": [0, reversed_count],
                        "rows_created": [0, created],
                    },
                }
            ]
        )
        return {
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

    def _period_demands(self, service):
        """Demands of every exit of the period: deliveries under export pedimentos, events."""
        company = self.company_id
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "done"),
                    # the legal exit date is the clearance date of the exit pedimento
                    ("picking_id.l10n_mx_immex_pedimento_id.entry_date", ">=", self.date_from),
                    ("picking_id.l10n_mx_immex_pedimento_id.entry_date", "<=", self.date_to),
                    ("picking_id.l10n_mx_immex_pedimento_id.operation", "=", "export"),
                    ("picking_id.l10n_mx_immex_pedimento_id.state", "=", "confirmed"),
                    ("origin_returned_move_id", "=", False),
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
        events = (
            self.env["l10n_mx_immex.exit.event"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "done"),
                    ("date", ">=", self.date_from),
                    ("date", "<=", self.date_to),
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
