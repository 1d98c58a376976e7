# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL


class L10nMxImmexReportBalance(models.Model):
    """Balances by pedimento line as of a cut-off date (screen of the Saldos report).

    Read from the query layer (ledger + declared quantities), never from the stored
    balance. The cut-off and the 'as recorded up to' date come from the action that opens
    the screen (the Print / Download dialog); without them, today and now. Group by tariff
    fraction for the legal grain: the UMT columns add up within a fraction.
    """

    _name = "l10n_mx_immex.report.balance"
    _description = "Annex 24 Balances as of a Date"
    _auto = False
    _order = "entry_date, pedimento_id, sequence, id"
    _check_company_auto = True

    line_id = fields.Many2one(
        "l10n_mx_immex.pedimento.line", string="Pedimento Line", readonly=True
    )
    pedimento_id = fields.Many2one("l10n_mx_immex.pedimento", readonly=True)
    sequence = fields.Integer(string="Partida", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    fraction_id = fields.Many2one(
        "l10n_mx_catalogs.c_fraccion", string="Tariff Fraction", readonly=True
    )
    key_id = fields.Many2one("l10n_mx_immex.pedimento.key", string="Pedimento Key", readonly=True)
    material_type = fields.Selection(
        selection="_selection_material_type",
        readonly=True,
    )
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    uom_tariff_id = fields.Many2one("uom.uom", string="Tariff Unit (UMT)", readonly=True)
    entry_date = fields.Date(readonly=True)
    expiry_date = fields.Date(readonly=True)
    # units differ between products: no totals in product units
    imported = fields.Float(
        string="Imported (UMC)", digits="Product Unit", readonly=True, aggregator=None
    )
    discharged = fields.Float(
        string="Discharged (UMC)", digits="Product Unit", readonly=True, aggregator=None
    )
    balance = fields.Float(
        string="Balance (UMC)", digits="Product Unit", readonly=True, aggregator=None
    )
    imported_tariff = fields.Float(string="Imported (UMT)", digits="Product Unit", readonly=True)
    balance_tariff = fields.Float(string="Balance (UMT)", digits="Product Unit", readonly=True)
    imported_usd = fields.Float(
        string="Imported Value (USD)", digits="Product Price", readonly=True
    )
    balance_usd = fields.Float(string="Balance Value (USD)", digits="Product Price", readonly=True)
    balance_mxn = fields.Float(string="Balance Value (MXN)", digits="Product Price", readonly=True)
    has_balance = fields.Boolean(string="With Balance", readonly=True)
    is_expired = fields.Boolean(string="Expired at Cut-off", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    def _selection_material_type(self):
        return (
            self.env["product.template"]
            ._fields["l10n_mx_immex_type"]
            ._description_selection(self.env)
        )

    def _l10n_mx_immex_dates(self):
        """(cut-off, as recorded up to) of the screen; a bad value falls back to today."""
        ctx = self.env.context
        try:
            date_at = fields.Date.to_date(ctx.get("l10n_mx_immex_date_at"))
            known_at = fields.Date.to_date(ctx.get("l10n_mx_immex_known_at"))
        except (TypeError, ValueError):
            date_at = known_at = None
        return date_at or fields.Date.context_today(self), known_at

    @property
    def _table_query(self):
        date_at, known_at = self._l10n_mx_immex_dates()
        base = self.env["l10n_mx_immex.report.query"]._balance_lines_sql(
            self.env.companies.ids, date_at, known_at
        )
        return SQL(
            """
            SELECT b.line_id AS id, b.line_id, b.pedimento_id, b.sequence, b.product_id,
                   b.fraction_id, b.key_id, b.material_type, b.uom_id, b.uom_tariff_id,
                   b.entry_date, b.expiry_date, b.imported, b.discharged, b.balance,
                   b.imported_tariff,
                   b.balance_tariff, b.imported_usd, b.balance_usd, b.balance_mxn,
                   b.balance > 0.000001 AS has_balance,
                   (b.balance > 0.000001 AND b.expiry_date < %s) AS is_expired, b.company_id
              FROM (%s) b
            """,
            date_at,
            base,
        )

    def action_l10n_mx_immex_download(self):
        """The Print / Download dialog at the screen's cut-off and recording dates (a list
        header button: called on the selected rows, or on none)."""
        date_at, known_at = self._l10n_mx_immex_dates()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Download Balances"),
            "res_model": "l10n_mx_immex.report.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_report_type": "balances",
                "default_date_at": fields.Date.to_string(date_at),
                "default_known_at": fields.Date.to_string(known_at) if known_at else False,
                "default_file_format": "xlsx",
            },
        }
