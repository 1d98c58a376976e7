# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import fields, models

from ..immex import bom as bom_lib
from .mrp_bom_line import PLAN_MERMA


class MrpProduction(models.Model):
    _inherit = "mrp.production"

    l10n_mx_immex_usage_ids = fields.One2many(
        comodel_name="l10n_mx_immex.material.usage",
        inverse_name="production_id",
        string="Materials Used (Annex 24)",
        readonly=True,
    )

    def _get_moves_raw_values(self):
        # see mrp.bom.line._prepare_line_done_values: components planned with their merma
        token = PLAN_MERMA.set(True)
        try:
            return super()._get_moves_raw_values()
        finally:
            PLAN_MERMA.reset(token)

    def _post_inventory(self, cancel_backorder=False):
        res = super()._post_inventory(cancel_backorder=cancel_backorder)
        self._l10n_mx_immex_record_usage()
        return res

    def _l10n_mx_immex_record_usage(self):
        """Record the real consumption of imported components (Annex 24 'materials used').

        Controlled components count as consumed; a sub-assembly made in the plant counts
        through its own recorded consumption per unit (average of its productions), or its
        bill of materials when none was recorded. Scrap orders of the production are its
        desperdicio. The theoretical quantity (net + merma) comes from the BOM.
        """
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        Usage = self.env["l10n_mx_immex.material.usage"].sudo()
        todo = self.filtered(lambda p: p.state == "done" and not p.l10n_mx_immex_usage_ids)
        if not todo:
            return
        controlled = self.env["l10n_mx_immex.discharge.demand"].sudo()._controlled_product_ids()
        vals_list = []
        for production in todo:
            product = production.product_id
            produced = sum(
                m._l10n_mx_immex_qty_product_uom()
                for m in production.move_finished_ids
                if m.state == "done" and m.product_id == product
            )
            if produced <= 0:
                continue
            consumed = defaultdict(float)
            national = defaultdict(float)
            via = {}
            rule = {}
            company_rule = production.company_id.l10n_mx_immex_mixed_stock_rule
            for move in production.move_raw_ids.filtered(lambda m: m.state == "done"):
                component = move.product_id
                if component.id in controlled:
                    qty = move._l10n_mx_immex_qty_product_uom()
                    consumed[component.id] += qty
                    if move.move_line_ids.lot_id:
                        # lots say it: those without a pedimento line are national goods
                        rule[component.id] = "lot"
                        national[component.id] += sum(
                            ml.product_uom_id._compute_quantity(ml.quantity, component.uom_id)
                            for ml in move.move_line_ids
                            if not ml.lot_id.l10n_mx_immex_pedimento_line_id
                        )
                    elif company_rule == "national_first":
                        rule[component.id] = "national_first"
                        available = production._l10n_mx_immex_national_available(component)
                        national[component.id] += min(
                            qty, max(available - national[component.id], 0)
                        )
                    else:
                        rule[component.id] = "temporary_first"
                elif component.bom_ids:
                    for sub_id, per_unit in production._l10n_mx_immex_subassembly_per_unit(
                        component, service, controlled
                    ).items():
                        consumed[sub_id] += per_unit * move._l10n_mx_immex_qty_product_uom()
                        via[sub_id] = component.id
                        rule.setdefault(sub_id, "temporary_first")
            scrapped = defaultdict(float)
            for scrap in production.scrap_ids.filtered(lambda s: s.state == "done"):
                if scrap.product_id.id in controlled:
                    scrapped[scrap.product_id.id] += scrap.scrap_qty
            boms = (
                self.env["l10n_mx_immex.discharge.demand"]
                .sudo()
                ._bom_structures(product, stop=controlled, company=production.company_id)
            )
            theoretical = (
                bom_lib.explode(product.id, produced, boms, stop=controlled.__contains__)
                if product.id in boms
                else {}
            )
            date = fields.Date.to_date(production.date_finished) or fields.Date.today()
            components = self.env["product.product"].browse(
                set(consumed) | {c for c in theoretical if c in controlled}
            )
            for component in components:
                qty = consumed.get(component.id, 0.0)
                qty_national = national.get(component.id, 0.0)
                net, merma, __ = theoretical.get(component.id, (0.0, 0.0, 0.0))
                vals_list.append(
                    {
                        "production_id": production.id,
                        "date": date,
                        "finished_product_id": product.id,
                        "qty_produced": produced,
                        "component_id": component.id,
                        "via_product_id": via.get(component.id, False),
                        "qty_consumed": qty,
                        "qty_national": qty_national,
                        "qty_scrapped": scrapped.get(component.id, 0.0),
                        # only temporarily imported material is discharged by exports
                        "qty_per_unit": (qty - qty_national) / produced,
                        "qty_tariff": qty * component.l10n_mx_immex_tariff_factor,
                        # rounded up to the unit, as the order plans it
                        "qty_theoretical": component.uom_id.round(
                            net + merma, rounding_method="UP"
                        ),
                        "regime_rule": rule.get(component.id, "temporary_first"),
                        "company_id": production.company_id.id,
                    }
                )
        if vals_list:
            Usage.create(vals_list)

    def _l10n_mx_immex_national_available(self, component):
        """National or definitive goods of ``component`` not yet consumed by productions."""
        self.ensure_one()
        received = sum(
            move._l10n_mx_immex_qty_product_uom()
            for move in self.env["stock.move"].search(
                [
                    ("product_id", "=", component.id),
                    ("company_id", "=", self.company_id.id),
                    ("state", "=", "done"),
                    ("location_id.usage", "=", "supplier"),
                    ("l10n_mx_immex_regime", "in", ("national", "definitive")),
                ]
            )
        )
        used = sum(
            self.env["l10n_mx_immex.material.usage"]
            .search([("component_id", "=", component.id), ("company_id", "=", self.company_id.id)])
            .mapped("qty_national")
        )
        return max(received - used, 0.0)

    def _l10n_mx_immex_subassembly_per_unit(self, component, service, controlled):
        usages = (
            self.env["l10n_mx_immex.material.usage"]
            .sudo()
            .search(
                [
                    ("finished_product_id", "=", component.id),
                    ("company_id", "=", self.company_id.id),
                ],
                order="date desc, id desc",
                limit=200,
            )
        )
        if usages:
            produced = sum({u.production_id: u.qty_produced for u in usages}.values())
            totals = defaultdict(float)
            for usage in usages:
                totals[usage.component_id.id] += usage.qty_consumed
            return {cid: qty / produced for cid, qty in totals.items()} if produced else {}
        boms = (
            self.env["l10n_mx_immex.discharge.demand"]
            .sudo()
            ._bom_structures(component, stop=controlled, company=self.company_id)
        )
        if component.id not in boms:
            return {}
        leaves = bom_lib.explode(component.id, 1.0, boms, stop=controlled.__contains__)
        return {cid: net + merma for cid, (net, merma, __) in leaves.items() if cid in controlled}
