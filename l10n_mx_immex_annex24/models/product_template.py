# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
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
        if any(IMMEX_PRODUCT_FIELDS.intersection(vals) for vals in vals_list):
            self._l10n_mx_immex_check_edit_rights(vals_list)
        templates = super().create(vals_list)
        controlled = templates.filtered("l10n_mx_immex_is_controlled")
        if controlled:
            self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_log_create(
                controlled, sorted(IMMEX_TRAIL_FIELDS)
            )
        return templates

    def write(self, vals):
        if IMMEX_PRODUCT_FIELDS.intersection(vals):
            self._l10n_mx_immex_check_edit_rights([vals])
        # the trail of IMMEX data (the factor follows a change of unit too)
        trail = self.env["l10n_mx_immex.log"].sudo()
        watched = (
            IMMEX_TRAIL_FIELDS
            if IMMEX_TRAIL_FIELDS.intersection(vals) or ("uom_id" in vals)
            else ()
        )
        old = trail._l10n_mx_immex_snapshot(self, sorted(watched))
        res = super().write(vals)
        trail._l10n_mx_immex_log_write(self, old)
        return res

    def _l10n_mx_immex_check_edit_rights(self, vals_list):
        # The classification drives legal time limits and discharges: only trade
        # compliance may change it. Defaults ("none"/empty) are harmless for anyone.
        if self.env.su or self.env.user.has_group("l10n_mx_immex_annex24.group_immex_manager"):
            return
        for vals in vals_list:
            for fname in IMMEX_PRODUCT_FIELDS.intersection(vals):
                if vals[fname] not in (False, None, 0, 0.0, "none"):
                    raise AccessError(
                        self.env._(
                            "Only IMMEX managers can change the IMMEX classification of "
                            "products (%(field)s).",
                            field=self._fields[fname].get_description(self.env)["string"],
                        )
                    )
