# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..immex import units as units_lib


class UomUom(models.Model):
    _inherit = "uom.uom"

    l10n_mx_immex_umt_code = fields.Char(
        string="Tariff Unit Code",
        size=2,
        help="Code of Anexo 22 appendix 7 (1 kg, 3 m, 6 piece, 8 litre, 9 pair, 12 set...).",
    )

    def _l10n_mx_immex_is_convertible(self, other):
        """Whether two units belong to the same tree of units (19.0 has no categories)."""
        self.ensure_one()
        if not other:
            return False
        if self == other:
            return True
        root_self = (self.parent_path or "").split("/")[0]
        root_other = (other.parent_path or "").split("/")[0]
        return bool(root_self) and root_self == root_other

    def _l10n_mx_immex_convert(self, qty, to_uom):
        """``qty`` of this unit in ``to_uom``, exactly (Decimal, half-up at 6 digits).

        The one ORM helper for Annex 24 unit conversions of partidas (see
        :func:`..immex.units.convert`); the same unit, or none, returns ``qty`` unchanged.
        """
        if not self or not to_uom or self == to_uom or not qty:
            return qty or 0.0
        self.ensure_one()
        return units_lib.convert(qty, self.factor, to_uom.factor)
