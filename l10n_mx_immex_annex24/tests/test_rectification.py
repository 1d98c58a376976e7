# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from psycopg2 import errors

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestRectification(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key_r1 = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_r1")
        cls.manager = cls._new_user(
            "r1_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.stock_user = cls._new_user(
            "r1_whs", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user"
        )
        cls.auditor = cls._new_user("r1_sat", "l10n_mx_immex_annex24.group_sat_auditor")
        cls.Log = cls.env["l10n_mx_immex.log"]
        cls.Pending = cls.env["l10n_mx_immex.discharge.pending"]

    def _r1(self, original, number, lines, operation=None, entry=date(2026, 4, 2)):
        """A draft R1 of ``original``: ``lines`` are (sequence, product, quantity, extra);
        what ``extra`` does not restate is copied from the original's partida."""
        by_seq = {line.sequence: line for line in original.line_ids}
        for seq, __, __, extra in lines:
            if seq in by_seq:
                for fname in ("value_usd", "value_mxn", "seller_country_id", "origin_country_id"):
                    value = by_seq[seq][fname]
                    extra.setdefault(fname, value.id if hasattr(value, "id") else value)
        return self.env["l10n_mx_immex.pedimento"].create(
            {
                "name": number,
                "operation": operation or original.operation,
                "key_id": self.key_r1.id,
                "entry_date": entry,
                "partner_id": original.partner_id.id,
                "company_id": self.company.id,
                "rectifies_id": original.id,
                "line_ids": [
                    Command.create(dict({"sequence": seq, "product_id": p.id, "quantity": q}, **x))
                    for seq, p, q, x in lines
                ],
            }
        )

    def _rows(self, line, kind=None):
        domain = [("import_line_id", "=", line.id)]
        if kind:
            domain.append(("kind", "=", kind))
        return self.Discharge.search(domain)

    def test_rectification_raising_an_import_quantity_raises_its_balance(self):
        p1 = self._import("26  24  3420  6000501", date(2026, 1, 10), [(self.wire, 100)])
        line = p1.line_ids
        self._deliver(
            [(self.wire, 30)], self._exit_pedimento("26  24  3420  6100501", date(2026, 3, 1))
        )
        self.assertAlmostEqual(line.qty_balance, 70.0)
        r1 = self._r1(p1, "26  24  3420  6000502", [(1, self.wire, 120, {})])
        # the comparison shows field, original and rectified values before confirmation
        self.assertIn("120", r1.rectification_comparison)
        self.assertIn("100", r1.rectification_comparison)
        r1.with_user(self.manager).action_confirm()
        # 100 -> 120 declared: +20 balance by one adjustment row of -20, effective at the
        # original's clearance (10 Jan); 120 - 30 exported = 90
        adjustment = self._rows(line, "adjustment")
        self.assertEqual(len(adjustment), 1)
        self.assertAlmostEqual(adjustment.quantity, -20.0)
        self.assertAlmostEqual(adjustment.quantity_tariff, -0.4)  # 20 m x 0.02 kg/m
        self.assertEqual(adjustment.date, date(2026, 1, 10))
        self.assertAlmostEqual(line.qty_balance, 90.0)
        self.assertAlmostEqual(line.qty_balance_tariff, 1.8)
        # the declared quantity stays as filed; the effective one follows the R1
        self.assertAlmostEqual(line.quantity, 100.0)
        self.assertAlmostEqual(line.quantity_effective, 120.0)
        self.assertEqual(line.rectified_by_id, r1)
        trail = self.Log.search(
            [("model_name", "=", line._name), ("res_id", "=", line.id), ("action", "=", "rectify")]
        )
        self.assertEqual(trail.changes["quantity_effective"], [100.0, 120.0])
        self.assertEqual(trail.changes["rectified_by_id"], [False, r1.id])
        self.assertIn(r1, p1.rectification_ids)
        # the confirmed R1 still shows what it changed
        self.assertIn("120", r1.rectification_comparison)
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])
        # a confirmed R1 is not cancelled: a second one corrects it (120 -> 110: +10 row,
        # 110 - 30 = 80)
        with self.assertRaisesRegex(UserError, "another rectification"):
            r1._immex_cancel("wrong figure")
        with self.assertRaisesRegex(UserError, "itself a rectification"):
            self._r1(r1, "26  24  3420  6000503", [(1, self.wire, 110, {})]).action_confirm()
        r1b = self._r1(p1, "26  24  3420  6000504", [(1, self.wire, 110, {})])
        r1b.action_confirm()
        self.assertEqual(sorted(self._rows(line, "adjustment").mapped("quantity")), [-20.0, 10.0])
        self.assertAlmostEqual(line.qty_balance, 80.0)
        self.assertAlmostEqual(line.quantity_effective, 110.0)
        self.assertEqual(line.rectified_by_id, r1b)

    def test_rectification_lowering_an_import_below_its_discharges_gives_back_and_pends(self):
        p1 = self._import("26  24  3420  6000511", date(2026, 1, 10), [(self.wire, 100)])
        p2 = self._import("26  24  3420  6000512", date(2026, 2, 10), [(self.wire, 10)])
        exit_ped = self._exit_pedimento("26  24  3420  6100511", date(2026, 3, 1))
        self._deliver([(self.wire, 95)], exit_ped)
        l1, l2 = p1.line_ids, p2.line_ids
        self.assertAlmostEqual(l1.qty_balance, 5.0)
        r1 = self._r1(p1, "26  24  3420  6000513", [(1, self.wire, 80, {})])
        r1.action_confirm()
        # 100 -> 80 with 95 discharged: the line covers 80; 15 of the exit go back to the exit
        # (an adjustment of -15 dated 1 Mar) and are discharged again FIFO: P2 10, 5 pending;
        # then +20 on P1: 100 - (95 - 15 + 20) = 0
        self.assertAlmostEqual(l1.qty_balance, 0.0)
        self.assertAlmostEqual(l2.qty_balance, 0.0)
        back = self._rows(l1, "adjustment").filtered(lambda r: r.quantity < 0)
        self.assertAlmostEqual(back.quantity, -15.0)
        self.assertEqual(back.date, date(2026, 3, 1))
        self.assertEqual(back.exit_pedimento_id, exit_ped)
        self.assertAlmostEqual(sum(self._rows(l1, "adjustment").mapped("quantity")), 5.0)
        self.assertAlmostEqual(sum(self._rows(l2, "return").mapped("quantity")), 10.0)
        pending = self.Pending.search([("exit_pedimento_id", "=", exit_ped.id)])
        self.assertAlmostEqual(pending.quantity, 5.0)
        self.assertEqual(pending.reason, "no_balance")
        self.assertEqual(pending.date, date(2026, 3, 1))
        # the R1 offers the re-run from the earliest date it changed
        self.assertEqual(r1.rectification_rerun_date, date(2026, 1, 10))
        action = r1.action_open_rerun()
        self.assertEqual(action["context"]["default_date_from"], "2026-01-10")
        # the re-run it offers finds the same: 80 from P1, 10 from P2, 5 pending
        wizard = (
            self.env["l10n_mx_immex.reconstruction"]
            .with_context(**action["context"])
            .create({"company_id": self.company.id})
        )
        self.assertEqual(wizard.date_from, date(2026, 1, 10))
        wizard.action_preview()
        self.assertIn("No pedimento line changed", wizard.preview)
        wizard.action_run()
        self.assertAlmostEqual(l1.qty_balance, 0.0)
        self.assertAlmostEqual(l2.qty_balance, 0.0)
        pending = self.Pending.search(
            [("exit_pedimento_id", "=", exit_ped.id), ("state", "=", "pending")]
        )
        self.assertAlmostEqual(pending.quantity, 5.0)
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    def test_rectification_of_an_export_from_150_to_100_recredits_what_the_50_took(self):
        p1 = self._import(
            "26  24  3420  6000521", date(2026, 1, 10), [(self.wire, 200), (self.terminal, 1000)]
        )
        p2 = self._import("26  24  3420  6000522", date(2026, 2, 10), [(self.wire, 200)])
        exit_ped = self._exit_pedimento("26  24  3420  6100521", date(2026, 3, 1))
        self._deliver([(self.harness, 150)], exit_ped)
        w1, w2 = self._line(p1, self.wire), self._line(p2, self.wire)
        t1 = self._line(p1, self.terminal)
        # 150 x 2.1 m = 315 m: P1 200, P2 115; 150 x 4 = 600 terminals from P1
        self.assertAlmostEqual(w1.qty_balance, 0.0)
        self.assertAlmostEqual(w2.qty_balance, 85.0)
        self.assertAlmostEqual(t1.qty_balance, 400.0)
        r1 = self._r1(exit_ped, "26  24  3420  6100522", [(1, self.harness, 100, {})])
        r1.action_confirm()
        # FIFO on 100 would have taken 210 m (P1 200, P2 10) and 400 terminals: the 50 took
        # 105 m of P2 and 200 terminals of P1, given back at the exit's date (1 Mar)
        self.assertAlmostEqual(w1.qty_balance, 0.0)
        self.assertAlmostEqual(w2.qty_balance, 190.0)
        self.assertAlmostEqual(t1.qty_balance, 600.0)
        rows = self.Discharge.search(
            [("exit_pedimento_id", "=", exit_ped.id), ("kind", "=", "adjustment")]
        )
        self.assertEqual(set(rows.mapped("date")), {date(2026, 3, 1)})
        self.assertEqual(sorted(rows.mapped("quantity")), [-200.0, -105.0])
        exit_line = exit_ped.line_ids
        self.assertAlmostEqual(exit_line.quantity, 150.0)
        self.assertAlmostEqual(exit_line.quantity_effective, 100.0)
        # invariant: a re-run of the period after the R1 changes no balance
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {"company_id": self.company.id, "date_from": date(2026, 3, 1)}
        )
        wizard.action_preview()
        wizard.action_run()
        self.assertAlmostEqual(w1.qty_balance, 0.0)
        self.assertAlmostEqual(w2.qty_balance, 190.0)
        self.assertAlmostEqual(t1.qty_balance, 600.0)
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    def test_rectification_raising_an_export_discharges_the_extra_share(self):
        p1 = self._import(
            "26  24  3420  6000531", date(2026, 1, 10), [(self.wire, 1000), (self.terminal, 1000)]
        )
        exit_ped = self._exit_pedimento("26  24  3420  6100531", date(2026, 3, 1))
        self._deliver([(self.harness, 100)], exit_ped)
        r1 = self._r1(exit_ped, "26  24  3420  6100532", [(1, self.harness, 120, {})])
        r1.action_confirm()
        # 120 x 2.1 m = 252 m, 120 x 4 = 480 terminals
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 1000 - 252)
        self.assertAlmostEqual(self._line(p1, self.terminal).qty_balance, 1000 - 480)

    def test_rectification_of_umt_fraction_and_values_changes_legal_values_without_ledger_rows(
        self,
    ):
        p1 = self._import("26  24  3420  6000541", date(2026, 1, 10), [(self.wire, 100)])
        line = p1.line_ids
        other_fraction = self.Fraction.search(
            [("code", "=like", "8544%"), ("id", "!=", line.fraction_id.id)], limit=1
        )
        ledger_before = self.Discharge.search_count([])
        r1 = self._r1(
            p1,
            "26  24  3420  6000542",
            [
                (
                    1,
                    self.wire,
                    100,
                    {"quantity_tariff": 2.5, "value_usd": 175.0, "fraction_id": other_fraction.id},
                )
            ],
        )
        self.assertIn(other_fraction.display_name, r1.rectification_comparison)
        r1.action_confirm()
        self.assertEqual(self.Discharge.search_count([]), ledger_before)
        self.assertAlmostEqual(line.quantity_tariff, 2.5)
        self.assertAlmostEqual(line.qty_balance_tariff, 2.5)  # 100 x 2.5 / 100
        self.assertAlmostEqual(line.value_usd, 175.0)
        self.assertEqual(line.fraction_id, other_fraction)
        self.assertAlmostEqual(line.qty_balance, 100.0)
        trail = self.Log.search(
            [("model_name", "=", line._name), ("res_id", "=", line.id), ("action", "=", "rectify")]
        )
        self.assertEqual(trail.changes["quantity_tariff"], [2.0, 2.5])
        self.assertEqual(trail.changes["value_usd"], [150.0, 175.0])
        self.assertEqual(trail.changes["fraction_id"], [self.fraction_wire.id, other_fraction.id])
        # the line's seal follows the rectified values: integrity holds
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    def test_rectification_needs_the_immex_manager(self):
        p1 = self._import("26  24  3420  6000551", date(2026, 1, 10), [(self.wire, 100)])
        r1 = self._r1(p1, "26  24  3420  6000552", [(1, self.wire, 120, {})])
        for user in (self.stock_user, self.auditor):
            with self.assertRaises(AccessError):
                r1.with_user(user).with_context(l10n_mx_immex_bypass=True).action_confirm()
            # nor through the private path under sudo: the method checks the real user
            with self.assertRaises(AccessError):
                self.env["l10n_mx_immex.rectification"].with_user(user).sudo()._apply(r1)
        self.assertEqual(r1.state, "draft")
        self.assertAlmostEqual(p1.line_ids.qty_balance, 100.0)
        self.assertFalse(self._rows(p1.line_ids, "adjustment"))

    def test_confirmed_line_changes_only_through_a_confirmed_rectification(self):
        p1 = self._import("26  24  3420  6000561", date(2026, 1, 10), [(self.wire, 100)])
        line = p1.line_ids
        with self.assertRaises(UserError):
            line.sudo().write({"quantity_tariff": 3.0})
        with self.assertRaises(UserError):
            line.sudo().write({"qty_rectification": 20.0})
        draft_r1 = self._r1(p1, "26  24  3420  6000562", [(1, self.wire, 120, {})])
        self.env.flush_all()
        for query, args in (
            ("UPDATE l10n_mx_immex_pedimento_line SET quantity_tariff = 3 WHERE id = %s", []),
            ("UPDATE l10n_mx_immex_pedimento_line SET qty_rectification = 20 WHERE id = %s", []),
            # naming an R1 that is not confirmed opens nothing
            (
                "UPDATE l10n_mx_immex_pedimento_line SET quantity_tariff = 3, "
                "rectified_by_id = %s WHERE id = %s",
                [draft_r1.id],
            ),
        ):
            with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
                with self.env.cr.savepoint():
                    self.env.cr.execute(query, [*args, line.id])
        # a confirmed R1 never changes the declared quantity itself, nor the product
        draft_r1.action_confirm()
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE l10n_mx_immex_pedimento_line SET quantity = 120, "
                    "rectified_by_id = NULL WHERE id = %s",
                    [line.id],
                )

    def test_rectification_of_an_unknown_partida_is_refused(self):
        p1 = self._import("26  24  3420  6000571", date(2026, 1, 10), [(self.wire, 100)])
        r1 = self._r1(p1, "26  24  3420  6000572", [(7, self.wire, 120, {})])
        with self.assertRaisesRegex(UserError, "no partida"):
            r1.action_confirm()
        other = self._r1(p1, "26  24  3420  6000573", [(1, self.terminal, 100, {})])
        with self.assertRaisesRegex(UserError, "no partida"):
            other.action_confirm()
        draft = self._create_pedimento(number="26  24  3420  6000574", lines=[(self.wire, 5)])
        r1_of_draft = self._r1(draft, "26  24  3420  6000575", [(1, self.wire, 6, {})])
        with self.assertRaisesRegex(UserError, "not confirmed"):
            r1_of_draft.action_confirm()
        # an exit whose discharge still waits in the queue is rectified once it is written
        exit_ped = self._exit_pedimento("26  24  3420  6100576", date(2026, 3, 1))
        picking = self._deliver([(self.wire, 10)], exit_ped)
        picking.move_ids._l10n_mx_immex_set_discharge_state("queued")
        r1_of_exit = self._r1(exit_ped, "26  24  3420  6100577", [(1, self.wire, 5, {})])
        with self.assertRaisesRegex(UserError, "still queued"):
            r1_of_exit.action_confirm()

    def test_rectification_fields_are_refused_to_rpc_callers(self):
        p1 = self._import("26  24  3420  6000581", date(2026, 1, 10), [(self.wire, 100)])
        other = self._import("26  24  3420  6000582", date(2026, 1, 11), [(self.wire, 50)])
        r1 = self._r1(p1, "26  24  3420  6000583", [(1, self.wire, 120, {})])
        r1.action_confirm()
        line = p1.line_ids
        context = {"l10n_mx_immex_allow_locked": True, "allowed_company_ids": self.company.ids}
        for user in (self.manager, self.stock_user):
            for model, ids, vals in (
                (line._name, line.ids, {"qty_rectification": 500.0}),
                (line._name, line.ids, {"rectified_by_id": r1.id}),
                (line._name, other.line_ids.ids, {"rectified_by_id": r1.id, "value_usd": 1.0}),
                (r1._name, r1.ids, {"rectification_changes": []}),
                (r1._name, r1.ids, {"rectification_rerun_date": "2020-01-01"}),
                # what an R1 rectifies is frozen with it
                (r1._name, r1.ids, {"rectifies_id": other.id}),
            ):
                recs = self.env[model].with_user(user)
                with self.assertRaises(UserError):
                    call_kw(recs, "write", [ids, vals], {"context": context})
        self.assertEqual(r1.rectifies_id, p1)
        self.assertAlmostEqual(line.quantity_effective, 120.0)
        self.assertFalse(other.line_ids.rectified_by_id)
        # nor can a line be created carrying a rectification
        draft = self._create_pedimento(number="26  24  3420  6000584")
        with self.assertRaises(UserError):
            call_kw(
                self.env["l10n_mx_immex.pedimento.line"].with_user(self.manager),
                "create",
                [
                    {
                        "pedimento_id": draft.id,
                        "product_id": self.wire.id,
                        "quantity": 5,
                        "qty_rectification": 50.0,
                    }
                ],
                {"context": context},
            )

    def test_rectification_of_the_header_changes_it_through_the_trail(self):
        """An R1 restating the exchange rate and the payment date of a confirmed import."""
        p1 = self._import("26  24  3420  6000531", date(2026, 1, 10), [(self.wire, 100)])
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE l10n_mx_immex_pedimento SET exchange_rate = 19 WHERE id = %s",
                    [p1.id],
                )
        r1 = self._r1(p1, "26  24  3420  6000532", [(1, self.wire, 100, {})])
        r1.write({"exchange_rate": 17.25, "payment_date": date(2026, 1, 12)})
        self.assertIn("17.25", r1.rectification_comparison)
        r1.with_user(self.manager).action_confirm()
        p1.invalidate_recordset()
        self.assertAlmostEqual(p1.exchange_rate, 17.25)
        self.assertEqual(p1.payment_date, date(2026, 1, 12))
        self.assertEqual(p1.rectified_by_id, r1)
        trail = self.Log.search(
            [("model_name", "=", p1._name), ("res_id", "=", p1.id), ("action", "=", "rectify")]
        )
        self.assertEqual(trail.changes["exchange_rate"][1], 17.25)
        self.assertEqual(trail.changes["payment_date"], [False, "2026-01-12"])
        self.assertEqual(trail.changes["rectified_by_id"], [False, r1.id])
        # no ledger row for a header; the seals follow the new header, integrity holds
        self.assertFalse(self._rows(p1.line_ids, "adjustment"))
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])
        # the field that opens the guard is the server's: no caller writes it
        with self.assertRaises(UserError):
            p1.with_user(self.manager).write({"rectified_by_id": r1.id})
        # once applied, the R1 does not open the header again
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE l10n_mx_immex_pedimento SET exchange_rate = 1 WHERE id = %s",
                    [p1.id],
                )
