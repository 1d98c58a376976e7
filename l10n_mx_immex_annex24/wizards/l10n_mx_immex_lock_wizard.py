# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError


class L10nMxImmexLockWizard(models.TransientModel):
    """Close an Annex 24 period: the IMMEX manager's way to set the company's lock date
    (managers need no right to edit the rest of the company)."""

    _name = "l10n_mx_immex.lock.wizard"
    _description = "Close Annex 24 Period"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    current_lock_date = fields.Date(related="company_id.l10n_mx_immex_lock_date")
    lock_date = fields.Date(string="Close Up To", required=True)

    def action_close(self):
        self.ensure_one()
        user = self.env.user
        if not self.env.su and not user.has_group("l10n_mx_immex_annex24.group_immex_manager"):
            raise AccessError(self.env._("Only IMMEX managers can close an Annex 24 period."))
        if not self.env.su and self.company_id not in user.company_ids:
            raise AccessError(self.env._("You cannot close another company's Annex 24."))
        # the company's own checks (forward only, not beyond today) and its trail apply
        self.company_id.sudo().write({"l10n_mx_immex_lock_date": self.lock_date})
        return {"type": "ir.actions.act_window_close"}
