# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestSecurity(Annex24Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls._new_user("immex_whs", "stock.group_stock_user")
        cls.manager = cls._new_user(
            "immex_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.auditor = cls._new_user("sat_auditor", "l10n_mx_immex_annex24.group_sat_auditor")
        cls.ped = cls._create_pedimento(lines=[(cls.terminal, 100)])

    def test_warehouse_user_rights(self):
        ped = self.ped.with_user(self.user)
        self.assertEqual(ped.line_ids.quantity, 100)
        ped.exchange_rate = 18.25  # drafts are editable
        with self.assertRaises(AccessError):
            ped.unlink()
        with self.assertRaises(AccessError):
            self.key_in.with_user(self.user).name = "changed"
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.pedimento.cancel"].with_user(self.user).create(
                {"pedimento_id": self.ped.id, "reason": "x"}
            )

    def test_manager_rights(self):
        self.key_in.with_user(self.manager).months_limit = 0
        ped = self._create_pedimento(number="26  24  3420  6000999").with_user(self.manager)
        ped.unlink()
        self.assertFalse(ped.exists())

    def test_auditor_read_only(self):
        ped = self.ped.with_user(self.auditor)
        self.assertEqual(ped.name, "26  24  3420  6001234")
        self.assertEqual(ped.line_ids.qty_balance, 0.0)
        with self.assertRaises(AccessError):
            ped.exchange_rate = 19.0
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.pedimento"].with_user(self.auditor).create(
                {"name": "26 24 3420 6000111", "key_id": self.key_in.id, "entry_date": "2026-03-10"}
            )

    def _discharge_terminal(self, qty):
        """One ledger row written as the system writes them (the discharge service)."""
        service = self.env["l10n_mx_immex.discharge.service"]
        demand = {
            "product_id": self.terminal.id,
            "qty": qty,
            "move_id": False,
            "finished_product_id": False,
            "production_id": False,
            "line_id": False,
            "date": self.ped.entry_date,
        }
        self.assertEqual(service._discharge([demand], self.company, "return"), 1)
        return self.env["l10n_mx_immex.discharge"].search(
            [("import_line_id", "=", self.ped.line_ids.id)], order="id desc", limit=1
        )

    def test_discharges_are_append_only(self):
        self.ped.action_confirm()
        # nobody writes ledger rows by hand, not even the superuser
        with self.assertRaisesRegex(UserError, "cannot be created by hand"):
            self.env["l10n_mx_immex.discharge"].sudo().create(
                {
                    "import_line_id": self.ped.line_ids.id,
                    "product_id": self.terminal.id,
                    "quantity": 10,
                    "kind": "return",
                    "company_id": self.company.id,
                }
            )
        row = self._discharge_terminal(10)
        self.assertEqual(self.ped.line_ids.qty_balance, 90)
        with self.assertRaisesRegex(UserError, "cannot be modified"):
            row.sudo().quantity = 5
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            row.sudo().unlink()

    def test_ledger_guarded_in_the_database(self):
        self.ped.action_confirm()
        row = self._discharge_terminal(10)
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE l10n_mx_immex_discharge SET quantity = 1 WHERE id = %s", [row.id]
                )
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
            with self.env.cr.savepoint():
                self.env.cr.execute("DELETE FROM l10n_mx_immex_discharge WHERE id = %s", [row.id])
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.ForeignKeyViolation):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "INSERT INTO l10n_mx_immex_discharge (import_line_id, product_id, quantity,"
                    " date, kind, company_id) VALUES (%s, %s, 1, '2026-01-01', 'export', %s)",
                    [999999999, self.terminal.id, self.company.id],
                )
        self.env.cr.execute("SELECT quantity FROM l10n_mx_immex_discharge WHERE id = %s", [row.id])
        self.assertEqual(self.env.cr.fetchone()[0], 10.0)

    def test_multi_company_isolation(self):
        other = self.env["res.company"].create({"name": "Otra Planta", "country_id": self.mx.id})
        other_user = self._new_user("other_whs", "stock.group_stock_user", company=other)
        Ped = (
            self.env["l10n_mx_immex.pedimento"]
            .with_user(other_user)
            .with_context(allowed_company_ids=other.ids)
        )
        self.assertFalse(Ped.search([("id", "=", self.ped.id)]))
        with self.assertRaises(AccessError):
            self.ped.with_env(Ped.env).read(["name"])
        # the same number may exist in another company
        own = Ped.create(
            {
                "name": self.ped.name,
                "key_id": self.key_in.id,
                "entry_date": "2026-03-10",
                "company_id": other.id,
            }
        )
        self.assertEqual(own.company_id, other)
        # a receipt of the other company cannot use this company's pedimento
        other_wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        if not other_wh:
            other_wh = self.env["stock.warehouse"].create(
                {"name": "Otra", "code": "OTR", "company_id": other.id}
            )
        picking = (
            self.env["stock.picking"]
            .with_company(other)
            .create(
                {
                    "partner_id": self.supplier_us.id,
                    "picking_type_id": other_wh.in_type_id.id,
                    "company_id": other.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "company"):
            picking.l10n_mx_immex_pedimento_id = self.ped
