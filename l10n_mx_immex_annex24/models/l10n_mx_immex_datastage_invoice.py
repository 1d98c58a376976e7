# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageInvoice(models.Model):
    """A staged 505 row (invoice: the COVE on imports, the CFDI on exports)."""

    _name = "l10n_mx_immex.datastage.invoice"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 505 (Invoices)"

    invoice_date = fields.Datetime(readonly=True)
    invoice_number = fields.Char(readonly=True)
    incoterm = fields.Char(readonly=True)
    currency = fields.Char(readonly=True)
    value_usd = fields.Float(string="Value (USD)", readonly=True)
    value_foreign = fields.Float(string="Value (Invoice Currency)", readonly=True)
    supplier_tax_id = fields.Char(string="Supplier Tax ID", readonly=True)
    supplier_name = fields.Char(string="Supplier", readonly=True)
