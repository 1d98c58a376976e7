# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Initial inventory (going live with history) and the Anexo 30 files."""

import base64
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import Annex24Common

PA = "26  24  3420  6000011"
PB = "26  24  3420  6000007"
RT = "26  24  3420  6000120"


@tagged("post_install", "-at_install")
class TestInitialInventory(Annex24Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._new_user(
            "op_manager", "base.group_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.user = cls._new_user(
            "op_user", "base.group_user,l10n_mx_immex_annex24.group_immex_user"
        )
        # created as a draft from Data Stage: the initial inventory completes it
        cls.pb = cls.env["l10n_mx_immex.pedimento"].create(
            {
                "name": PB,
                "operation": "import",
                "key_id": cls.key_in.id,
                "regime_id": cls.regime_ite.id,
                "entry_date": date(2026, 2, 10),
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create(
                        {
                            "sequence": 1,
                            "product_id": cls.wire.id,
                            "quantity": 200,
                            "value_mxn": 4000,
                        }
                    )
                ],
            }
        )
        w, t = cls.fraction_wire.code, cls.fraction_terminal.code
        cls.csv = (
            "Pedimento;Partida;Fraccion;Numero de parte;Cantidad;Unidad;Cantidad UMT;UMT;"
            "Descargado;Saldo;Fecha entrada;Fecha pago;Valor MXN;Valor USD;Clave\n"
            f"{PA};1;{w};WIRE-18;1000;m;20;1;400;600;2026-01-15;2026-01-15;20000;1142.86;IN\n"
            f"{PA};2;{t};TERM-28;500;pza;;6;0;500;15/01/2026;;1000;57.14;IN\n"
            f"{PB};1;{w};WIRE-18;200;m;;;50;150;2026-02-10;;4000;228.57;IN\n"
            f"{PB};2;{t};TERM-28;100;pza;;;100;0;2026-02-10;;200;11.43;IN\n"
        )

    def _wizard(self, text, user=None):
        return (
            self.env["l10n_mx_immex.initial.inventory"]
            .with_user(user or self.manager)
            .create(
                {
                    "file": base64.b64encode(text.encode("cp1252")),
                    "file_name": "saldos.csv",
                    "company_id": self.company.id,
                    "date": date(2026, 6, 30),
                }
            )
        )

    def _line(self, name, seq):
        return self.env["l10n_mx_immex.pedimento.line"].search(
            [
                ("pedimento_name", "=", name),
                ("sequence", "=", seq),
                ("company_id", "=", self.company.id),
            ]
        )

    def test_initial_inventory_gives_the_balances(self):
        wizard = self._wizard(self.csv)
        wizard.action_preview()
        self.assertEqual(
            sorted(
                (t.fraction, t.line_count, t.declared, t.discharged, t.balance)
                for t in wizard.total_ids
            ),
            sorted(
                [
                    (self.fraction_wire.code, 2, 1200, 450, 750),
                    (self.fraction_terminal.code, 2, 600, 100, 500),
                ]
            ),
        )
        wizard.action_confirm()
        pa = self.env["l10n_mx_immex.pedimento"].search(
            [("name", "=", PA), ("company_id", "=", self.company.id)]
        )
        self.assertEqual((pa.state, self.pb.state), ("confirmed", "confirmed"))
        expected = {
            (PA, 1): (1000, 400, 600),
            (PA, 2): (500, 0, 500),
            (PB, 1): (200, 50, 150),
            (PB, 2): (100, 100, 0),
        }
        for (name, seq), (declared, discharged, balance) in expected.items():
            line = self._line(name, seq)
            self.assertEqual(
                (line.quantity, line.qty_discharged, line.qty_balance),
                (declared, discharged, balance),
                (name, seq),
            )
        ledger = self.env["l10n_mx_immex.discharge"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            sorted(
                (d.import_line_id.pedimento_name, d.import_line_id.sequence, d.quantity, d.kind)
                for d in ledger
            ),
            sorted([(PA, 1, 400, "opening"), (PB, 1, 50, "opening"), (PB, 2, 100, "opening")]),
        )
        self.assertEqual(set(ledger.mapped("date")), {date(2026, 6, 30)})
        self.assertAlmostEqual(ledger.filtered(lambda d: d.quantity == 400).quantity_tariff, 8)
        self.assertAlmostEqual(self._line(PA, 1).qty_balance_tariff, 12)
        # the chains and every stored balance still verify
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])
        # loading it again discharges nothing twice
        with self.assertRaises(UserError):
            self._wizard(self.csv).action_confirm()
        self.assertEqual(self._line(PA, 1).qty_discharged, 400)

    def test_bad_files_write_nothing(self):
        bad = self.csv.replace(";400;600;", ";400;601;")
        with self.assertRaises(UserError):
            self._wizard(bad).action_confirm()
        unknown = self.csv.replace("TERM-28;100", "NOPE;100")
        with self.assertRaises(UserError):
            self._wizard(unknown).action_confirm()
        self.assertFalse(self._line(PA, 1))
        self.assertEqual(self.pb.state, "draft")
        self.assertEqual(len(self.pb.line_ids), 1)
        with self.assertRaises(AccessError):
            self._wizard(self.csv, user=self.user)

    def test_anexo30_files_byte_for_byte(self):
        self._wizard(self.csv).action_confirm()
        rt = self.env["l10n_mx_immex.pedimento"].create(
            {
                "name": RT,
                "operation": "export",
                "key_id": self.key_rt.id,
                "entry_date": date(2026, 7, 10),
                "company_id": self.company.id,
            }
        )
        rt._immex_confirm()
        # an export of 100 m of PA's wire, written by the ledger's own private path
        line = self._line(PA, 1)
        service = self.env["l10n_mx_immex.discharge.service"]
        cols = {
            "import_line_id": [line.id],
            "import_pedimento_id": [line.pedimento_id.id],
            "product_id": [self.wire.id],
            "quantity": [100.0],
            "quantity_tariff": [2.0],
            "date": [date(2026, 7, 10)],
            "kind": ["export"],
            "exit_pedimento_id": [rt.id],
            "exit_line_id": [None],
            "move_id": [None],
            "production_id": [None],
            "finished_product_id": [None],
            "reversed_id": [None],
            "event_id": [None],
            "pending_id": [None],
            "company_id": [self.company.id],
            "corrects_date": [None],
            "is_directed": [False],
        }
        service._insert_ledger(cols)
        service._add_to_balances(cols["import_line_id"], cols["quantity"])
        Wizard = self.env["l10n_mx_immex.anexo30.wizard"].with_user(self.manager)
        initial = Wizard.create(
            {"company_id": self.company.id, "report": "initial", "date_at": date(2026, 6, 30)}
        )
        initial.action_generate()
        w, t = self.fraction_wire.code, self.fraction_terminal.code
        self.assertEqual(
            initial.attachment_id.raw,
            (
                f"01|262434206000007|1|{w}|20260210|3.000|1|3000.00|N|\r\n"
                f"01|262434206000011|1|{w}|20260115|12.000|1|12000.00|N|\r\n"
                f"01|262434206000011|2|{t}|20260115|500.000|6|1000.00|N|\r\n"
            ).encode(),
        )
        report = Wizard.create(
            {
                "company_id": self.company.id,
                "report": "discharges",
                "date_from": date(2026, 6, 1),
                "date_to": date(2026, 7, 31),
            }
        )
        report.action_generate()
        # the opening rows (before go-live) are not reported; the RT export is
        self.assertEqual(
            report.attachment_id.raw,
            (f"02|RT|2026|07|\r\n03|{w}|2000.00|N|\r\n04|262434206000120|\r\n").encode(),
        )
        with self.assertRaises(AccessError):
            Wizard.with_user(self.user).create({"company_id": self.company.id}).action_generate()
