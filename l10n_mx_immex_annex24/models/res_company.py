# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from . import l10n_mx_immex_guard as guard


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

    l10n_mx_immex_lock_date = fields.Date(
        string="Annex 24 Closed Up To",
        help="Inclusive. No discharge, reversal or rectification takes effect on or before "
        "this date, and discharges cannot be re-run into it: a correction of a closed period "
        "takes effect the day after and names the date it corrects. Only IMMEX managers set "
        "it, and it only moves forward.",
    )
    l10n_mx_immex_part_number_rule = fields.Selection(
        selection=[
            ("default_code", "Internal Reference"),
            ("barcode", "Barcode"),
            ("supplier_code", "Vendor Product Code"),
        ],
        string="Part Number Rule",
        default="default_code",
        help="How the part number of a Data Stage line (CodigoMercanciaProducto) or of an "
        "initial inventory row finds its product.",
    )

    l10n_mx_immex_program_cancel_date = fields.Date(
        string="IMMEX Program Cancelled On",
        help="Once the program is cancelled, temporary imports have 60 calendar days to be "
        "returned, transferred or changed to definitive. Open balances take that limit "
        "through the recomputation of time limits (an explicit action, in the trail).",
    )

    l10n_mx_immex_expiry_horizon_days = fields.Integer(
        string="Expiry Alert Horizon (days)",
        default=60,
        help="The scheduled action gives the compliance responsible one activity per "
        "balance that expires within this many days (and per expired balance).",
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

    @api.constrains("l10n_mx_immex_lock_date")
    def _check_l10n_mx_immex_lock_date(self):
        today = fields.Date.context_today(self)
        for company in self:
            if company.l10n_mx_immex_lock_date and company.l10n_mx_immex_lock_date > today:
                raise ValidationError(self.env._("Annex 24 cannot be closed beyond today's date."))

    def write(self, vals):
        immex = [f for f in vals if f.startswith("l10n_mx_immex_")]
        if "l10n_mx_immex_lock_date" in vals:
            self._l10n_mx_immex_check_lock_date(vals["l10n_mx_immex_lock_date"])
        trail = self.env["l10n_mx_immex.log"].sudo()
        old = trail._l10n_mx_immex_snapshot(self, immex) if immex else {}
        res = super().write(vals)
        if old:
            trail._l10n_mx_immex_log_write(self, old)
        return res

    def _l10n_mx_immex_check_lock_date(self, value):
        if not self.env.su and not self.env.user.has_group(
            "l10n_mx_immex_annex24.group_immex_manager"
        ):
            raise AccessError(self.env._("Only IMMEX managers can close an Annex 24 period."))
        new = fields.Date.to_date(value)
        for company in self:
            old = company.l10n_mx_immex_lock_date
            if old and (not new or new < old):
                # a closed period stays closed: its corrections go after it
                raise UserError(
                    self.env._(
                        "Annex 24 of %(company)s is closed up to %(date)s; the lock date can "
                        "only move forward.",
                        company=company.name,
                        date=old,
                    )
                )

    def l10n_mx_immex_verify_integrity(self):
        """Recompute the hash chains and the stored balances of these companies.

        Returns ``{"ok", "checked", "broken": [{"model", "id", "reason"}], "heads", ...}``
        (first break first; for several companies, their results merged). Read-only, for
        IMMEX managers and SAT auditors of the companies.
        """
        user = self.env.user
        if not self.env.su and not (
            user.has_group("l10n_mx_immex_annex24.group_immex_manager")
            or user.has_group("l10n_mx_immex_annex24.group_sat_auditor")
        ):
            raise AccessError(
                self.env._("Only IMMEX managers and SAT auditors can verify Annex 24.")
            )
        companies = self or self.env.company
        if not self.env.su and companies - user.company_ids:
            raise AccessError(self.env._("You cannot verify another company's Annex 24."))
        integrity = self.env["l10n_mx_immex.integrity"].sudo()
        results = [integrity._verify(company) for company in companies]
        if len(results) == 1:
            return results[0]
        return {
            "ok": all(r["ok"] for r in results),
            "checked": sum(r["checked"] for r in results),
            "broken": [b for r in results for b in r["broken"]],
            "companies": results,
        }

    def action_l10n_mx_immex_recompute_expiry(self):
        """Apply the current certification, program dates and key limits to open balances.

        Expiry dates are fixed when a balance opens; changing them afterwards is this
        explicit action of an IMMEX manager: one trail row per line changed (old and new
        date) and one for the company. Returns a notification with the count.
        """
        guard.check_group(self.env, guard.MANAGER)
        companies = self or self.env.company
        guard.check_companies(self.env, companies)
        Line = self.env["l10n_mx_immex.pedimento.line"].sudo()
        lines = Line.search(
            [
                ("company_id", "in", companies.ids),
                ("is_temporary", "=", True),
                ("qty_balance", ">", 0),
            ]
        )
        changed = []
        for line in lines:
            new = Line._immex_expiry_date(line.pedimento_id, line.material_type, True)
            if (new or False) != (line.expiry_date or False):
                changed.append((line, line.expiry_date, new or None))
        if changed:
            Line.flush_model(["expiry_date"])
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE l10n_mx_immex_pedimento_line l SET expiry_date = v.expiry
                      FROM unnest(%s::int[], %s::date[]) AS v(id, expiry)
                     WHERE l.id = v.id
                    """,
                    [line.id for line, __, __ in changed],
                    [new for __, __, new in changed],
                )
            )
            Line.invalidate_model(["expiry_date"])
        entries = [
            {
                "model_name": line._name,
                "res_id": line.id,
                "action": "write",
                "company_id": line.company_id.id,
                "changes": {
                    "expiry_date": [
                        fields.Date.to_string(old) if old else False,
                        fields.Date.to_string(new) if new else False,
                    ]
                },
            }
            for line, old, new in changed
        ]
        entries += [
            {
                "model_name": "res.company",
                "res_id": company.id,
                "action": "write",
                "company_id": company.id,
                "changes": {
                    "expiry_recomputed": [
                        0,
                        sum(1 for line, __, __ in changed if line.company_id == company),
                    ],
                    "l10n_mx_immex_certification": [
                        False,
                        company.l10n_mx_immex_certification,
                    ],
                    "l10n_mx_immex_program_cancel_date": [
                        False,
                        fields.Date.to_string(company.l10n_mx_immex_program_cancel_date)
                        if company.l10n_mx_immex_program_cancel_date
                        else False,
                    ],
                },
            }
            for company in companies
        ]
        self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_record(entries)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Time limits recomputed: %(count)s open balance(s) changed.",
                    count=len(changed),
                ),
                "sticky": False,
            },
        }
