# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class Annex24Common(BaseCommon):
    """A Mexican IMMEX plant of its own, isolated from demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mx = cls.env.ref("base.mx")
        cls.us = cls.env.ref("base.us")
        cls.company = cls.env["res.company"].create(
            {
                "name": "Arneses del Bravo SA de CV",
                "country_id": cls.mx.id,
                "vat": "ABR010203AB1",
                "l10n_mx_immex_program_number": "IMMEX-2024-0001",
                "l10n_mx_immex_modality": "industrial",
                "l10n_mx_immex_program_date_start": date(2024, 1, 1),
                "l10n_mx_immex_program_date_end": date(2030, 12, 31),
            }
        )
        cls.env.user.company_ids |= cls.company
        cls.env.user.company_id = cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.uom_unit = cls.env.ref("uom.product_uom_unit")
        cls.uom_kg = cls.env.ref("uom.product_uom_kgm")
        cls.uom_g = cls.env.ref("uom.product_uom_gram")
        cls.uom_m = cls.env.ref("uom.product_uom_meter")
        cls.uom_cm = cls.env.ref("uom.product_uom_cm")
        cls.Fraction = cls.env["l10n_mx_catalogs.c_fraccion"]
        cls.fraction_wire = cls.Fraction.search([("code", "=like", "8544%")], limit=1)
        cls.fraction_terminal = cls.Fraction.search([("code", "=like", "8536%")], limit=1)
        cls.fraction_machine = cls.Fraction.search([("code", "=like", "8479%")], limit=1)
        cls.office_nld = cls.env["l10n_mx_catalogs.c_aduana"].search(
            [("code", "=", "240")], limit=1
        )
        cls.key_in = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_in")
        cls.key_af = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_af")
        cls.key_rt = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_rt")
        cls.key_v1 = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_v1")
        cls.key_a1 = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_a1")
        cls.regime_ite = cls.env.ref("l10n_mx_immex_annex24.customs_regime_ite")
        cls.supplier_us = cls.env["res.partner"].create(
            {"name": "Texas Wire Supply LLC", "country_id": cls.us.id, "is_company": True}
        )
        cls.supplier_mx = cls.env["res.partner"].create(
            {"name": "Cables de Monterrey", "country_id": cls.mx.id, "is_company": True}
        )
        # Copper wire bought in metres, declared in kilograms (UMT): 0.02 kg per metre.
        cls.wire = cls._create_product(
            "Cable 18 AWG",
            "WIRE-18",
            uom=cls.uom_m,
            immex_type="input",
            fraction=cls.fraction_wire,
            umt=cls.uom_kg,
            factor=0.02,
        )
        # Terminals by the piece, UMT piece.
        cls.terminal = cls._create_product(
            "Terminal 2.8 mm",
            "TERM-28",
            uom=cls.uom_unit,
            immex_type="input",
            fraction=cls.fraction_terminal,
            umt=cls.uom_unit,
        )
        cls.machine = cls._create_product(
            "Crimping press",
            "MACH-CRIMP",
            uom=cls.uom_unit,
            immex_type="fixed_asset",
            fraction=cls.fraction_machine,
            umt=cls.uom_unit,
        )
        cls.office_supplies = cls._create_product("Office paper", "PAPER", uom=cls.uom_unit)

    @classmethod
    def _create_product(
        cls,
        name,
        code,
        uom,
        immex_type="none",
        fraction=None,
        umt=None,
        factor=None,
        tracking="none",
    ):
        vals = {
            "name": name,
            "default_code": code,
            "is_storable": True,
            "uom_id": uom.id,
            "tracking": tracking,
            "l10n_mx_immex_type": immex_type,
            "l10n_mx_immex_fraction_id": fraction.id if fraction else False,
            "l10n_mx_immex_uom_tariff_id": umt.id if umt else False,
            "l10n_mx_immex_origin_country_id": cls.env.ref("base.us").id,
        }
        if factor:
            vals["l10n_mx_immex_tariff_factor"] = factor
        return cls.env["product.product"].create(vals)

    @classmethod
    def _create_pedimento(cls, number="26  24  3420  6001234", key=None, lines=None, **vals):
        values = {
            "name": number,
            "operation": "import",
            "key_id": (key or cls.key_in).id,
            "regime_id": cls.regime_ite.id,
            "entry_date": date(2026, 3, 10),
            "partner_id": cls.supplier_us.id,
            "company_id": cls.company.id,
        }
        values.update(vals)
        if lines:
            values["line_ids"] = [
                Command.create({"product_id": product.id, "quantity": qty, "value_usd": qty * 1.5})
                for product, qty in lines
            ]
        return cls.env["l10n_mx_immex.pedimento"].create(values)

    def _receive(self, products_qty, pedimento=None, partner=None, validate=True, lots=None):
        """Create and validate a receipt of ``[(product, qty)]`` from the supplier."""
        picking = self.env["stock.picking"].create(
            {
                "partner_id": (partner or self.supplier_us).id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.stock_location.id,
                "l10n_mx_immex_pedimento_id": pedimento.id if pedimento else False,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "product_uom": product.uom_id.id,
                            "location_id": self.supplier_location.id,
                            "location_dest_id": self.stock_location.id,
                        }
                    )
                    for product, qty in products_qty
                ],
            }
        )
        picking.action_confirm()
        for move in picking.move_ids:
            if lots and move.product_id in lots:
                move.move_line_ids.unlink()
                self.env["stock.move.line"].create(
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": move.product_id.id,
                        "lot_name": lots[move.product_id],
                        "quantity": move.product_uom_qty,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                    }
                )
            else:
                move.quantity = move.product_uom_qty
            move.picked = True
        if validate:
            picking.button_validate()
        return picking

    @classmethod
    def _new_user(cls, login, groups, company=None):
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    def _assert_stored_values_match_orm(self, records):
        """The stored computed values of ``records`` equal what the ORM recomputes.

        Guards the set-based writers (lines created from moves): they compute these values
        themselves, and must agree with the compute methods.
        """
        stored = [f for f in records._fields.values() if f.store and f.compute]
        self.assertTrue(stored)
        records.invalidate_recordset()
        written = [{f.name: record[f.name] for f in stored} for record in records]
        for field in stored:
            records.env.add_to_compute(field, records)
        records.flush_recordset()
        records.invalidate_recordset()
        recomputed = [{f.name: record[f.name] for f in stored} for record in records]
        self.assertEqual(written, recomputed)
