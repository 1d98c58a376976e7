# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestPedimento(Annex24Common):
    def test_number_typed_in_any_spacing(self):
        for typed in ("262434206001234", "26-24-3420-6001234", " 26 24 3420 6001234 "):
            ped = self._create_pedimento(number=typed)
            self.assertEqual(ped.name, "26  24  3420  6001234")
            self.assertEqual(ped.patent, "3420")
            self.assertEqual(ped.document_number, "6001234")
            self.assertEqual(ped.customs_office_id.code, "240")
            ped.unlink()

    def test_pedimento_form(self):
        with Form(self.env["l10n_mx_immex.pedimento"]) as form:
            form.name = "26-24-3420-6000444"
            form.key_id = self.key_in
            form.entry_date = date(2026, 3, 10)
            with form.line_ids.new() as line:
                line.product_id = self.wire
                line.quantity = 500
        ped = form.record
        self.assertEqual(ped.name, "26  24  3420  6000444")
        self.assertEqual(ped.customs_office_id, self.office_nld)
        self.assertEqual(ped.line_ids.fraction_id, self.fraction_wire)
        self.assertAlmostEqual(ped.line_ids.quantity_tariff, 10.0)

    def test_number_format_error(self):
        with self.assertRaisesRegex(ValidationError, "15 digits"):
            self._create_pedimento(number="26 24 3420 600123")
        with self.assertRaisesRegex(ValidationError, "15 digits"):
            self._create_pedimento(number="26 24 34A0 6001234")

    def test_errors_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("es_MX")
        self.env["ir.module.module"]._load_module_terms(["l10n_mx_immex_annex24"], ["es_MX"])
        Ped = self.env["l10n_mx_immex.pedimento"].with_context(lang="es_MX")
        with self.assertRaisesRegex(ValidationError, "15 dígitos"):
            Ped.create(
                {"name": "26 24 3420 60012", "key_id": self.key_in.id, "entry_date": "2026-03-10"}
            )
        key = self.key_in.with_context(lang="es_MX")
        self.assertIn("importación temporal", key.name.lower())

    def test_year_consistency(self):
        with self.assertRaisesRegex(ValidationError, "year 25"):
            self._create_pedimento(number="25  24  3420  5001234")  # entry date in 2026
        with self.assertRaisesRegex(ValidationError, "last digit of the year"):
            self._create_pedimento(number="26  24  3420  5001234")

    def test_patent_and_office_must_match_number(self):
        with self.assertRaisesRegex(ValidationError, "patent"):
            self._create_pedimento(number="26  24  3420  6000301", patent="1234")
        other_office = self.env["l10n_mx_catalogs.c_aduana"].search([("code", "=", "070")])
        with self.assertRaisesRegex(ValidationError, "customs office"):
            self._create_pedimento(
                number="26  24  3420  6000302", customs_office_id=other_office.id
            )

    def test_key_must_allow_operation(self):
        with self.assertRaisesRegex(ValidationError, "RT"):
            self._create_pedimento(number="26  24  3420  6000303", key=self.key_rt)
        ped = self._create_pedimento(
            key=self.key_rt,
            operation="export",
            regime_id=False,
        )
        self.assertEqual(ped.key_code, "RT")
        self.assertFalse(ped.opens_balance)

    @mute_logger("odoo.sql_db")
    def test_duplicate_number_refused(self):
        self._create_pedimento()
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self._create_pedimento(number="262434206001234")

    def test_confirm_needs_fraction_for_controlled_products(self):
        no_fraction = self._create_product(
            "Connector housing",
            "HOUS",
            uom=self.uom_unit,
            immex_type="input",
            umt=self.uom_unit,
        )
        ped = self._create_pedimento(lines=[(no_fraction, 100)])
        with self.assertRaisesRegex(UserError, "tariff fraction"):
            ped.action_confirm()
        self.assertEqual(ped.state, "draft")

    def test_line_units_must_convert_to_umt(self):
        ped = self._create_pedimento(lines=[(self.terminal, 100)])
        line = ped.line_ids
        self.assertEqual(line.quantity_tariff, 100)
        # centimetres cannot be converted to pieces
        with self.assertRaisesRegex(ValidationError, "cannot be converted"):
            line.uom_id = self.uom_cm

    def test_line_tariff_quantity_and_defaults(self):
        ped = self._create_pedimento(lines=[(self.wire, 1500)])
        line = ped.line_ids
        self.assertEqual(line.sequence, 1)
        self.assertEqual(line.fraction_id, self.fraction_wire)
        self.assertEqual(line.uom_tariff_id, self.uom_kg)
        self.assertAlmostEqual(line.quantity_tariff, 30.0)  # 1500 m x 0.02 kg/m
        self.assertEqual(line.origin_country_id, self.us)
        self.assertFalse(line.is_temporary)
        self.assertEqual(line.qty_balance, 0.0)

    def test_confirmed_pedimento_opens_balance_and_is_locked(self):
        ped = self._create_pedimento(lines=[(self.wire, 1500), (self.terminal, 20000)])
        ped.action_confirm()
        self.assertEqual(ped.state, "confirmed")
        self.assertTrue(ped.registered_at)
        wire_line = ped.line_ids.filtered(lambda line: line.product_id == self.wire)
        self.assertTrue(wire_line.is_temporary)
        self.assertEqual(wire_line.qty_balance, 1500)
        self.assertAlmostEqual(wire_line.qty_balance_tariff, 30.0)
        self.assertEqual(wire_line.balance_state, "open")
        with self.assertRaisesRegex(UserError, "legal data"):
            ped.name = "26  24  3420  6009999"
        with self.assertRaisesRegex(UserError, "legal data"):
            ped.entry_date = date(2026, 3, 11)
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            wire_line.quantity = 1400
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            ped.unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            wire_line.unlink()
        # Writing the same value back is no change and is accepted (forms save all fields).
        ped.write({"name": ped.name, "note": "<p>checked</p>"})

    def test_cancel_needs_reason_and_keeps_record(self):
        ped = self._create_pedimento(lines=[(self.terminal, 500)])
        ped.action_confirm()
        wizard = self.env["l10n_mx_immex.pedimento.cancel"].create(
            {"pedimento_id": ped.id, "reason": "  "}
        )
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_cancel()
        wizard.reason = "Duplicated capture by the broker"
        wizard.action_cancel()
        self.assertEqual(ped.state, "cancelled")
        self.assertEqual(ped.cancel_reason, "Duplicated capture by the broker")
        self.assertEqual(ped.cancel_uid, self.env.user)
        self.assertEqual(ped.line_ids.qty_balance, 0.0)
        self.assertEqual(ped.line_ids.balance_state, "none")
        self.assertTrue(ped.exists())
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            ped.unlink()

    def test_draft_can_be_deleted(self):
        ped = self._create_pedimento(lines=[(self.terminal, 5)])
        ped.unlink()
        self.assertFalse(ped.exists())

    def test_expiry_by_material_type_and_certification(self):
        ped = self._create_pedimento(
            lines=[(self.wire, 10), (self.machine, 1)],
            entry_date=date(2025, 8, 31),
            number="25  24  3420  5000001",
        )
        ped.action_confirm()
        by_product = {line.product_id: line for line in ped.line_ids}
        # inputs: 18 months, clamped to the month end
        self.assertEqual(by_product[self.wire].expiry_date, date(2027, 2, 28))
        # fixed assets: while the program is valid
        self.assertEqual(by_product[self.machine].expiry_date, date(2030, 12, 31))
        # AEO-certified companies have 36 months: fixed when the balance opened, applied to
        # open balances by the explicit (trailed) recomputation only (issue 9)
        self.company.l10n_mx_immex_certification = "aeo"
        self.assertEqual(by_product[self.wire].expiry_date, date(2027, 2, 28))
        self.company.action_l10n_mx_immex_recompute_expiry()
        self.assertEqual(by_product[self.wire].expiry_date, date(2028, 8, 31))

    def test_expiry_of_virtual_transfer_and_consolidated(self):
        v1 = self._create_pedimento(
            key=self.key_v1,
            lines=[(self.terminal, 100)],
            number="26  24  3420  6000077",
            entry_date=date(2026, 1, 15),
        )
        v1.action_confirm()
        self.assertTrue(v1.opens_balance)
        self.assertEqual(v1.line_ids.expiry_date, date(2026, 7, 15))
        cons = self._create_pedimento(
            lines=[(self.terminal, 100)],
            number="26  24  3420  6000078",
            entry_date=date(2026, 1, 5),
            is_consolidated=True,
            closing_date=date(2026, 1, 31),
        )
        cons.action_confirm()
        self.assertEqual(cons.fifo_date, date(2026, 1, 31))
        self.assertEqual(cons.line_ids.expiry_date, date(2027, 7, 31))

    def test_consolidated_needs_closing_date(self):
        ped = self._create_pedimento(lines=[(self.terminal, 1)], is_consolidated=True)
        with self.assertRaisesRegex(UserError, "closing date"):
            ped.action_confirm()

    def test_expired_balance_state(self):
        ped = self._create_pedimento(
            lines=[(self.terminal, 100)],
            number="24  24  3420  4000001",
            entry_date=date(2024, 1, 10),
        )
        ped.action_confirm()
        line = ped.line_ids.with_context(date=date(2026, 11, 25))
        self.assertEqual(line.expiry_date, date(2025, 7, 10))
        self.assertEqual(line.balance_state, "expired")
        Line = self.env["l10n_mx_immex.pedimento.line"]
        self.assertIn(line, Line.search([("balance_state", "=", "expired")]))
        self.assertNotIn(line, Line.search([("balance_state", "=", "open")]))

    def test_48_hour_flag(self):
        late = self._create_pedimento(
            lines=[(self.terminal, 1)],
            clearance_datetime=datetime(2026, 3, 10, 9, 0),
        )
        late.action_confirm()  # confirmed now, months after clearance
        self.assertTrue(late.is_late_registration)
        self.assertTrue(late.line_ids.is_late_registration)
        yy = f"{date.today().year % 100:02d}"
        recent = self._create_pedimento(
            lines=[(self.terminal, 1)],
            number=f"{yy}  24  3420  {yy[1]}000002",
            entry_date=date.today(),
            clearance_datetime=datetime.now(),
        )
        recent.action_confirm()
        self.assertFalse(recent.is_late_registration)
        self.assertEqual(
            (recent.registration_deadline - recent.clearance_datetime).total_seconds(), 48 * 3600
        )
