# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

RUN_FIELDS = {
    "company_id",
    "user_id",
    "ok",
    "checked",
    "broken_count",
    "cut_off",
    "head_ledger",
    "head_seal",
    "head_log",
    "result",
}


class L10nMxImmexIntegrityRun(models.Model):
    """One integrity verification: its result and the chain heads at its cut-off.

    The heads are what leaves the database: an auditor who keeps a run (or a report that
    prints them) can later prove that the chains were not rewritten since, even by someone
    who recomputed every hash. Runs are written by the system only and never change.
    """

    _name = "l10n_mx_immex.integrity.run"
    _description = "Annex 24 Integrity Run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "create_date"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Run By", readonly=True)
    ok = fields.Boolean(string="Intact", readonly=True)
    checked = fields.Integer(string="Rows Checked", readonly=True)
    broken_count = fields.Integer(string="Findings", readonly=True)
    cut_off = fields.Datetime(readonly=True)
    head_ledger = fields.Char(string="Ledger Head", readonly=True)
    head_seal = fields.Char(string="Line Seals Head", readonly=True)
    head_log = fields.Char(string="Trail Head", readonly=True)
    result = fields.Json(readonly=True)
    result_text = fields.Text(string="Findings (text)", compute="_compute_result_text")

    def _compute_result_text(self):
        for run in self:
            run.result_text = "\n".join(
                f"{b['model']} #{b['id']}: {b['reason']}"
                for b in (run.result or {}).get("broken", [])
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Integrity runs are recorded by the system only."))
        return super().create(vals_list)

    def write(self, vals):
        # mail bookkeeping (followers, activities) may touch a run; its result never
        if RUN_FIELDS.intersection(vals):
            raise UserError(self.env._("An integrity run cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_run(self):
        raise UserError(self.env._("Integrity runs cannot be deleted."))

    @api.model
    def _l10n_mx_immex_run(self, company):
        """Verify ``company`` and record the run (as the system); returns the run."""
        result = company.sudo().l10n_mx_immex_verify_integrity()
        heads = result.get("heads", {})
        return (
            self.sudo()
            .with_context(mail_create_nolog=True, mail_notrack=True)
            .create(
                {
                    "company_id": company.id,
                    "user_id": self.env.uid,
                    "ok": result["ok"],
                    "checked": result["checked"],
                    "broken_count": len(result["broken"]),
                    "cut_off": result.get("cut_off") or fields.Datetime.now(),
                    "head_ledger": heads.get("discharge") or "",
                    "head_seal": heads.get("line_seal") or "",
                    "head_log": heads.get("log") or "",
                    "result": json.loads(json.dumps(result, default=str)),
                }
            )
        )

    @api.model
    def _cron_verify_integrity(self):
        """Nightly: verify every company; alert its IMMEX managers when a chain broke."""
        managers = self.env.ref("l10n_mx_immex_annex24.group_immex_manager").sudo().all_user_ids
        # every company that keeps Annex 24 records (pedimentos or a chain)
        company_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT company_id FROM l10n_mx_immex_chain_head
                     UNION SELECT company_id FROM l10n_mx_immex_pedimento
                    """
                )
            )
        ]
        for company in self.env["res.company"].sudo().browse(sorted(company_ids)).exists():
            run = self._l10n_mx_immex_run(company)
            if run.ok:
                continue
            users = managers.filtered(
                lambda u, c=company: c in u.company_ids and not u.share and u.active
            ).sorted("id")
            user = users[:1] or self.env.ref("base.user_admin")
            run.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Annex 24 integrity check failed"),
                note=self.env._(
                    "%(count)s finding(s) in the Annex 24 records of %(company)s.",
                    count=run.broken_count,
                    company=company.name,
                ),
                user_id=user.id,
            )
            if users[1:]:
                run.sudo().message_subscribe(partner_ids=users[1:].partner_id.ids)
