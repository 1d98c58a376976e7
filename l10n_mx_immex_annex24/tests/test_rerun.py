# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestRerun(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._new_user(
            "rr_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.stock_user = cls._new_user(
            "rr_whs", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user"
        )
        cls.auditor = cls._new_user("rr_sat", "l10n_mx_immex_annex24.group_sat_auditor")
        cls.p1 = cls._import(
            "26  24  3420  6000601", date(2026, 1, 10), [(cls.wire, 1000), (cls.terminal, 1000)]
        )
        cls.wire_line = cls.p1.line_ids.filtered(lambda line: line.product_id == cls.wire)

    def _wizard(self, date_from, date_to=None, user=None):
        return (
            self.env["l10n_mx_immex.reconstruction"]
            .with_user(user or self.env.user)
            .create({"company_id": self.company.id, "date_from": date_from, "date_to": date_to})
        )

    def _wire_rows(self, exit_ped):
        return self.Discharge.search(
            [("exit_pedimento_id", "=", exit_ped.id), ("product_id", "=", self.wire.id)]
        )

    def test_rerun_must_run_through_the_last_discharge(self):
        self._deliver(
            [(self.harness, 10)], self._exit_pedimento("26  24  3420  6100601", date(2026, 3, 5))
        )
        self._deliver(
            [(self.harness, 10)], self._exit_pedimento("26  24  3420  6100602", date(2026, 4, 7))
        )
        # March alone would leave April's exit on balances the re-run changed
        wizard = self._wizard(date(2026, 3, 1), date(2026, 3, 31))
        with self.assertRaisesRegex(UserError, "last discharge"):
            wizard.action_preview()
        self.assertEqual(wizard.state, "draft")
        # without an end: through the last discharge (7 Apr)
        wizard = self._wizard(date(2026, 3, 1))
        wizard.action_preview()
        wizard.action_run()
        self.assertEqual(wizard.date_to, date(2026, 4, 7))
        # 4 original rows (2 per exit) reversed and written again: 20 x 2.1 m = 42 m
        self.assertEqual(wizard.rows_reversed, 4)
        self.assertEqual(wizard.rows_created, 4)
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 42)

    def test_rerun_preview_shows_the_change_and_writes_nothing(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100611", date(2026, 3, 5))
        self._deliver([(self.harness, 60)], exit_ped)
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 126)  # 60 x 2.1 m
        self.bom.bom_line_ids.filtered(lambda bl: bl.product_id == self.wire).product_qty = 1.5
        ledger = self.Discharge.search_count([])
        trail = self.env["l10n_mx_immex.log"].search_count([])
        wizard = self._wizard(date(2026, 3, 1))
        with self.assertRaisesRegex(UserError, "Preview"):
            wizard.action_run()
        wizard.action_preview()
        self.assertEqual(wizard.state, "preview")
        # per pedimento line: discharged before 126, after 60 x 1.575 = 94.5, change -31.5
        self.assertIn("126", wizard.preview)
        self.assertIn("94.5", wizard.preview)
        self.assertIn("-31.5", wizard.preview)
        self.assertEqual(self.Discharge.search_count([]), ledger)
        self.assertEqual(self.env["l10n_mx_immex.log"].search_count([]), trail)
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 126)
        wizard.action_run()
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 94.5)
        self.assertEqual(wizard.state, "done")

    def test_rerun_applies_the_bom_in_force_at_each_exits_date(self):
        # the harness BOM of the first quarter (2 m + 5 % merma) and the one from April (3 m)
        self.bom.l10n_mx_immex_date_from = date(2026, 1, 1)
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": self.harness.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": self.company.id,
                "l10n_mx_immex_date_from": date(2026, 4, 1),
                "bom_line_ids": [
                    Command.create({"product_id": self.wire.id, "product_qty": 3.0}),
                    Command.create({"product_id": self.terminal.id, "product_qty": 4.0}),
                ],
            }
        )
        march = self._exit_pedimento("26  24  3420  6100621", date(2026, 3, 10))
        april = self._exit_pedimento("26  24  3420  6100622", date(2026, 4, 10))
        self._deliver([(self.harness, 10)], march)
        self._deliver([(self.harness, 10)], april)
        # March: 10 x 2.1 = 21 m; April: 10 x 3 = 30 m
        self.assertAlmostEqual(sum(self._wire_rows(march).mapped("quantity")), 21.0)
        self.assertAlmostEqual(sum(self._wire_rows(april).mapped("quantity")), 30.0)
        wizard = self._wizard(date(2026, 3, 1))
        wizard.action_preview()
        self.assertIn("No pedimento line changed", wizard.preview)
        wizard.action_run()
        # each exit again with its own BOM: the balance does not move (1000 - 51)
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 51)
        self.assertAlmostEqual(sum(self._wire_rows(march).mapped("quantity")), 21.0)
        self.assertAlmostEqual(sum(self._wire_rows(april).mapped("quantity")), 30.0)
        # an archived dated version stays in force for the exits of its time
        self.bom.action_archive()
        wizard = self._wizard(date(2026, 3, 1))
        wizard.action_preview()
        wizard.action_run()
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 51)

    def test_rerun_needs_the_immex_manager(self):
        self._deliver(
            [(self.harness, 10)], self._exit_pedimento("26  24  3420  6100631", date(2026, 3, 5))
        )
        wizard = self._wizard(date(2026, 3, 1), user=self.manager)
        for user in (self.stock_user, self.auditor):
            for method in ("action_preview", "action_run"):
                with self.assertRaises(AccessError):
                    getattr(
                        wizard.with_user(user).with_context(l10n_mx_immex_bypass=True), method
                    )()
        self.assertEqual(wizard.state, "draft")
        wizard.with_user(self.manager).action_preview()
        wizard.with_user(self.manager).action_run()
        self.assertEqual(wizard.state, "done")
        self.assertAlmostEqual(self.wire_line.qty_balance, 1000 - 21)
