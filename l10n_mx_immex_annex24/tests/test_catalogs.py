# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestCatalogs(Annex24Common):
    def test_keys_and_regimes_shipped(self):
        Key = self.env["l10n_mx_immex.pedimento.key"]
        self.assertEqual(
            {
                k.code: k.effect
                for k in Key.search([("code", "in", ["IN", "AF", "RT", "F4", "A3"])])
            },
            {
                "IN": "open_material",
                "AF": "open_fixed_asset",
                "RT": "discharge",
                "F4": "regime_change",
                "A3": "regularization",
            },
        )
        self.assertEqual(self.key_in.operation, "import")
        self.assertEqual(self.key_rt.operation, "export")
        self.assertEqual(self.key_v1.operation, "both")
        self.assertEqual(self.key_v1._effect_for("import"), "open_material")
        self.assertEqual(self.key_v1._effect_for("export"), "transfer")
        self.assertEqual(self.key_v1.months_limit, 6)
        self.assertTrue(self.regime_ite.is_temporary)
        self.assertFalse(self.env.ref("l10n_mx_immex_annex24.customs_regime_imd").is_temporary)
        self.assertEqual(self.uom_kg.l10n_mx_immex_umt_code, "1")
        self.assertEqual(self.uom_unit.l10n_mx_immex_umt_code, "6")

    def test_key_code_unique(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env["l10n_mx_immex.pedimento.key"].create(
                {"code": "IN", "name": "dup", "operation": "import"}
            )

    def test_company_fields(self):
        self.assertEqual(self.company.l10n_mx_immex_certification, "none")
        self.assertEqual(self.company.l10n_mx_immex_fifo_date, "entry_date")
        self.assertEqual(self.company.l10n_mx_immex_missing_pedimento, "block")
        self.assertEqual(self.company.l10n_mx_immex_program_number, "IMMEX-2024-0001")
        with self.assertRaises(ValidationError):
            self.company.l10n_mx_immex_program_date_end = date(2023, 1, 1)

    def test_product_tariff_factor_computed_when_convertible(self):
        # grams bought, kilograms declared: the factor comes from the units themselves.
        resin = self._create_product(
            "Resin",
            "RES",
            uom=self.uom_g,
            immex_type="input",
            fraction=self.fraction_wire,
            umt=self.uom_kg,
        )
        self.assertAlmostEqual(resin.l10n_mx_immex_tariff_factor, 0.001)
        self.assertTrue(resin.l10n_mx_immex_is_controlled)
        self.assertFalse(self.office_supplies.l10n_mx_immex_is_controlled)
        # metres declared in kilograms: explicit factor kept.
        self.assertAlmostEqual(self.wire.l10n_mx_immex_tariff_factor, 0.02)

    def test_product_units_not_convertible_need_factor(self):
        with self.assertRaisesRegex(ValidationError, "tariff factor"):
            self._create_product(
                "Wire without factor",
                "WNF",
                uom=self.uom_m,
                immex_type="input",
                fraction=self.fraction_wire,
                umt=self.uom_kg,
            )

    def test_only_managers_classify_products(self):
        # An inventory administrator edits products but is no trade-compliance manager.
        user = self._new_user(
            "whs_classify", "stock.group_stock_manager,product.group_product_manager"
        )
        self.assertFalse(user.has_group("l10n_mx_immex_annex24.group_immex_manager"))
        self.assertTrue(user.has_group("l10n_mx_immex_annex24.group_immex_user"))
        tmpl = self.office_supplies.product_tmpl_id.with_user(user)
        with self.assertRaises(AccessError):
            tmpl.l10n_mx_immex_type = "input"
        # ordinary fields stay editable for the warehouse
        tmpl.sudo(False).write({"name": "Office paper A4"})
        self.assertFalse(tmpl.l10n_mx_immex_can_edit)
        manager = self._new_user(
            "immex_mgr_classify", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        tmpl.with_user(manager).l10n_mx_immex_type = "packaging"
        self.assertEqual(self.office_supplies.l10n_mx_immex_type, "packaging")

    def test_bom_line_percentages(self):
        bom = self.env["mrp.bom"].create(
            {
                "product_tmpl_id": self.office_supplies.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": self.company.id,
                "bom_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.wire.id,
                            "product_qty": 2.5,
                            "l10n_mx_immex_merma_percent": 2.0,
                            "l10n_mx_immex_desperdicio_percent": 3.0,
                        },
                    )
                ],
            }
        )
        self.assertEqual(bom.bom_line_ids.l10n_mx_immex_merma_percent, 2.0)
        with self.assertRaises(ValidationError):
            bom.bom_line_ids.l10n_mx_immex_desperdicio_percent = 120
