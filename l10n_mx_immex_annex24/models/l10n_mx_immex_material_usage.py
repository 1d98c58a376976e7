# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

DRIFT_ALERT_PERCENT = 5.0


class L10nMxImmexMaterialUsage(models.Model):
    """Materials used (Annex 24): real consumption of an imported component by a production.

    One row per manufacturing order and controlled component, through sub-assemblies. The
    theoretical columns come from the bill of materials so drift is caught early. An
    unbuild (disassembly) records the components it recovers as rows of its own: negative
    consumption, the recovered quantity in ``qty_recovered`` (Annex 24 lists disassembly
    outputs among the materials used).
    """

    _name = "l10n_mx_immex.material.usage"
    _description = "Annex 24 Materials Used"
    _order = "date desc, production_id, component_id"
    _check_company_auto = True

    production_id = fields.Many2one(
        "mrp.production", readonly=True, index=True, ondelete="restrict"
    )
    unbuild_id = fields.Many2one(
        "mrp.unbuild",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Disassembly that recovered the component.",
    )
    operation = fields.Selection(
        selection=[("production", "Production"), ("unbuild", "Disassembly")],
        default="production",
        required=True,
        readonly=True,
    )
    date = fields.Date(required=True, readonly=True, index=True)
    finished_product_id = fields.Many2one(
        "product.product", string="Finished Good", required=True, readonly=True
    )
    # No group totals on quantities: a group (a month, a finished good) mixes components
    # counted in metres, pieces and kilograms; a sum of those means nothing.
    qty_produced = fields.Float(digits="Product Unit", readonly=True, aggregator=None)
    component_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    via_product_id = fields.Many2one(
        "product.product",
        string="Through Sub-assembly",
        readonly=True,
        help="Sub-assembly made in the plant through which the component was consumed.",
    )
    uom_id = fields.Many2one(related="component_id.uom_id")
    qty_consumed = fields.Float(
        string="Consumed",
        digits="Product Unit",
        readonly=True,
        help="Real consumption, merma included.",
        aggregator=None,
    )
    qty_national = fields.Float(
        string="National / Definitive",
        digits="Product Unit",
        readonly=True,
        help="Part of the consumption taken from national or definitively imported goods: "
        "it discharges no pedimento.",
        aggregator=None,
    )
    qty_recovered = fields.Float(
        string="Recovered",
        digits="Product Unit",
        readonly=True,
        help="Recovered by a disassembly (unbuild): back in stock, no longer consumed.",
        aggregator=None,
    )
    qty_scrapped = fields.Float(
        string="Desperdicio",
        digits="Product Unit",
        readonly=True,
        help="Scrapped during the production: pending waste until its own event.",
        aggregator=None,
    )
    qty_per_unit = fields.Float(
        string="Per Unit",
        digits=(16, 6),
        readonly=True,
        help="Real consumption per unit of finished good: what an export discharges.",
        aggregator=None,
    )
    qty_tariff = fields.Float(
        string="Consumed (UMT)", digits="Product Unit", readonly=True, aggregator=None
    )
    qty_theoretical = fields.Float(
        string="BOM (net + merma)",
        digits="Product Unit",
        readonly=True,
        aggregator=None,
        help="What the bill of materials says the production consumes: net quantity plus "
        "merma, rounded as the manufacturing order plans it.",
    )
    qty_drift = fields.Float(
        string="Drift",
        digits="Product Unit",
        compute="_compute_drift",
        store=True,
        aggregator=None,
    )
    # an average of percentages of different components weighs nothing either
    drift_percent = fields.Float(
        string="Drift %", digits=(16, 2), compute="_compute_drift", store=True, aggregator=None
    )
    drift_alert = fields.Boolean(
        string="Drift over 5 %",
        compute="_compute_drift",
        store=True,
        help="Real consumption differs from the bill of materials by more than 5 %.",
    )
    regime_rule = fields.Selection(
        selection=[
            ("lot", "Lot regime / pedimento"),
            ("temporary_first", "Temporary imports first (company rule)"),
            ("national_first", "National goods first (company rule)"),
        ],
        string="Mixed-stock Rule",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    _production_or_unbuild = models.Constraint(
        "CHECK(production_id IS NOT NULL OR unbuild_id IS NOT NULL)",
        "A materials-used row belongs to a production or to a disassembly.",
    )

    @api.depends("qty_consumed", "qty_theoretical")
    def _compute_drift(self):
        for usage in self:
            usage.qty_drift = usage.qty_consumed - usage.qty_theoretical
            usage.drift_percent = (
                100.0 * usage.qty_drift / usage.qty_theoretical if usage.qty_theoretical else 0.0
            )
            usage.drift_alert = abs(usage.drift_percent) > DRIFT_ALERT_PERCENT
