# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class L10nMxImmexReportReturnRatio(models.TransientModel):
    """Return ratio of the last 12 months, month by month (screen of the Índice de
    retorno report): rows are computed by the query layer when the screen opens."""

    _name = "l10n_mx_immex.report.return.ratio"
    _description = "Annex 24 Return Ratio"
    _order = "month_start"

    month_start = fields.Date(string="Month", readonly=True)
    imported_usd = fields.Float(string="Imported (USD)", digits="Product Price", readonly=True)
    returned_usd = fields.Float(string="Returned (USD)", digits="Product Price", readonly=True)
    month_ratio = fields.Float(
        string="% of the Month", digits=(16, 2), readonly=True, aggregator=None
    )
    rolling_ratio = fields.Float(
        string="% over 12 Months", digits=(16, 2), readonly=True, aggregator=None
    )
    threshold_60 = fields.Boolean(string="60 % Met", readonly=True)
    threshold_80 = fields.Boolean(string="80 % Met", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    @api.model
    def _l10n_mx_immex_fill(self, company, date_to, known_at=None):
        rows = self.env["l10n_mx_immex.report.query"]._return_ratio(company, date_to, known_at)
        return self.create(
            [
                {
                    "month_start": row["month_start"],
                    "imported_usd": row["imported_usd"],
                    "returned_usd": row["returned_usd"],
                    "month_ratio": row["month_ratio"] or 0.0,
                    "rolling_ratio": row["rolling_ratio"] or 0.0,
                    "threshold_60": row["threshold_60"],
                    "threshold_80": row["threshold_80"],
                    "company_id": company.id,
                }
                for row in rows
            ]
        )
