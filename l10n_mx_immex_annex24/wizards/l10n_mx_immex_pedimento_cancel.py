# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexPedimentoCancel(models.TransientModel):
    _name = "l10n_mx_immex.pedimento.cancel"
    _description = "Cancel Pedimento"

    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento", required=True, ondelete="cascade"
    )
    reason = fields.Text(required=True)

    def action_cancel(self):
        self.ensure_one()
        self.pedimento_id._immex_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
