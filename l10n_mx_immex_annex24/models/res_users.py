# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessDenied

AUDITOR_GROUP = "l10n_mx_immex_annex24.group_sat_auditor"
IMMEX_USER_GROUP = "l10n_mx_immex_annex24.group_immex_user"


class ResUsers(models.Model):
    _inherit = "res.users"

    l10n_mx_immex_auditor_valid_from = fields.Date(
        string="SAT Auditor Access From",
        help="First day on which this SAT auditor account may log in.",
    )
    l10n_mx_immex_auditor_valid_until = fields.Date(
        string="SAT Auditor Access Until",
        help="Last day (inclusive) on which this SAT auditor account may log in. Outside "
        "the period, logins are refused and open sessions stop working.",
    )

    def _l10n_mx_immex_is_auditor(self):
        """An account restricted to the SAT auditor view: the auditor group and no IMMEX
        working group (an IMMEX user who is also given the auditor group keeps their
        ordinary access)."""
        self.ensure_one()
        return self._has_group(AUDITOR_GROUP) and not self._has_group(IMMEX_USER_GROUP)

    def _l10n_mx_immex_auditor_today(self):
        # The period is agreed in the auditor's calendar days (Mexico), not in UTC.
        tz = self.tz or self.company_id.partner_id.tz or "America/Mexico_City"
        return fields.Date.context_today(self.with_context(tz=tz))

    def _l10n_mx_immex_auditor_refusal(self):
        """The reason this auditor account may not be used today, or ``None``."""
        self.ensure_one()
        user = self.sudo()
        if not user._l10n_mx_immex_is_auditor():
            return None
        today = user._l10n_mx_immex_auditor_today()
        valid_from = user.l10n_mx_immex_auditor_valid_from
        valid_until = user.l10n_mx_immex_auditor_valid_until
        env = user.with_context(lang=user.lang).env
        if not valid_until:
            return env._(
                "This SAT auditor account has no validity period. Ask the company's IMMEX "
                "administrator to set one."
            )
        if valid_from and today < valid_from:
            return env._(
                "This SAT auditor account is valid from %(date_from)s to %(date_until)s; "
                "it cannot be used before then.",
                date_from=valid_from,
                date_until=valid_until,
            )
        if today > valid_until:
            return env._(
                "This SAT auditor account expired on %(date_until)s. Ask the company's "
                "IMMEX administrator to extend it.",
                date_until=valid_until,
            )
        return None

    def _check_credentials(self, credential, env):
        # Every password/API-key check goes through here: the web login, JSON-RPC
        # common.authenticate and each XML-RPC/JSON-RPC execute_kw call.
        auth_info = super()._check_credentials(credential, env)
        refusal = self.env.user._l10n_mx_immex_auditor_refusal()
        if refusal:
            self._l10n_mx_immex_log_refused_login(refusal)
            raise AccessDenied(refusal)
        return auth_info

    def _l10n_mx_immex_log_refused_login(self, refusal):
        # The refused login's transaction is rolled back: its log row goes through a cursor
        # of its own, so the attempt stays on record. A user this transaction created (not
        # committed yet, as in a test) is logged in it instead: its log goes where it goes.
        with self.env.registry.cursor() as cr:
            cr.execute("SELECT 1 FROM res_users WHERE id = %s", [self.env.uid])
            env = self.env(cr=cr) if cr.fetchone() else self.env
            env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
                "login_refused", detail=refusal[:1000]
            )

    @api.model
    def _check_uid_passwd(self, uid, passwd):
        # Core caches a successful (uid, password) check: the period is checked on every
        # XML-RPC/JSON-RPC call, outside that cache, so an expiry takes effect at once.
        res = super()._check_uid_passwd(uid, passwd)
        refusal = self.browse(uid)._l10n_mx_immex_auditor_refusal()
        if refusal:
            raise AccessDenied(refusal)
        return res

    def _compute_session_token(self, sid):
        # A session opened while the period was valid stops working once it ends: no token
        # means the HTTP layer logs the session out on its next request.
        if len(self) == 1 and self._l10n_mx_immex_auditor_refusal():
            return False
        return super()._compute_session_token(sid)

    @api.model
    def _update_last_login(self):
        res = super()._update_last_login()
        user = self.env.user
        if user._l10n_mx_immex_is_auditor():
            self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record("login")
        return res
