# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..immex import pedimento as pedimento_lib
from . import l10n_mx_immex_guard as guard


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

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list, quantities=["quantity"])
        peds = self.env["l10n_mx_immex.pedimento"].browse(
            {vals["pedimento_id"] for vals in vals_list if vals.get("pedimento_id")}
        )
        self._l10n_mx_immex_refuse_declared(peds)
        return super().create(vals_list)

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals], quantities=["quantity"])
        peds = self.pedimento_id
        if vals.get("pedimento_id"):
            peds |= peds.browse(vals["pedimento_id"])
        self._l10n_mx_immex_refuse_declared(peds)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_declared(self):
        self._l10n_mx_immex_refuse_declared(self.pedimento_id)

    @api.model
    def _l10n_mx_immex_refuse_declared(self, peds):
        """The descargos of a confirmed pedimento are what it declared: directed discharges
        follow them, so only a draft's change (or a server path, e.g. Data Stage) passes."""
        if guard.in_server_write():
            return
        declared = peds.sudo().filtered(lambda p: p.state != "draft")
        if declared:
            raise UserError(
                self.env._(
                    "Pedimento %(name)s is no longer a draft: its declared discharges cannot "
                    "change. Record a rectification.",
                    name=declared[0].name,
                )
            )

    @api.constrains("quantity")
    def _check_quantity(self):
        for descargo in self:
            guard.check_quantity(
                self.env,
                descargo.quantity,
                self.env._(
                    "Declared discharge of pedimento %(name)s",
                    name=descargo.pedimento_id.name,
                ),
            )

    @api.constrains("product_id", "import_line_id")
    def _check_import_line(self):
        for descargo in self:
            line = descargo.import_line_id
            if line and (
                not line.is_temporary
                or descargo.product_id
                and descargo.product_id != line.product_id
            ):
                raise ValidationError(
                    self.env._(
                        "A declared discharge names a temporary-import line of the same good "
                        "(%(line)s).",
                        line=line.display_name,
                    )
                )

    def _l10n_mx_immex_import_line(self):
        """The import line this record declares: linked, or found by number and partida."""
        self.ensure_one()
        if self.import_line_id or not self.import_pedimento_name:
            return self.import_line_id
        try:
            name = pedimento_lib.normalize_number(self.import_pedimento_name)
        except pedimento_lib.PedimentoError:
            return self.import_line_id
        domain = [
            ("company_id", "=", self.company_id.id),
            ("pedimento_name", "=", name),
            ("state", "=", "confirmed"),
        ]
        if self.import_line_sequence:
            domain.append(("sequence", "=", self.import_line_sequence))
        if self.product_id:
            domain.append(("product_id", "=", self.product_id.id))
        return self.env["l10n_mx_immex.pedimento.line"].sudo().search(domain, limit=1)
