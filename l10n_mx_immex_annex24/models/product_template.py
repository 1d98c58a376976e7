# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

IMMEX_PRODUCT_FIELDS = {
    "l10n_mx_immex_type",
    "l10n_mx_immex_material_class",
    "l10n_mx_immex_fraction_id",
    "l10n_mx_immex_uom_tariff_id",
    "l10n_mx_immex_tariff_factor",
    "l10n_mx_immex_origin_country_id",
}

# IMMEX product data whose every change goes to the Annex 24 trail.
IMMEX_TRAIL_FIELDS = {
    "l10n_mx_immex_type",
    "l10n_mx_immex_fraction_id",
    "l10n_mx_immex_uom_tariff_id",
    "l10n_mx_immex_tariff_factor",
}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    l10n_mx_immex_type = fields.Selection(
        selection=[
            ("input", "Input / raw material"),
            ("packaging", "Packaging"),
            ("fixed_asset", "Fixed asset"),
            ("finished", "Finished good"),
            ("container", "Container / trailer box"),
            ("none", "Not controlled"),
        ],
        string="IMMEX Type",
        default="none",
        required=True,
        tracking=True,
        help="How Annex 24 controls the product: inputs and packaging have 18 months (36 "
        "for AEO), fixed assets stay while the program is valid.",
    )
    l10n_mx_immex_material_class = fields.Selection(
        selection=[("direct", "Direct"), ("indirect", "Indirect")],
        string="Material Class",
        help="Direct materials are incorporated in the product; indirect ones are consumed "
        "by the process.",
    )
    l10n_mx_immex_fraction_id = fields.Many2one(
        comodel_name="l10n_mx_catalogs.c_fraccion",
        string="Tariff Fraction",
        tracking=True,
        help="Tariff fraction + NICO (10 digits).",
    )
    l10n_mx_immex_uom_tariff_id = fields.Many2one(
        comodel_name="uom.uom",
        string="Tariff Unit (UMT)",
        tracking=True,
    )
    l10n_mx_immex_tariff_factor = fields.Float(
        string="Tariff Factor",
        digits=(16, 6),
        compute="_compute_l10n_mx_immex_tariff_factor",
        store=True,
        readonly=False,
        tracking=True,
        help="Quantity in the tariff unit (UMT) of one unit of the product, e.g. 0.25 kg per "
        "piece. Computed when both units convert to each other.",
    )
    l10n_mx_immex_origin_country_id = fields.Many2one(
        comodel_name="res.country", string="Default Origin Country"
    )
    l10n_mx_immex_is_controlled = fields.Boolean(
        string="IMMEX Controlled", compute="_compute_l10n_mx_immex_is_controlled", store=True
    )
    l10n_mx_immex_can_edit = fields.Boolean(
        string="Can Edit IMMEX Classification", compute="_compute_l10n_mx_immex_can_edit"
    )

    @api.depends("uom_id", "l10n_mx_immex_uom_tariff_id")
    def _compute_l10n_mx_immex_tariff_factor(self):
        for tmpl in self:
            umt = tmpl.l10n_mx_immex_uom_tariff_id
            if umt and tmpl.uom_id and tmpl.uom_id._l10n_mx_immex_is_convertible(umt):
                tmpl.l10n_mx_immex_tariff_factor = tmpl.uom_id.factor / umt.factor
            elif not umt:
                tmpl.l10n_mx_immex_tariff_factor = 0.0

    @api.depends("l10n_mx_immex_type")
    def _compute_l10n_mx_immex_is_controlled(self):
        for tmpl in self:
            tmpl.l10n_mx_immex_is_controlled = tmpl.l10n_mx_immex_type not in (False, "none")

    @api.depends_context("uid")
    def _compute_l10n_mx_immex_can_edit(self):
        can_edit = self.env.user.has_group("l10n_mx_immex_annex24.group_immex_manager")
        for tmpl in self:
            tmpl.l10n_mx_immex_can_edit = can_edit

    @api.constrains("l10n_mx_immex_tariff_factor", "l10n_mx_immex_uom_tariff_id", "uom_id")
    def _check_l10n_mx_immex_tariff_factor(self):
        for tmpl in self:
            if tmpl.l10n_mx_immex_tariff_factor < 0:
                raise ValidationError(self.env._("The tariff factor cannot be negative."))
            if tmpl.l10n_mx_immex_uom_tariff_id and tmpl.l10n_mx_immex_tariff_factor <= 0:
                raise ValidationError(
                    self.env._(
                        "Product %(product)s: its unit %(uom)s does not convert to the tariff "
                        "unit %(umt)s; set the tariff factor (UMT per unit).",
                        product=tmpl.display_name,
                        uom=tmpl.uom_id.name,
                        umt=tmpl.l10n_mx_immex_uom_tariff_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Defaults ("none"/empty) are harmless for anyone creating a product.
        fnames = {
            f
            for vals in vals_list
            for f in IMMEX_PRODUCT_FIELDS.intersection(vals)
            if vals[f] not in (False, None, 0, 0.0, "none")
        }
        if fnames:
            self._l10n_mx_immex_check_edit_rights(fnames)
        templates = super().create(vals_list)
        controlled = templates.filtered("l10n_mx_immex_is_controlled")
        if controlled:
            self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_log_create(
                controlled, sorted(IMMEX_TRAIL_FIELDS)
            )
        return templates

    def write(self, vals):
        fnames = IMMEX_PRODUCT_FIELDS.intersection(vals)
        changed = set()
        old_vals = {}
        if fnames:
            old_vals = {
                tmpl.id: {f: tmpl._fields[f].convert_to_write(tmpl[f], tmpl) for f in fnames}
                for tmpl in self
            }
            changed = {
                f
                for f in fnames
                for tmpl in self
                if old_vals[tmpl.id][f] != self._l10n_mx_immex_written_value(f, vals[f])
            }
            if changed:
                self._l10n_mx_immex_check_edit_rights(changed)
        # the trail of IMMEX data (the factor follows a change of unit too)
        trail = self.env["l10n_mx_immex.log"].sudo()
        watched = (
            IMMEX_TRAIL_FIELDS
            if IMMEX_TRAIL_FIELDS.intersection(vals) or ("uom_id" in vals)
            else ()
        )
        old = trail._l10n_mx_immex_snapshot(self, sorted(watched)) if watched else {}
        res = super().write(vals)
        if old:
            trail._l10n_mx_immex_log_write(self, old)
        if changed:
            self._l10n_mx_immex_log_product_change(old_vals)
        return res

    def _l10n_mx_immex_written_value(self, fname, value):
        """``value`` as ``convert_to_write`` reads it back (ids for relations)."""
        field = self._fields[fname]
        if field.type == "many2one":
            return value.id if isinstance(value, models.BaseModel) else (value or False)
        if field.type == "float":
            return float(value or 0.0)
        return value or False

    def _l10n_mx_immex_check_edit_rights(self, fnames):
        # The classification drives legal time limits and discharges: only trade
        # compliance may change it, whatever the value (declassifying included).
        if self.env.su or self.env.user.has_group("l10n_mx_immex_annex24.group_immex_manager"):
            return
        raise AccessError(
            self.env._(
                "Only IMMEX managers can change the IMMEX classification of products (%(field)s).",
                field=", ".join(
                    sorted(self._fields[f].get_description(self.env)["string"] for f in fnames)
                ),
            )
        )

    def _l10n_mx_immex_with_history(self):
        """The templates whose variants already hold pedimento lines or discharges."""
        products = self.product_variant_ids
        if not products:
            return self.browse()
        lines = (
            self.env["l10n_mx_immex.pedimento.line"]
            .sudo()
            ._read_group([("product_id", "in", products.ids)], ["product_id"])
        )
        discharges = (
            self.env["l10n_mx_immex.discharge"]
            .sudo()
            ._read_group([("product_id", "in", products.ids)], ["product_id"])
        )
        used = {product for (product,) in lines} | {product for (product,) in discharges}
        return self.filtered(lambda t: set(t.product_variant_ids) & used)

    def _l10n_mx_immex_log_product_change(self, old_vals):
        """Record a change of IMMEX data of products that already have Annex 24 history.

        ``old_vals``: ``{template_id: {field: value before the write}}``. Posts the old and
        new values on the product's chatter (the trail of issue 8 extends this hook).
        """
        for tmpl in self._l10n_mx_immex_with_history():
            old = old_vals.get(tmpl.id, {})
            rows = Markup("").join(
                Markup("<li>%s: %s &rarr; %s</li>")
                % (
                    tmpl._fields[f].get_description(self.env)["string"],
                    escape(self._l10n_mx_immex_display_value(tmpl, f, old[f])),
                    escape(self._l10n_mx_immex_display_value(tmpl, f, tmpl[f])),
                )
                for f in sorted(old)
                if old[f] != tmpl._fields[f].convert_to_write(tmpl[f], tmpl)
            )
            if not rows:
                continue
            tmpl.sudo().message_post(
                body=Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "IMMEX data changed by %(user)s although the product already has "
                        "Annex 24 balances or discharges. Balances already open keep the "
                        "data they were declared with; review the pedimentos involved.",
                        user=self.env.user.name,
                    ),
                    rows,
                )
            )

    def _l10n_mx_immex_display_value(self, tmpl, fname, value):
        field = tmpl._fields[fname]
        if field.type == "many2one":
            record = (
                value
                if isinstance(value, models.BaseModel)
                else self.env[field.comodel_name].browse(value or [])
            )
            return record.sudo().display_name or ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value or "")
        return str(value if value not in (None, False) else "")
