# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from . import l10n_mx_immex_guard as guard
from .stock_move import DISCHARGE_AFTER_PICKINGS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    l10n_mx_immex_pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Pedimento",
        copy=False,
        index="btree_not_null",
        check_company=True,
        domain="[('state', '!=', 'cancelled')]",
        help="Customs declaration of the goods of this transfer. On a receipt of temporarily "
        "imported goods, validating links every move to a pedimento line and opens its "
        "Annex 24 balance.",
    )
    l10n_mx_immex_needs_pedimento = fields.Boolean(
        string="Needs Pedimento", compute="_compute_l10n_mx_immex_needs_pedimento"
    )

    # the view shows what validation will do: refuse, or warn and go on (company setting)
    l10n_mx_immex_missing_pedimento = fields.Selection(
        related="company_id.l10n_mx_immex_missing_pedimento"
    )
    l10n_mx_immex_discharge_queued = fields.Boolean(
        string="Annex 24 Discharge Queued",
        compute="_compute_l10n_mx_immex_discharge_queued",
        search="_search_l10n_mx_immex_discharge_queued",
    )

    @api.depends("move_ids.l10n_mx_immex_regime", "picking_type_code")
    def _compute_l10n_mx_immex_needs_pedimento(self):
        for picking in self:
            picking.l10n_mx_immex_needs_pedimento = any(
                move._l10n_mx_immex_is_temporary_receipt() for move in picking.move_ids
            )

    @api.depends("move_ids.l10n_mx_immex_discharge_state")
    def _compute_l10n_mx_immex_discharge_queued(self):
        for picking in self:
            picking.l10n_mx_immex_discharge_queued = any(
                move.l10n_mx_immex_discharge_state == "queued" for move in picking.move_ids
            )

    def _search_l10n_mx_immex_discharge_queued(self, operator, value):
        if operator != "in":
            return NotImplemented
        return [("move_ids.l10n_mx_immex_discharge_state", "=", "queued")]

    @api.constrains("l10n_mx_immex_pedimento_id", "company_id")
    def _check_l10n_mx_immex_pedimento_company(self):
        # stock.picking does not check companies automatically in 19.0.
        for picking in self:
            ped = picking.l10n_mx_immex_pedimento_id
            if ped and ped.company_id != picking.company_id:
                raise ValidationError(
                    self.env._(
                        "Pedimento %(name)s belongs to company %(company)s, not to the company "
                        "of transfer %(picking)s.",
                        name=ped.name,
                        company=ped.company_id.name,
                        picking=picking.name,
                    )
                )

    def write(self, vals):
        changed = self.browse()
        if "l10n_mx_immex_pedimento_id" in vals:
            new_id = vals["l10n_mx_immex_pedimento_id"] or False
            changed = self.filtered(
                lambda p: p.state == "done" and p.l10n_mx_immex_pedimento_id.id != new_id
            )
        if changed:
            # a pedimento that arrives after the goods: warehouse or compliance users of
            # the transfers' companies only
            guard.check_group(self.env, guard.USER)
            guard.check_companies(self.env, changed.company_id)
            # a done transfer recorded under its pedimento (balances opened or discharged,
            # re-runs read it) is not moved to another declaration; one whose pedimento had
            # no Annex 24 effect on it (e.g. BM by mistake) may still be given the right one
            recorded = changed.filtered(
                lambda p: p.l10n_mx_immex_pedimento_id and p._l10n_mx_immex_is_recorded()
            )
            if recorded and not guard.in_server_write():
                raise UserError(
                    self.env._(
                        "Transfer %(picking)s is done under pedimento %(name)s: it cannot be "
                        "moved to another pedimento. Return the goods or record a "
                        "rectification.",
                        picking=recorded[0].name,
                        name=recorded[0].l10n_mx_immex_pedimento_id.name,
                    )
                )
            old = {p.id: p.l10n_mx_immex_pedimento_id.name or False for p in changed}
        res = super().write(vals)
        if changed:
            self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_record(
                [
                    {
                        "model_name": self._name,
                        "res_id": picking.id,
                        "action": "write",
                        "company_id": picking.company_id.id,
                        "changes": {
                            "l10n_mx_immex_pedimento_id": [
                                old[picking.id],
                                picking.l10n_mx_immex_pedimento_id.name or False,
                            ]
                        },
                    }
                    for picking in changed
                ]
            )
            changed.filtered("l10n_mx_immex_pedimento_id")._l10n_mx_immex_attach_pedimento()
        return res

    def _action_done(self):
        """Discharge the transfers' exits once the transfers are done.

        Odoo writes the moves and lines again after their own ``_action_done`` (the date of
        the transfer on its moves): discharged in between, the flush that opens the
        discharge would write every row of them twice.
        """
        cache = self.env.cr.cache
        outer = cache.get(DISCHARGE_AFTER_PICKINGS, frozenset())
        done_before = set(self.move_ids.filtered(lambda m: m.state == "done").ids)
        cache[DISCHARGE_AFTER_PICKINGS] = outer | frozenset(self.ids)
        try:
            res = super()._action_done()
        finally:
            cache[DISCHARGE_AFTER_PICKINGS] = outer
        # the moves done now, the extra ones Odoo adds for quantities above the demand too
        done = self.move_ids.filtered(lambda m: m.state == "done" and m.id not in done_before)
        done._l10n_mx_immex_exits()._l10n_mx_immex_discharge_exit()
        return res

    def _l10n_mx_immex_is_recorded(self):
        """Annex 24 recorded this done transfer under its pedimento: its moves are linked to
        pedimento lines, own ledger rows or wait in the discharge queue."""
        self.ensure_one()
        moves = self.move_ids
        return bool(
            moves.l10n_mx_immex_pedimento_line_id
            or moves.l10n_mx_immex_discharge_ids
            or any(m.l10n_mx_immex_discharge_state for m in moves)
        )

    def _create_backorder_picking(self):
        # The rest of a receipt arrives under the same customs declaration.
        backorder = super()._create_backorder_picking()
        if self.l10n_mx_immex_pedimento_id:
            backorder.l10n_mx_immex_pedimento_id = self.l10n_mx_immex_pedimento_id
        return backorder

    def _l10n_mx_immex_warn(self, body):
        """Tell at validation what Annex 24 could not record: a note on the transfer, a
        notification to whoever validates, a review activity for compliance."""
        for picking in self:
            picking.message_post(body=body)
            user = picking.company_id._l10n_mx_immex_compliance_user()
            if user:
                picking.activity_schedule(
                    "mail.mail_activity_data_warning",
                    summary=self.with_context(lang=user.lang).env._("Annex 24: review"),
                    note=body,
                    user_id=user.id,
                )
        if self:
            self.env.user._bus_send(
                "simple_notification",
                {
                    "type": "warning",
                    "title": self.env._("Annex 24"),
                    "message": body,
                    "sticky": True,
                },
            )

    def _l10n_mx_immex_attach_pedimento(self):
        """Record done transfers under the pedimento just attached, as validation would
        have: a receipt links its moves to the lines (matched or created), opens their
        balances and settles the pendings they cover; a delivery discharges at the exit
        pedimento's date (queued behind other exits if needed). The registration time is
        now, so the 48-hour window (counted from clearance) shows a late registration."""
        Finding = self.env["l10n_mx_immex.finding"].sudo()
        for picking in self:
            ped = picking.l10n_mx_immex_pedimento_id
            if ped.state == "cancelled":
                raise UserError(self.env._("Pedimento %(name)s is cancelled.", name=ped.name))
            moves = picking.move_ids.filtered(lambda m: m.state == "done")
            receipts = moves.filtered(lambda m: m._l10n_mx_immex_is_temporary_receipt())
            exits = moves._l10n_mx_immex_exits()
            if exits and exits.l10n_mx_immex_discharge_ids:
                raise UserError(
                    self.env._(
                        "Transfer %(picking)s is already discharged: it cannot be recorded "
                        "again under pedimento %(name)s.",
                        picking=picking.name,
                        name=ped.name,
                    )
                )
            if receipts:
                receipts._l10n_mx_immex_check_pedimento()
                receipts._l10n_mx_immex_register_receipt()
            if exits:
                exits._l10n_mx_immex_discharge_exit()
            findings = Finding.search(
                [
                    ("move_id", "in", (receipts | exits).ids),
                    ("kind", "in", ("receipt_without_pedimento", "exit_without_pedimento")),
                    ("state", "=", "open"),
                ]
            )
            findings.write(
                {
                    "state": "reviewed",
                    "note": self.env._("Pedimento %(name)s attached.", name=ped.name),
                    "reviewed_uid": self.env.uid,
                }
            )
            if receipts or exits:
                picking.message_post(
                    body=self.env._(
                        "Annex 24: pedimento %(name)s attached after validation; the transfer "
                        "is now recorded under it.",
                        name=ped.name,
                    )
                )
