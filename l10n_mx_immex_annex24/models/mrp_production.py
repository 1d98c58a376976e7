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

        Controlled components count as consumed, split into temporary and national from the
        stock that was really there (see :meth:`_l10n_mx_immex_split_regime`); a
        sub-assembly made in the plant counts through the temporary content per unit of its
        own productions, or its bill of materials when none was recorded. Scrap orders of the
        production are its desperdicio. The theoretical quantity (net + merma) comes from
        the BOM.
        """
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        Usage = self.env["l10n_mx_immex.material.usage"].sudo()
        Demand = self.env["l10n_mx_immex.discharge.demand"].sudo()
        todo = self.filtered(lambda p: p.state == "done" and not p.l10n_mx_immex_usage_ids)
        if not todo:
            return
        controlled = Demand._controlled_product_ids()
        # what each company really holds by regime, before these productions; kept up to
        # date as the batch's productions consume it, in the order they finished
        pools = {}
        for company, productions in todo.grouped("company_id").items():
            component_ids = {
                m.product_id.id for m in productions.move_raw_ids if m.product_id.id in controlled
            }
            pools[company] = Demand._stock_by_regime(company, component_ids, productions.ids)
        vals_list = []
        for production in todo.sorted(lambda p: (p.date_finished or p.create_date, p.id)):
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
            company_pools = pools[production.company_id]
            for move in production.move_raw_ids.filtered(lambda m: m.state == "done"):
                component = move.product_id
                if component.id in controlled:
                    qty = move._l10n_mx_immex_qty_product_uom()
                    consumed[component.id] += qty
                    pool = company_pools.setdefault(
                        component.id,
                        {
                            "temporary": 0.0,
                            "national": 0.0,
                            "temporary_known": False,
                            "national_known": False,
                        },
                    )
                    if move.move_line_ids.lot_id:
                        # lots say it: those without a pedimento line are national goods
                        rule[component.id] = "lot"
                        qty_national = sum(
                            ml.product_uom_id._compute_quantity(ml.quantity, component.uom_id)
                            for ml in move.move_line_ids
                            if not ml.lot_id.l10n_mx_immex_pedimento_line_id
                        )
                    else:
                        rule[component.id] = company_rule or "temporary_first"
                        qty_national = self._l10n_mx_immex_split_regime(
                            qty, pool, rule[component.id]
                        )
                    national[component.id] += qty_national
                    pool["national"] = max(pool["national"] - qty_national, 0.0)
                    pool["temporary"] = max(pool["temporary"] - (qty - qty_national), 0.0)
                elif component.bom_ids:
                    for sub_id, per_unit in production._l10n_mx_immex_subassembly_per_unit(
                        component, service, controlled
                    ).items():
                        consumed[sub_id] += per_unit * move._l10n_mx_immex_qty_product_uom()
                        via[sub_id] = component.id
                        rule.setdefault(sub_id, company_rule or "temporary_first")
            scrapped = defaultdict(float)
            for scrap in production.scrap_ids.filtered(lambda s: s.state == "done"):
                if scrap.product_id.id in controlled:
                    scrapped[scrap.product_id.id] += scrap.scrap_qty
            boms = Demand._bom_structures(product, stop=controlled, company=production.company_id)
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

    @staticmethod
    def _l10n_mx_immex_split_regime(qty, pool, rule):
        """National part of consuming ``qty`` from ``pool`` (see ``_stock_by_regime``).

        The company's rule says which regime goes first; each part is capped at what that
        regime really holds. Beyond both (stock of no known receipt), the goods count as
        temporary when the product was ever imported temporarily, or when nothing says where
        it came from (a pending shows it); national when the plant only ever bought it in
        Mexico. So a box or a local label never becomes a pending discharge.
        """
        if rule == "national_first":
            qty_national = min(qty, pool["national"])
            qty_temporary = min(qty - qty_national, pool["temporary"])
        else:
            qty_temporary = min(qty, pool["temporary"])
            qty_national = min(qty - qty_temporary, pool["national"])
        rest = qty - qty_temporary - qty_national
        if rest > 0 and not pool["temporary_known"] and pool["national_known"]:
            qty_national += rest
        return qty_national

    def _l10n_mx_immex_subassembly_per_unit(self, component, service, controlled):
        """Temporary content per unit of a sub-assembly made in the plant (see
        ``l10n_mx_immex.discharge.demand._imported_content``)."""
        self.ensure_one()
        Demand = self.env["l10n_mx_immex.discharge.demand"].sudo()
        return Demand._imported_content(self.company_id, component, controlled) or {}
