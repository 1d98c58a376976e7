# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models

DEFAULT_HORIZON_DAYS = 60


class L10nMxImmexExpiryAlert(models.Model):
    """One expiry activity given for a pedimento line: the scheduled action never gives
    the same one twice (one per line, horizon and kind)."""

    _name = "l10n_mx_immex.expiry.alert"
    _description = "Annex 24 Expiry Alert"
    _order = "id desc"

    line_id = fields.Many2one(
        "l10n_mx_immex.pedimento.line", required=True, readonly=True, ondelete="cascade"
    )
    horizon_days = fields.Integer(required=True, readonly=True)
    kind = fields.Selection(
        selection=[("expiring", "Expiring"), ("expired", "Expired")], required=True, readonly=True
    )
    expiry_date = fields.Date(readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    _line_horizon_kind_uniq = models.Constraint(
        "unique(line_id, horizon_days, kind)",
        "An expiry alert is given once per line, horizon and kind.",
    )

    @api.model
    def _cron_expiry_activities(self):
        """Activities for the IMMEX manager: balances expiring within the company's horizon,
        and expired ones. Balances come from the ledger (query layer), as of today."""
        # the companies that hold temporary imports, not every company of the database
        held = (
            self.env["l10n_mx_immex.pedimento.line"]
            .sudo()
            ._read_group([("is_temporary", "=", True)], ["company_id"])
        )
        for (company,) in held:
            self.sudo()._l10n_mx_immex_alert_company(company)
        return True

    @api.model
    def _l10n_mx_immex_alert_company(self, company, today=None):
        today = today or fields.Date.context_today(self)
        horizon = company.l10n_mx_immex_expiry_horizon_days or DEFAULT_HORIZON_DAYS
        limit = today + timedelta(days=horizon)
        rows = self.env["l10n_mx_immex.report.query"]._balances_by_line(
            company, today, only_open=True
        )
        due = [r for r in rows if r["expiry_date"] and r["expiry_date"] <= limit]
        if not due:
            return self.browse()
        done = {
            (alert.line_id.id, alert.kind)
            for alert in self.search(
                [
                    ("line_id", "in", [r["line_id"] for r in due]),
                    ("horizon_days", "=", horizon),
                ]
            )
        }
        user = company._l10n_mx_immex_compliance_user()
        lines = self.env["l10n_mx_immex.pedimento.line"].browse([r["line_id"] for r in due])
        by_id = {line.id: line for line in lines}
        vals_list = []
        for row in due:
            kind = "expired" if row["expiry_date"] < today else "expiring"
            if (row["line_id"], kind) in done:
                continue
            line = by_id[row["line_id"]]
            if kind == "expired":
                summary = self.env._(
                    "Expired balance: %(ped)s / %(seq)s, regularise it (A3)",
                    ped=row["pedimento"],
                    seq=row["sequence"],
                )
            else:
                summary = self.env._(
                    "Balance expires on %(date)s: %(ped)s / %(seq)s",
                    date=row["expiry_date"].isoformat(),
                    ped=row["pedimento"],
                    seq=row["sequence"],
                )
            note = self.env._(
                "%(product)s: balance %(qty)s %(uom)s (USD %(usd)s) of line %(seq)s expires on "
                "%(date)s.",
                product=row["part_number"] or row["description"],
                qty=round(row["balance_umc"], 3),
                uom=row["umc"] or "",
                usd=round(row["balance_usd"], 2),
                seq=row["sequence"],
                date=row["expiry_date"].isoformat(),
            )
            activity = line.pedimento_id.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=max(row["expiry_date"], today) if kind == "expiring" else today,
                summary=summary,
                note=note,
                user_id=user.id or self.env.uid,
            )
            vals_list.append(
                {
                    "line_id": line.id,
                    "horizon_days": horizon,
                    "kind": kind,
                    "expiry_date": row["expiry_date"],
                    "activity_id": activity.id,
                    "company_id": company.id,
                }
            )
        return self.create(vals_list)
