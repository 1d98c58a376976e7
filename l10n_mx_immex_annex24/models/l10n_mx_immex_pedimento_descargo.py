# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexPedimentoDescargo(models.Model):
    """A discharge declared by an exit pedimento (its descargo records, Data Stage 512).

    Regime changes (F4/F5), same-state returns and transfers name the import pedimento
    lines they discharge: the discharge then follows the declaration, not FIFO.
    """

    _name = "l10n_mx_immex.pedimento.descargo"
    _description = "Declared Discharge of an Exit Pedimento"
    _order = "pedimento_id, sequence, id"
    _check_company_auto = True

    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Exit Pedimento",
        required=True,
        ondelete="cascade",
        index=True,
    )
    sequence = fields.Integer(default=10)
    import_pedimento_name = fields.Char(
        string="Declared Import Pedimento",
        help="The import pedimento number as declared (Data Stage may name one not in the "
        "system yet).",
    )
    import_line_sequence = fields.Integer(string="Declared Line")
    import_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        check_company=True,
        index="btree_not_null",
    )
    product_id = fields.Many2one(comodel_name="product.product", string="Imported Good")
    quantity = fields.Float(digits="Product Unit", help="In the product's unit.")
    quantity_tariff = fields.Float(string="Quantity (UMT)", digits="Product Unit")
    company_id = fields.Many2one(related="pedimento_id.company_id", store=True, index=True)
