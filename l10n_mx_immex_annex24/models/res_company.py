# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    l10n_mx_immex_program_number = fields.Char(
        string="IMMEX Program Number", help="Number of the IMMEX program granted by the SE."
    )
    l10n_mx_immex_modality = fields.Selection(
        selection=[
            ("industrial", "Industrial"),
            ("holding", "Holding (controladora)"),
            ("services", "Services"),
            ("shelter", "Shelter (albergue)"),
            ("third_party", "Third-party (tercerización)"),
        ],
        string="IMMEX Modality",
    )
    l10n_mx_immex_program_date_start = fields.Date(string="IMMEX Program Valid From")
    l10n_mx_immex_program_date_end = fields.Date(
        string="IMMEX Program Valid Until",
        help="Fixed assets may stay in Mexico while the program is valid.",
    )
    l10n_mx_immex_certification = fields.Selection(
        selection=[
            ("none", "None"),
            ("vat", "VAT/IEPS certification"),
            ("aeo", "Authorised Economic Operator (AEO)"),
        ],
        string="IMMEX Certification",
        default="none",
        required=True,
        help="Certified companies follow Annex 24 section C (48-hour update, online access "
        "for the SAT); AEO companies have 36 months instead of 18 to return inputs.",
    )
    l10n_mx_immex_fifo_date = fields.Selection(
        selection=[
            ("entry_date", "Entry date (closing date for consolidated)"),
            ("payment_date", "Payment date"),
        ],
        string="FIFO Ordering Date",
        default="entry_date",
        required=True,
        help="Date that decides which pedimento is the oldest for FIFO discharge. Ties are "
        "broken by payment date, pedimento number and partida sequence.",
    )
    l10n_mx_immex_mixed_stock_rule = fields.Selection(
        selection=[
            ("temporary_first", "Temporary imports first"),
            ("national_first", "National and definitive goods first"),
        ],
        string="Mixed Stock Rule",
        default="temporary_first",
        required=True,
        help="Which goods a production consumes when a component is held both as temporary "
        "import and as national or definitive goods, unless its lots say it.",
    )
    l10n_mx_immex_missing_pedimento = fields.Selection(
        selection=[("block", "Refuse the receipt"), ("warn", "Warn and continue")],
        string="Goods Without Pedimento",
        default="block",
        required=True,
        help="What happens when IMMEX-controlled goods are received from abroad as a "
        "temporary import without a pedimento, or controlled or finished goods are delivered "
        "to a customer abroad without an export pedimento. Warned ones leave a finding.",
    )

    l10n_mx_immex_compliance_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Compliance Responsible",
        domain="[('share', '=', False), ('company_ids', 'in', id)]",
        help="Trade-compliance user who receives the Annex 24 reviews (receipt differences, "
        "exits without pedimento, shortfalls). Empty: the first IMMEX administrator of the "
        "company.",
    )

    @api.constrains("l10n_mx_immex_program_date_start", "l10n_mx_immex_program_date_end")
    def _check_l10n_mx_immex_program_dates(self):
        for company in self:
            start = company.l10n_mx_immex_program_date_start
            end = company.l10n_mx_immex_program_date_end
            if start and end and end < start:
                raise ValidationError(self.env._("The IMMEX program cannot end before it starts."))

    def _l10n_mx_immex_compliance_user(self):
        """Who reviews Annex 24 findings: the company's setting, else its first IMMEX admin."""
        self.ensure_one()
        user = self.l10n_mx_immex_compliance_user_id
        if user.active and not user.share:
            return user
        group = self.env.ref("l10n_mx_immex_annex24.group_immex_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", group.ids),
                    ("share", "=", False),
                    ("company_ids", "in", self.ids),
                    ("id", "!=", SUPERUSER_ID),
                ],
                order="id",
                limit=1,
            )
        )

    @api.model
    def _l10n_mx_immex_demo_load_mx_chart(self, company):
        """Demo: the IMMEX plant keeps Mexican books (chart, MXN) when l10n_mx is installed.

        The account demo always loads the generic chart on the main company; l10n_mx is not a
        dependency of this addon (a plant may keep its books elsewhere), so the demo switches
        the chart only where the Mexican one is installed. Its demo entries are loaded again.
        """
        company = self.browse(company) if isinstance(company, int) else company
        installed = self.env["ir.module.module"].search_count(
            [("name", "=", "l10n_mx"), ("state", "=", "installed")]
        )
        if not installed or company.chart_template == "mx":
            return False
        self.env["account.chart.template"].try_loading("mx", company, install_demo=True)
        return True
