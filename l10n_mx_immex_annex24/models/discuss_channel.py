# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    def _subscribe_users_automatically_get_members(self):
        # A SAT auditor is an internal user, but must not be joined to the company's
        # channels ("general" follows base.group_user) and read the staff's conversations.
        members = super()._subscribe_users_automatically_get_members()
        partners = self.env["res.partner"].browse(
            {pid for pids in members.values() for pid in pids}
        )
        auditors = partners.sudo().filtered(
            lambda p: p.user_ids and all(u._l10n_mx_immex_is_auditor() for u in p.user_ids)
        )
        if not auditors:
            return members
        return {
            cid: [pid for pid in pids if pid not in auditors.ids] for cid, pids in members.items()
        }
