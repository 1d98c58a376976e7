# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models import l10n_mx_immex_guard as guard


class L10nMxImmexPedimentoCancel(models.TransientModel):
    _name = "l10n_mx_immex.pedimento.cancel"
    _description = "Cancel Pedimento"

    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento", required=True, ondelete="cascade"
    )
    reason = fields.Text(required=True)

    def action_cancel(self):
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.pedimento_id.company_id)
        self.pedimento_id.check_access("write")
        self.pedimento_id._immex_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
