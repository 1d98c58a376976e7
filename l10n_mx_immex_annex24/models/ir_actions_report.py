# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render(self, report_ref, res_ids, data=None):
        # Every PDF/HTML rendering (print button, /report/ routes) passes here.
        if not self.env.su and self.env.user._l10n_mx_immex_is_auditor():
            report = self._get_report(report_ref)
            self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
                "print",
                model_name=report.model,
                res_ids=res_ids or [],
                report_type=report.report_name,
            )
        return super()._render(report_ref, res_ids, data=data)
