# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError


class L10nMxImmexIntegrityWizard(models.TransientModel):
    _name = "l10n_mx_immex.integrity.wizard"
    _description = "Verify Annex 24 Integrity"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    def action_verify(self):
        self.ensure_one()
        user = self.env.user
        if not self.env.su and not user.has_group("l10n_mx_immex_annex24.group_immex_manager"):
            raise AccessError(self.env._("Only IMMEX managers can run the integrity check."))
        if not self.env.su and self.company_id not in user.company_ids:
            raise AccessError(self.env._("You cannot verify another company's Annex 24."))
        run = self.env["l10n_mx_immex.integrity.run"]._l10n_mx_immex_run(self.company_id)
        return {
            "type": "ir.actions.act_window",
            "res_model": run._name,
            "res_id": run.id,
            "view_mode": "form",
        }
