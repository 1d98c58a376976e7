# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# Beyond this many ids a row keeps the count and the first ids (an export of a whole ledger).
MAX_STORED_IDS = 5000


class L10nMxImmexAccessLog(models.Model):
    _name = "l10n_mx_immex.access.log"
    _description = "SAT Auditor Access Log"
    _order = "id desc"
    _rec_name = "action"
    _l10n_mx_immex_auditor_may_write = True

    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Auditor",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    action = fields.Selection(
        selection=[
            ("login", "Login"),
            ("login_refused", "Login refused"),
            ("read", "Records viewed"),
            ("export", "Export / download"),
            ("print", "Report printed"),
        ],
        required=True,
        readonly=True,
    )
    model_name = fields.Char(string="Model", readonly=True, index=True)
    report_type = fields.Char(string="Report", readonly=True)
    res_ids = fields.Text(string="Record IDs", readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    detail = fields.Char(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)

    def init(self):
        # Append-only in the database too, for every session: no setting switches it off.
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE FUNCTION l10n_mx_immex_access_log_refuse() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'The SAT auditor access log is append-only'
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS l10n_mx_immex_access_log_no_change ON %(table)s;
            CREATE TRIGGER l10n_mx_immex_access_log_no_change
                BEFORE UPDATE OR DELETE ON %(table)s
                FOR EACH ROW EXECUTE FUNCTION l10n_mx_immex_access_log_refuse();
            DROP TRIGGER IF EXISTS l10n_mx_immex_access_log_no_truncate ON %(table)s;
            CREATE TRIGGER l10n_mx_immex_access_log_no_truncate
                BEFORE TRUNCATE ON %(table)s
                FOR EACH STATEMENT EXECUTE FUNCTION l10n_mx_immex_access_log_refuse();
            """,
                table=SQL.identifier(self._table),
            )
        )

    @api.model
    def _l10n_mx_immex_record(
        self, action, model_name=None, res_ids=(), report_type=None, detail=None
    ):
        """Append one row for the current user (the auditor), in the current transaction.

        Server code only (private). On a read-only (replica) cursor the row is written
        through a cursor of its own, so that viewing is logged there too.
        """
        user = self.env.user
        ids = list(res_ids or ())
        vals = {
            "user_id": user.id,
            "company_id": self.env.company.id or user.company_id.id,
            "action": action,
            "model_name": model_name,
            "report_type": report_type,
            "res_ids": ",".join(str(i) for i in ids[:MAX_STORED_IDS] if isinstance(i, int)),
            "record_count": len(ids),
            "detail": detail,
            "ip_address": request.httprequest.remote_addr if request else False,
        }
        if not self.env.cr.readonly:
            return self.sudo().create(vals)
        with self.env.registry.cursor() as cr:
            self.env(cr=cr, su=True)[self._name].create(vals)
        return self.browse()

    @api.model_create_multi
    def create(self, vals_list):
        # Rows are written by the server for the auditor's own actions only: nobody can
        # fabricate entries through RPC (no create right in the access rules either).
        if not self.env.su:
            raise UserError(self.env._("The SAT auditor access log is written by the system."))
        return super().create(vals_list)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The SAT auditor access log cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_always(self):
        raise UserError(self.env._("The SAT auditor access log cannot be deleted."))
