# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestTimeLimits(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._new_user(
            "tl_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.stock_user = cls._new_user(
            "tl_whs", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user"
        )
        cls.auditor = cls._new_user("tl_sat", "l10n_mx_immex_annex24.group_sat_auditor")
        cls.Log = cls.env["l10n_mx_immex.log"]
        # cleared 31 Aug 2025: 18 months -> 28 Feb 2027 (month-end clamp)
        cls.ped = cls._import(
            "25  24  3420  5000901", date(2025, 8, 31), [(cls.wire, 100), (cls.machine, 1)]
        )
        cls.wire_line = cls.ped.line_ids.filtered(lambda line: line.product_id == cls.wire)
        cls.machine_line = cls.ped.line_ids - cls.wire_line

    def _line_trail(self, line):
        return self.Log.search(
            [("model_name", "=", line._name), ("res_id", "=", line.id), ("action", "=", "write")]
        ).filtered(lambda row: "expiry_date" in (row.changes or {}))

    def test_certification_change_reaches_open_balances_only_through_the_logged_action(self):
        self.assertEqual(self.wire_line.expiry_date, date(2027, 2, 28))
        # a closed balance keeps its date: only open balances are recomputed
        closed = self._import("25  24  3420  5000902", date(2025, 8, 31), [(self.terminal, 10)])
        self._deliver(
            [(self.terminal, 10)], self._exit_pedimento("26  24  3420  6100901", date(2026, 3, 1))
        )
        self.assertAlmostEqual(closed.line_ids.qty_balance, 0.0)
        self.company.l10n_mx_immex_certification = "aeo"
        # fixed when the balance opened: the company's change alone moves nothing
        self.assertEqual(self.wire_line.expiry_date, date(2027, 2, 28))
        self.assertFalse(self._line_trail(self.wire_line))
        result = self.company.with_user(self.manager).action_l10n_mx_immex_recompute_expiry()
        self.assertIn("1 open balance", result["params"]["message"])
        # AEO: 36 months from 31 Aug 2025 -> 31 Aug 2028; fixed assets keep the program end
        self.assertEqual(self.wire_line.expiry_date, date(2028, 8, 31))
        self.assertEqual(self.machine_line.expiry_date, date(2030, 12, 31))
        self.assertEqual(closed.line_ids.expiry_date, date(2027, 2, 28))
        self.assertEqual(
            self._line_trail(self.wire_line).changes,
            {"expiry_date": ["2027-02-28", "2028-08-31"]},
        )
        company_row = self.Log.search(
            [("model_name", "=", "res.company"), ("res_id", "=", self.company.id)], limit=1
        )
        self.assertEqual(company_row.changes["expiry_recomputed"], [0, 1])

    def test_program_cancellation_gives_open_balances_sixty_days(self):
        self.company.l10n_mx_immex_program_cancel_date = date(2026, 3, 1)
        self.assertEqual(self.wire_line.expiry_date, date(2027, 2, 28))
        self.company.action_l10n_mx_immex_recompute_expiry()
        # 1 Mar 2026 + 60 days = 30 Apr 2026, for inputs and fixed assets alike
        self.assertEqual(self.wire_line.expiry_date, date(2026, 4, 30))
        self.assertEqual(self.machine_line.expiry_date, date(2026, 4, 30))
        # from then on an exit after 30 Apr finds the balance expired: pending, reason expired
        exit_ped = self._exit_pedimento("26  24  3420  6100902", date(2026, 5, 4))
        self._deliver([(self.wire, 10)], exit_ped)
        pending = self.env["l10n_mx_immex.discharge.pending"].search(
            [("exit_pedimento_id", "=", exit_ped.id)]
        )
        self.assertEqual(pending.reason, "expired")
        self.assertAlmostEqual(self.wire_line.qty_balance, 100.0)

    def test_virtual_transfer_keeps_six_months_for_aeo_companies(self):
        self.company.l10n_mx_immex_certification = "aeo"
        v1 = self._create_pedimento(
            key=self.key_v1,
            lines=[(self.terminal, 100)],
            number="26  24  3420  6000903",
            entry_date=date(2026, 1, 15),
        )
        v1.action_confirm()
        # RGCE 4.3.21: 6 months from 15 Jan 2026, not the AEO 36 months
        self.assertEqual(v1.line_ids.expiry_date, date(2026, 7, 15))
        self.company.action_l10n_mx_immex_recompute_expiry()
        self.assertEqual(v1.line_ids.expiry_date, date(2026, 7, 15))

    def test_time_limits_are_recomputed_only_by_the_immex_manager(self):
        self.company.l10n_mx_immex_certification = "aeo"
        for user in (self.stock_user, self.auditor):
            with self.assertRaises(AccessError):
                self.company.with_user(user).with_context(
                    l10n_mx_immex_bypass=True
                ).action_l10n_mx_immex_recompute_expiry()
        # nor is the date written by hand, by anyone
        with self.assertRaises(UserError):
            self.wire_line.sudo().write({"expiry_date": "2099-01-01"})
        self.assertEqual(self.wire_line.expiry_date, date(2027, 2, 28))
