# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

# Keys of a temporary export for repair abroad and of the goods' return (Anexo 22 ap. 2):
# no Annex 24 effect, the asset stays on its import balance while it is away.
REPAIR_OUT_KEYS = ("BM", "BO")
REPAIR_BACK_KEYS = ("I1",)


class ProductProduct(models.Model):
    _inherit = "product.product"

    l10n_mx_immex_qty_out_for_repair = fields.Float(
        string="Out for Repair",
        digits="Product Unit",
        compute="_compute_l10n_mx_immex_qty_out_for_repair",
        help="Sent abroad for repair under a BM/BO pedimento and not back yet under I1. "
        "Neither leg discharges nor opens an Annex 24 balance.",
    )

    def _compute_l10n_mx_immex_qty_out_for_repair(self):
        Move = self.env["stock.move"].sudo()
        base = [("product_id", "in", self.ids), ("state", "=", "done")]
        out = Move._read_group(
            base
            + [
                ("picking_id.l10n_mx_immex_pedimento_id.key_code", "in", REPAIR_OUT_KEYS),
                ("location_id.usage", "=", "internal"),
                ("location_dest_id.usage", "!=", "internal"),
            ],
            ["product_id"],
            ["product_qty:sum"],
        )
        back = Move._read_group(
            base
            + [
                ("picking_id.l10n_mx_immex_pedimento_id.key_code", "in", REPAIR_BACK_KEYS),
                ("location_id.usage", "!=", "internal"),
                ("location_dest_id.usage", "=", "internal"),
            ],
            ["product_id"],
            ["product_qty:sum"],
        )
        away = {product.id: qty for product, qty in out}
        for product, qty in back:
            away[product.id] = away.get(product.id, 0.0) - qty
        for product in self:
            product.l10n_mx_immex_qty_out_for_repair = max(away.get(product.id, 0.0), 0.0)
