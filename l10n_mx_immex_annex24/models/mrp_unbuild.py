# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MrpUnbuild(models.Model):
    _inherit = "mrp.unbuild"

    def action_unbuild(self):
        res = super().action_unbuild()
        self._l10n_mx_immex_record_recovery()
        return res

    def _l10n_mx_immex_record_recovery(self):
        """Record the imported components a disassembly recovers (Annex 24 materials used).

        Each recovered component is a row of negative consumption: the material is back in
        stock, so neither an export of the unbuilt good nor the regime split counts it as
        consumed. Its national share follows the production it came from (the order being
        unbuilt), or what the plant only buys in Mexico.
        """
        Demand = self.env["l10n_mx_immex.discharge.demand"].sudo()
        controlled = Demand._controlled_product_ids()
        Usage = self.env["l10n_mx_immex.material.usage"].sudo()
        recorded = Usage.search([("unbuild_id", "in", self.ids)]).unbuild_id
        vals_list = []
        # once per disassembly, however often its action is called
        for unbuild in self.filtered(lambda u: u.state == "done") - recorded:
            company = unbuild.company_id
            product = unbuild.product_id
            unbuilt = unbuild.product_uom_id._compute_quantity(
                unbuild.product_qty, product.uom_id, rounding_method="HALF-UP"
            )
            recovered = {}
            via = {}
            for move in unbuild.produce_line_ids:
                component = move.product_id
                if move.state != "done" or component == product:
                    continue  # the unbuilt good itself goes the other way
                qty = move._l10n_mx_immex_qty_product_uom()
                if component.id in controlled:
                    recovered[component.id] = recovered.get(component.id, 0.0) + qty
                    continue
                # a sub-assembly taken out whole: the imported material it holds
                for sub_id, per_unit in (
                    Demand._imported_content(company, component, controlled) or {}
                ).items():
                    recovered[sub_id] = recovered.get(sub_id, 0.0) + per_unit * qty
                    via[sub_id] = component.id
            if not recovered:
                continue
            shares = {
                usage.component_id.id: usage.qty_national / usage.qty_consumed
                for usage in unbuild.mo_id.l10n_mx_immex_usage_ids
                if usage.operation == "production" and usage.qty_consumed
            }
            national_only = Demand._national_only_product_ids(company, recovered)
            for component_id, qty in recovered.items():
                share = 1.0 if component_id in national_only else shares.get(component_id, 0.0)
                component = self.env["product.product"].browse(component_id)
                vals_list.append(
                    {
                        "production_id": unbuild.mo_id.id,
                        "unbuild_id": unbuild.id,
                        "operation": "unbuild",
                        "date": fields.Date.context_today(self),
                        "finished_product_id": product.id,
                        "qty_produced": -unbuilt,
                        "component_id": component_id,
                        "via_product_id": via.get(component_id, False),
                        "qty_consumed": -qty,
                        "qty_national": -qty * share,
                        "qty_recovered": qty,
                        "qty_per_unit": 0.0,
                        "qty_tariff": -qty * component.l10n_mx_immex_tariff_factor,
                        "qty_theoretical": 0.0,
                        "company_id": company.id,
                    }
                )
        if vals_list:
            Usage.create(vals_list)
