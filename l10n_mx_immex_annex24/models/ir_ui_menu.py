# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models, tools


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    @api.model
    @tools.ormcache("frozenset(self.env.user._get_group_ids())", "debug")
    def _visible_menu_ids(self, debug=False):
        visible = super()._visible_menu_ids(debug)
        # Same cache key as core: whether a user is an auditor depends only on the groups.
        if not self.env.user._l10n_mx_immex_is_auditor():
            return visible
        root = self.env.ref(
            "l10n_mx_immex_annex24.l10n_mx_immex_menu_root", raise_if_not_found=False
        )
        if not root:
            return frozenset()
        annex24 = self.sudo().with_context(active_test=False).search([("id", "child_of", root.id)])
        return visible & frozenset(annex24.ids)
