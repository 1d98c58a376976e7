# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..report import report_files
from ..report import report_layouts as layouts

REPORT_TYPES = [
    ("entries", "Entries (Entradas)"),
    ("exits", "Exits (Salidas)"),
    ("balances", "Balances (Saldos)"),
    ("materials_used", "Materials used (Materiales utilizados)"),
    ("discharges", "Discharges (Descargos)"),
    ("pending", "Pending discharges"),
    ("waste", "Pending waste"),
    ("expiring", "Expiring balances"),
    ("registration", "48-hour compliance"),
    ("bom_drift", "BOM drift"),
    ("return_ratio", "Return ratio"),
]
# Reports asked at a cut-off date; the others cover a period (the ratio: 12 months to date_to).
CUT_OFF_TYPES = {"balances", "pending", "waste", "expiring"}
MODALITIES_ES = {
    "industrial": "Industrial",
    "holding": "Controladora",
    "services": "Servicios",
    "shelter": "Albergue",
    "third_party": "Tercerización",
}
READERS = (
    "l10n_mx_immex_annex24.group_immex_manager",
    "l10n_mx_immex_annex24.group_immex_user",
    "l10n_mx_immex_annex24.group_sat_auditor",
)
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "xml": "application/xml",
}
PDF_TYPES = {"balances", "discharges"}


def _previous_month():
    first = date.today().replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


class L10nMxImmexReportWizard(models.TransientModel):
    """Print / Download an Annex 24 report (screens, XLSX, PDF, XML) as of any date."""

    _name = "l10n_mx_immex.report.wizard"
    _description = "Annex 24 Report"

    report_type = fields.Selection(selection=REPORT_TYPES, required=True, default="balances")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(default=lambda self: _previous_month()[0])
    date_to = fields.Date(default=lambda self: _previous_month()[1])
    date_at = fields.Date(string="Cut-off Date", default=fields.Date.context_today)
    known_at = fields.Date(
        string="As Recorded up to",
        help="Give exactly what the system said at the end of this day (corrections "
        "recorded later are left out). Empty: everything recorded until now.",
    )
    group_by = fields.Selection(
        selection=[
            ("fraction", "Tariff fraction"),
            ("line", "Pedimento line"),
            ("product", "Product"),
        ],
        string="Grouping",
        help="Balances: the sheet to produce. Empty: all three (fraction, line, product).",
    )
    file_format = fields.Selection(
        selection=[("xlsx", "Excel (XLSX)"), ("pdf", "PDF"), ("xml", "XML")],
        default="xlsx",
        required=True,
    )
    product_ids = fields.Many2many("product.product", string="Products")
    fraction_ids = fields.Many2many("l10n_mx_catalogs.c_fraccion", string="Tariff Fractions")
    is_cut_off = fields.Boolean(compute="_compute_is_cut_off")
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    @api.depends("report_type")
    def _compute_is_cut_off(self):
        for wizard in self:
            wizard.is_cut_off = wizard.report_type in CUT_OFF_TYPES

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from and wizard.date_to and wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The period must end on or after its first day."))

    # ------------------------------------------------------------------ actions
    def action_export(self):
        """Build the file, attach it to the wizard and download it."""
        self.ensure_one()
        self._l10n_mx_immex_check_access()
        name = self._l10n_mx_immex_file_name()
        if self.file_format == "pdf":
            if self.report_type not in PDF_TYPES:
                raise UserError(
                    self.env._("PDF is available for the balances and discharges reports.")
                )
            # the print is logged for SAT auditors by ir.actions.report itself
            content, __ = self.env["ir.actions.report"]._render_qweb_pdf(
                "l10n_mx_immex_annex24.action_report_l10n_mx_immex_annex24", self.ids
            )
        else:
            content = self._l10n_mx_immex_file_content()
            if not self.env.su and self.env.user._l10n_mx_immex_is_auditor():
                self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
                    "export",
                    model_name=self._name,
                    report_type=f"{self.report_type}.{self.file_format}",
                    detail=self._l10n_mx_immex_period_text()[:1000],
                )
        # the file belongs to the wizard (transient): only its creator downloads it
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": MIMETYPES[self.file_format],
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self.attachment_id = attachment
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
            "name": name,
        }

    def action_view(self):
        """Open the report on screen (list, pivot, graph) at the wizard's dates."""
        self.ensure_one()
        self._l10n_mx_immex_check_access()
        ctx = {"allowed_company_ids": self.company_id.ids}
        if self.report_type == "balances":
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "l10n_mx_immex_annex24.l10n_mx_immex_report_balance_action"
            )
            ctx.update(
                l10n_mx_immex_date_at=fields.Date.to_string(self.date_at or date.today()),
                l10n_mx_immex_known_at=fields.Date.to_string(self.known_at) or False,
            )
            if self.group_by == "fraction" or not self.group_by:
                ctx["search_default_group_fraction"] = 1
            elif self.group_by == "product":
                ctx["search_default_group_product"] = 1
            action["context"] = ctx
            action["display_name"] = self.env._(
                "Balances as of %(date)s", date=fields.Date.to_string(self.date_at)
            )
            return action
        if self.report_type == "return_ratio":
            ratio = self.env["l10n_mx_immex.report.return.ratio"]._l10n_mx_immex_fill(
                self.company_id, self.date_to or date.today(), self.known_at
            )
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "l10n_mx_immex_annex24.l10n_mx_immex_report_return_ratio_action"
            )
            action["domain"] = [("id", "in", ratio.ids)]
            return action
        xmlid, domain = self._l10n_mx_immex_screen()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = ctx
        return action

    # ------------------------------------------------------------------ helpers
    def _l10n_mx_immex_check_access(self):
        """Reports read the ledger with SQL: the caller's group and company are checked
        here, for any caller (RPC included)."""
        user = self.env.user
        if user._is_superuser():
            return
        if not any(user.has_group(group) for group in READERS):
            raise AccessError(self.env._("You are not allowed to read Annex 24 reports."))
        if self.company_id not in user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot read the Annex 24 reports of company %(company)s.",
                    company=self.company_id.sudo().name,
                )
            )

    def _l10n_mx_immex_screen(self):
        """(action xml id, domain) of the existing screens that show a report's records."""
        start = self.date_from or date(1900, 1, 1)
        end = self.date_to or date.today()
        cut = self.date_at or date.today()
        company = [("company_id", "=", self.company_id.id)]
        period = [("date", ">=", start), ("date", "<=", end)]
        entry = [("entry_date", ">=", start), ("entry_date", "<=", end)]
        module = "l10n_mx_immex_annex24."
        screens = {
            "entries": ("l10n_mx_immex_report_entries_action", entry),
            "exits": ("l10n_mx_immex_report_exits_action", entry),
            "registration": ("l10n_mx_immex_report_registration_action", entry),
            "discharges": ("l10n_mx_immex_discharge_action", period),
            "materials_used": ("l10n_mx_immex_material_usage_action", period),
            "bom_drift": ("l10n_mx_immex_material_usage_action_drift", period),
            "pending": ("l10n_mx_immex_discharge_pending_action", [("date", "<=", cut)]),
            "waste": ("l10n_mx_immex_waste_action", [("date", "<=", cut)]),
            "expiring": ("l10n_mx_immex_pedimento_line_action_expiring", []),
        }
        xmlid, domain = screens[self.report_type]
        return module + xmlid, company + domain

    def _l10n_mx_immex_params(self):
        filters = {}
        if self.product_ids:
            filters["product_ids"] = self.product_ids.ids
        if self.fraction_ids:
            filters["fraction_ids"] = self.fraction_ids.ids
        today = date.today()
        return {
            "date_from": self.date_from or date(1900, 1, 1),
            "date_to": self.date_to or today,
            "date_at": self.date_at or today,
            "known_at": self.known_at or None,
            "group_by": self.group_by or None,
            "filters": filters,
        }

    def _l10n_mx_immex_sheets(self):
        """The report's sheets, in Spanish (descriptions too, where translated)."""
        query = self.env["l10n_mx_immex.report.query"].with_context(
            l10n_mx_immex_report_lang="es_MX"
        )
        return query._report_sheets(self.report_type, self.company_id, self._l10n_mx_immex_params())

    def _l10n_mx_immex_period_text(self):
        params = self._l10n_mx_immex_params()
        if self.report_type in CUT_OFF_TYPES:
            return f"Al {params['date_at'].isoformat()}"
        if self.report_type == "return_ratio":
            return f"12 meses al {params['date_to'].isoformat()}"
        return f"Del {params['date_from'].isoformat()} al {params['date_to'].isoformat()}"

    def _l10n_mx_immex_header(self):
        """``[(key, label_es, value)]`` of the header block (files and every PDF page)."""
        company = self.company_id.sudo()
        filters = []
        if self.product_ids:
            filters.append(
                "Productos: " + ", ".join(p.default_code or p.name for p in self.product_ids)
            )
        if self.fraction_ids:
            filters.append("Fracciones: " + ", ".join(self.fraction_ids.mapped("code")))
        if self.report_type == "balances" and self.group_by:
            filters.append(f"Agrupado por: {self.group_by}")
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        title_es = layouts.REPORTS[self.report_type][0]
        values = {
            "company": company.name,
            "rfc": company.vat or "",
            "program": company.l10n_mx_immex_program_number or "",
            "modality": MODALITIES_ES.get(company.l10n_mx_immex_modality, ""),
            "report": f"Anexo 24 - {title_es}",
            "period": self._l10n_mx_immex_period_text(),
            "known_at": (
                f"Registrado hasta el {self.known_at.isoformat()}"
                if self.known_at
                else "Todo lo registrado a la fecha de generación"
            ),
            "filters": "; ".join(filters) or "Ninguno",
            "produced_at": now.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "produced_by": self.env.user.name,
        }
        return [(key, label_es, values[key]) for key, label_es, __ in layouts.HEADER_FIELDS]

    def _l10n_mx_immex_file_content(self):
        header = self._l10n_mx_immex_header()
        sheets = self._l10n_mx_immex_sheets()
        if self.file_format == "xml":
            return report_files.write_xml(
                self.report_type,
                [(key, value) for key, __, value in header],
                [(key, columns, rows) for key, __, __, columns, rows in sheets],
            )
        return report_files.write_xlsx(
            [(label, value) for __, label, value in header],
            [(name_es, columns, rows) for __, name_es, __, columns, rows in sheets],
        )

    def _l10n_mx_immex_file_name(self):
        params = self._l10n_mx_immex_params()
        stamp = (
            params["date_at"] if self.report_type in CUT_OFF_TYPES else params["date_to"]
        ).isoformat()
        rfc = self.company_id.sudo().vat or "empresa"
        return f"anexo24_{self.report_type}_{rfc}_{stamp}.{self.file_format}"

    def _l10n_mx_immex_pdf_data(self):
        """What the QWeb template prints: header, then per sheet its columns and rows."""
        self.ensure_one()
        self._l10n_mx_immex_check_access()
        sheets = []
        for __, name_es, __, columns, rows in self._l10n_mx_immex_sheets():
            rows = list(rows)
            totals = {
                col[0]: sum(row.get(col[0]) or 0.0 for row in rows) for col in columns if col[4]
            }
            sheets.append({"name": name_es, "columns": columns, "rows": rows, "totals": totals})
        return {"header": self._l10n_mx_immex_header(), "sheets": sheets}

    @api.model
    def _l10n_mx_immex_format(self, value, kind):
        """A cell of the PDF (dot decimals as in the files)."""
        if value is None or (value is False and kind != layouts.BOOL):
            return ""
        if kind == layouts.BOOL:
            return "Sí" if value else "No"
        if kind in (layouts.DATE, layouts.DATETIME):
            return value.isoformat(sep=" ")[:16] if kind == layouts.DATETIME else value.isoformat()
        if kind == layouts.MONEY:
            return f"{value:,.2f}"
        if kind == layouts.PERCENT:
            return f"{value:.2f}"
        if kind == layouts.QTY:
            return f"{value:,.3f}"
        if kind == layouts.INT:
            return str(int(value))
        return str(value)
