# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from psycopg2 import errors

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.service.model import call_kw
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..immex.pgarray import array_literal
from .test_discharge import DischargeCommon


class IntegrityCommon(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import("26  24  3420  6000801", date(2026, 1, 10), [(cls.wire, 100)])
        cls.p2 = cls._import(
            "26  24  3420  6000802", date(2026, 2, 10), [(cls.wire, 100), (cls.terminal, 1000)]
        )
        cls.manager = cls._new_user(
            "immex_integrity_manager", "l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.auditor = cls._new_user(
            "immex_integrity_auditor", "base.group_user,l10n_mx_immex_annex24.group_sat_auditor"
        )
        cls.stock_user = cls._new_user("immex_integrity_stock", "stock.group_stock_user")

    def _verify(self):
        return self.company.l10n_mx_immex_verify_integrity()

    def _sql(self, table, query, params=()):
        """Tamper as a database owner would: the guards are triggers, switched off."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        cr.execute(query, params)
        rows = cr.fetchall() if cr.description else []
        cr.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        self.env.invalidate_all()
        return rows

    def _ledger(self):
        return self.Discharge.search([("company_id", "=", self.company.id)], order="id")


@tagged("post_install", "-at_install")
class TestIntegrity(IntegrityCommon):
    def setUp(self):
        super().setUp()
        self.exit_ped = self._exit_pedimento("26  24  3420  6100801", date(2026, 3, 1))
        self._deliver([(self.wire, 150), (self.terminal, 30)], self.exit_ped)

    def test_clean_database_verifies_ok(self):
        ledger = self._ledger()
        self.assertEqual(len(ledger), 3)  # wire 100 + 50, terminals 30
        self.assertTrue(all(row.chain_hash and len(row.chain_hash) == 64 for row in ledger))
        result = self._verify()
        self.assertTrue(result["ok"], result["broken"])
        self.assertEqual(result["broken"], [])
        # 3 ledger rows + 3 seals + the trail + 3 seals compared + every line of the company
        self.assertGreater(result["checked"], 9)
        self.assertEqual(result["heads"]["discharge"], ledger[-1].chain_hash)
        # a return and a cancellation keep the chains and the balances true
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=self.exit_ped.picking_ids.id, active_model="stock.picking"
            )
        ).save()
        for line in wizard.product_return_moves:
            line.quantity = 10
        ret = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        for move in ret.move_ids:
            move.quantity = 10
            move.picked = True
        ret.button_validate()
        self.assertTrue(self._verify()["ok"])
        self.exit_ped._immex_cancel("Shipment stopped")
        result = self._verify()
        self.assertTrue(result["ok"], result["broken"])
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 100.0)

    def test_sql_update_of_a_ledger_row(self):
        first = self._ledger()[0]
        self._sql(
            "l10n_mx_immex_discharge",
            "UPDATE l10n_mx_immex_discharge SET quantity = quantity - 40 WHERE id = %s",
            [first.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.discharge")
        self.assertEqual(result["broken"][0]["id"], first.id)
        # the stored balance no longer matches the edited ledger either
        self.assertIn(
            ("l10n_mx_immex.pedimento.line", first.import_line_id.id),
            [(b["model"], b["id"]) for b in result["broken"]],
        )

    def test_sql_delete_of_a_ledger_row(self):
        first, second, third = self._ledger()
        self._sql(
            "l10n_mx_immex_discharge",
            "DELETE FROM l10n_mx_immex_discharge WHERE id = %s",
            [second.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        # the row after the deleted one no longer chains to its predecessor
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.discharge")
        self.assertEqual(result["broken"][0]["id"], third.id)
        # deleting the last row is caught by the recorded head
        self._sql(
            "l10n_mx_immex_discharge",
            "DELETE FROM l10n_mx_immex_discharge WHERE id = %s",
            [third.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0]["id"], first.id)
        self.assertIn("head", result["broken"][0]["reason"])

    def test_sql_insert_of_a_fabricated_row(self):
        line = self._line(self.p2, self.wire)
        before = line.qty_balance
        fabricated = self._sql(
            "l10n_mx_immex_discharge",
            """
            INSERT INTO l10n_mx_immex_discharge (import_line_id, import_pedimento_id, product_id,
                   quantity, quantity_tariff, date, kind, company_id, chain_hash)
            SELECT id, pedimento_id, product_id, 30, 0.6, '2026-03-02', 'export',
                   company_id, %s
              FROM l10n_mx_immex_pedimento_line WHERE id = %s
         RETURNING id
            """,
            ["f" * 64, line.id],
        )
        fabricated = fabricated[0][0]
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0], {**result["broken"][0], "id": fabricated})
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.discharge")
        # the stored balance ignores the fabricated row: reported as differing
        self.assertAlmostEqual(line.qty_balance, before)
        self.assertIn(line.id, [b["id"] for b in result["broken"][1:]])

    def test_sql_edit_of_a_stored_balance(self):
        line = self._line(self.p2, self.wire)
        self._sql(
            "l10n_mx_immex_pedimento_line",
            "UPDATE l10n_mx_immex_pedimento_line SET qty_balance = qty_balance + 25 WHERE id = %s",
            [line.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(len(result["broken"]), 1)
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.pedimento.line")
        self.assertEqual(result["broken"][0]["id"], line.id)
        self.assertIn("balance 75", result["broken"][0]["reason"])
        self.assertIn("expected 50", result["broken"][0]["reason"])

    def test_sql_edit_of_a_confirmed_line_and_header(self):
        line = self._line(self.p2, self.terminal)
        self._sql(
            "l10n_mx_immex_pedimento_line",
            "UPDATE l10n_mx_immex_pedimento_line SET quantity = 5000, qty_balance = 4970 "
            "WHERE id = %s",
            [line.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.pedimento.line")
        self.assertEqual(result["broken"][0]["id"], line.id)
        self.assertIn("quantity", result["broken"][0]["reason"])
        self.assertEqual(len(result["broken"]), 1)  # the balance follows the new quantity

    def test_sql_edit_of_a_confirmed_header(self):
        self._sql(
            "l10n_mx_immex_pedimento",
            "UPDATE l10n_mx_immex_pedimento SET entry_date = '2025-12-01' WHERE id = %s",
            [self.p2.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.pedimento", result["broken"])
        self.assertEqual(result["broken"][0]["id"], self.p2.id)
        self.assertIn("entry_date", result["broken"][0]["reason"])

    def test_sql_edit_of_the_trail(self):
        row = self.env["l10n_mx_immex.log"].search(
            [("company_id", "=", self.company.id)], order="id", limit=1
        )
        self._sql(
            "l10n_mx_immex_log",
            "UPDATE l10n_mx_immex_log SET user_id = %s WHERE id = %s",
            [self.stock_user.id, row.id],
        )
        result = self._verify()
        self.assertFalse(result["ok"])
        self.assertEqual(result["broken"][0]["model"], "l10n_mx_immex.log")
        self.assertEqual(result["broken"][0]["id"], row.id)

    def test_guards_refuse_sql_without_a_switch(self):
        row = self._ledger()[0]
        log = self.env["l10n_mx_immex.log"].search([], limit=1)
        self.env.flush_all()
        for query, params in (
            ("UPDATE l10n_mx_immex_log SET action = 'write' WHERE id = %s", [log.id]),
            ("DELETE FROM l10n_mx_immex_log WHERE id = %s", [log.id]),
            ("TRUNCATE l10n_mx_immex_log", []),
            ("DELETE FROM l10n_mx_immex_line_seal WHERE line_id = %s", [row.import_line_id.id]),
        ):
            with (
                self.subTest(query=query),
                mute_logger("odoo.sql_db"),
                self.assertRaises(errors.InsufficientPrivilege),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query, params)

    def test_chain_heads_recorded_by_every_run(self):
        run = (
            self.env["l10n_mx_immex.integrity.wizard"]
            .with_user(self.manager)
            .create({"company_id": self.company.id})
        )
        action = run.action_verify()
        record = self.env["l10n_mx_immex.integrity.run"].browse(action["res_id"])
        self.assertTrue(record.ok)
        self.assertEqual(record.head_ledger, self._ledger()[-1].chain_hash)
        self.assertEqual(len(record.head_log), 64)
        self.assertEqual(len(record.head_seal), 64)
        # nobody changes or deletes a run, and an auditor cannot start one
        with self.assertRaises(UserError):
            record.sudo().write({"ok": False})
        with self.assertRaises(UserError):
            record.sudo().unlink()
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.integrity.wizard"].with_user(self.auditor).create(
                {"company_id": self.company.id}
            ).action_verify()
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.integrity.run"].with_user(self.manager).create(
                {"company_id": self.company.id}
            )
        # the auditor reads the runs and may verify, the warehouse user may not
        self.assertEqual(
            self.env["l10n_mx_immex.integrity.run"].with_user(self.auditor).search([]), record
        )
        self.assertTrue(self.company.with_user(self.auditor).l10n_mx_immex_verify_integrity()["ok"])
        with self.assertRaises(AccessError):
            self.company.with_user(self.stock_user).l10n_mx_immex_verify_integrity()

    def test_cron_alerts_the_manager_once(self):
        Run = self.env["l10n_mx_immex.integrity.run"]
        Run._cron_verify_integrity()
        clean = Run.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(clean), 1)
        self.assertTrue(clean.ok)
        self.assertFalse(clean.activity_ids)
        self._sql(
            "l10n_mx_immex_discharge",
            "UPDATE l10n_mx_immex_discharge SET date = '2026-02-01' WHERE id = %s",
            [self._ledger()[1].id],
        )
        Run._cron_verify_integrity()
        broken = Run.search([("company_id", "=", self.company.id)]) - clean
        self.assertEqual(len(broken), 1)
        self.assertFalse(broken.ok)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", Run._name), ("res_id", "=", broken.id)]
        )
        self.assertEqual(len(activities), 1)
        self.assertIn(activities.user_id, self.manager | self.env.ref("base.user_admin"))


@tagged("post_install", "-at_install")
class TestTrail(IntegrityCommon):
    def _trail(self, record, action=None):
        domain = [("model_name", "=", record._name), ("res_id", "=", record.id)]
        if action:
            domain.append(("action", "=", action))
        return self.env["l10n_mx_immex.log"].search(domain, order="id")

    def test_pedimento_lifecycle_is_in_the_trail(self):
        ped = self._create_pedimento(number="26  24  3420  6000810", lines=[(self.wire, 10)])
        self.assertEqual(self._trail(ped).mapped("action"), ["create"])
        self.assertEqual(self._trail(ped.line_ids).mapped("action"), ["create"])
        ped.exchange_rate = 18.5
        ped.action_confirm()
        exit_ped = self._exit_pedimento("26  24  3420  6100810", date(2026, 3, 20))
        self._deliver([(self.wire, 5)], exit_ped)
        exit_ped._immex_cancel("Wrong customer")
        rows = self._trail(ped)
        # confirming also stamps when the pedimento reached Annex 24: trailed too
        self.assertEqual(rows.mapped("action"), ["create", "write", "confirm", "write"])
        self.assertEqual(list(rows[3].changes), ["registered_at"])
        self.assertEqual(rows[1].changes["exchange_rate"], [0.0, 18.5])
        self.assertEqual(rows[2].changes["state"], ["draft", "confirmed"])
        self.assertEqual(rows[2].user_id, self.env.user)
        cancel = self._trail(exit_ped, "cancel")
        self.assertEqual(cancel.changes["cancel_reason"], [False, "Wrong customer"])
        reversal = self.env["l10n_mx_immex.log"].search(
            [("action", "=", "reverse"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(reversal.changes["rows_reversed"], [0, 1])
        # append-only for everyone through the ORM
        with self.assertRaises(UserError):
            rows[0].sudo().write({"action": "write"})
        with self.assertRaises(UserError):
            rows[0].sudo().unlink()
        with self.assertRaises(UserError):
            self.env["l10n_mx_immex.log"].sudo().create(
                {"model_name": "x", "res_id": 1, "action": "write"}
            )
        # readable by the manager and the auditor, not by the warehouse user
        self.assertTrue(self.env["l10n_mx_immex.log"].with_user(self.auditor).search([]))
        self.assertTrue(self.env["l10n_mx_immex.log"].with_user(self.manager).search([]))
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.log"].with_user(self.stock_user).search([])

    def test_product_bom_company_and_rerun_are_in_the_trail(self):
        tmpl = self.terminal.product_tmpl_id
        tmpl.with_user(self.manager).write(
            {"l10n_mx_immex_type": "packaging", "name": "Terminal 2.8"}
        )
        row = self._trail(tmpl, "write")
        self.assertEqual(row.changes, {"l10n_mx_immex_type": ["input", "packaging"]})
        self.assertEqual(row.user_id, self.manager)
        bom_line = self.bom.bom_line_ids.filtered(lambda bl: bl.product_id == self.wire)
        bom_line.l10n_mx_immex_merma_percent = 7.5
        self.assertEqual(
            self._trail(bom_line, "write").changes, {"l10n_mx_immex_merma_percent": [5.0, 7.5]}
        )
        self.env["l10n_mx_immex.lock.wizard"].with_user(self.manager).create(
            {"company_id": self.company.id, "lock_date": date(2026, 1, 31)}
        ).action_close()
        self.assertEqual(
            self._trail(self.company, "write").changes,
            {"l10n_mx_immex_lock_date": [False, "2026-01-31"]},
        )
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {
                "company_id": self.company.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
            }
        )
        wizard.action_preview()
        wizard.action_run()
        rerun = self._trail(self.company, "rerun")
        self.assertEqual(rerun.changes["date_from"], [False, "2026-03-01"])
        self.assertTrue(self._verify()["ok"])

    def test_pedimento_key_changes_are_in_every_company_trail(self):
        """A key has no company: what it does to balances changes for every company."""
        other = self.env["res.company"].create(
            {"name": "Other IMMEX plant", "l10n_mx_immex_program_number": "IMMEX-2026-77"}
        )
        self.env["res.company"].create({"name": "Not in IMMEX"})  # no program, no pedimento
        key = self.env.ref("l10n_mx_immex_annex24.pedimento_key_rt")
        with self.assertRaises(AccessError):
            key.with_user(self.stock_user).write({"effect": "none"})
        key.with_user(self.manager).write({"effect": "none", "months_limit": 3})
        rows = self._trail(key, "write")
        self.assertIn(self.company, rows.company_id)  # it has pedimentos
        self.assertIn(other, rows.company_id)  # it has an IMMEX program
        self.assertNotIn("Not in IMMEX", rows.company_id.mapped("name"))
        self.assertEqual(rows[0].changes, {"effect": ["discharge", "none"], "months_limit": [0, 3]})
        self.assertEqual(rows.mapped("user_id"), self.manager)
        created = self.env["l10n_mx_immex.pedimento.key"].create(
            {"code": "ZZ", "name": "Test key", "operation": "export", "effect": "discharge"}
        )
        self.assertEqual(self._trail(created, "create")[0].changes["effect"], [False, "discharge"])
        self.assertTrue(self._verify()["ok"])


@tagged("post_install", "-at_install")
class TestPeriodLock(IntegrityCommon):
    def _close(self, day):
        self.company.write({"l10n_mx_immex_lock_date": day})

    def test_only_managers_close_and_only_forward(self):
        Wizard = self.env["l10n_mx_immex.lock.wizard"]
        with self.assertRaises(AccessError):
            Wizard.with_user(self.stock_user).create(
                {"company_id": self.company.id, "lock_date": date(2026, 1, 31)}
            ).action_close()
        # an administrator who is not an IMMEX manager cannot write it on the company either
        admin = self._new_user("immex_lock_admin", "base.group_system")
        with self.assertRaises(AccessError):
            self.company.with_user(admin).write({"l10n_mx_immex_lock_date": date(2026, 1, 31)})
        self.assertFalse(self.company.l10n_mx_immex_lock_date)
        self._close(date(2026, 2, 28))
        with self.assertRaisesRegex(UserError, "only move forward"):
            self._close(date(2026, 1, 31))
        with self.assertRaisesRegex(UserError, "only move forward"):
            self._close(False)
        with self.assertRaises(UserError):
            self._close(fields.Date.today() + timedelta(days=1))
        self._close(date(2026, 3, 31))
        self.assertEqual(self.company.l10n_mx_immex_lock_date, date(2026, 3, 31))

    def test_late_exit_of_a_closed_period_takes_effect_after_it(self):
        self._close(date(2026, 3, 31))
        exit_ped = self._exit_pedimento("26  24  3420  6100820", date(2026, 3, 15))
        self._deliver([(self.wire, 120)], exit_ped)
        rows = self.Discharge.search([("exit_pedimento_id", "=", exit_ped.id)])
        # FIFO as of the exit (P1 100, P2 20); effective the day after the lock date
        self.assertEqual(sorted(rows.mapped("quantity")), [20.0, 100.0])
        self.assertEqual(set(rows.mapped("date")), {date(2026, 4, 1)})
        self.assertEqual(set(rows.mapped("corrects_date")), {date(2026, 3, 15)})
        self.assertTrue(self._verify()["ok"])
        # a re-run of April leaves the correction of March alone: March is not re-run
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {
                "company_id": self.company.id,
                "date_from": date(2026, 4, 1),
                "date_to": date(2026, 4, 30),
            }
        )
        wizard.action_preview()
        wizard.action_run()
        self.assertEqual(wizard.rows_reversed, 0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 0.0)
        self.assertAlmostEqual(self._line(self.p2, self.wire).qty_balance, 80.0)

    def test_return_and_cancellation_of_a_closed_exit(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100821", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 100)], exit_ped)
        original = self.Discharge.search([("exit_pedimento_id", "=", exit_ped.id)])
        self.assertEqual(original.date, date(2026, 3, 1))
        self._close(date(2026, 3, 31))
        # a reversal asked for a date of the closed period moves after it
        self.env["l10n_mx_immex.discharge.reversal"]._reverse(
            original, date=date(2026, 3, 20), ratio=0.25
        )
        first = self.Discharge.search([("reversed_id", "=", original.id)])
        self.assertAlmostEqual(first.quantity, -25.0)
        self.assertEqual(first.date, date(2026, 4, 1))
        self.assertEqual(first.corrects_date, date(2026, 3, 1))
        # the return is effective at the exit's date (recorded today, create_date); March
        # is closed, so it takes effect on the first open day and names the date it corrects
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=picking.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 10
        ret = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        ret.move_ids.quantity = 10
        ret.move_ids.picked = True
        ret.button_validate()
        second = self.Discharge.search([("reversed_id", "=", original.id)]) - first
        self.assertAlmostEqual(second.quantity, -10.0)
        self.assertEqual(second.date, date(2026, 4, 1))
        self.assertGreaterEqual(second.create_date.date(), second.date)
        self.assertEqual(second.corrects_date, date(2026, 3, 1))
        # cancelling the exit pedimento gives back the rest, after the lock date
        exit_ped._immex_cancel("Never crossed")
        third = self.Discharge.search([("reversed_id", "=", original.id)]) - first - second
        self.assertAlmostEqual(third.quantity, -65.0)
        self.assertGreater(third.date, date(2026, 3, 31))
        self.assertEqual(third.corrects_date, date(2026, 3, 1))
        self.assertAlmostEqual(self._line(self.p2, self.terminal).qty_balance, 1000.0)
        self.assertTrue(self._verify()["ok"])

    def test_rerun_cannot_reach_into_a_closed_period(self):
        self._close(date(2026, 3, 10))
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {
                "company_id": self.company.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
            }
        )
        with self.assertRaisesRegex(UserError, "closed up to"):
            wizard.action_preview()
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {
                "company_id": self.company.id,
                "date_from": date(2026, 3, 11),
                "date_to": date(2026, 3, 31),
            }
        )
        wizard.action_preview()
        wizard.action_run()
        self.assertEqual(wizard.state, "done")

    def test_rpc_cannot_write_the_trail_or_open_the_lock(self):
        Log = self.env["l10n_mx_immex.log"]
        row = Log.search([("company_id", "=", self.company.id)], limit=1)
        for user in (self.stock_user, self.manager, self.auditor):
            with self.subTest(user=user.login):
                env_log = Log.with_user(user).with_context(l10n_mx_immex_allow_locked=True)
                with self.assertRaises(UserError):
                    call_kw(env_log, "write", [row.ids, {"action": "create"}], {})
                with self.assertRaises(UserError):
                    call_kw(env_log, "unlink", [row.ids], {})
                with self.assertRaises(UserError):
                    call_kw(env_log, "create", [{"model_name": "x", "action": "write"}], {})
                # the private writer is out of reach of RPC
                with self.assertRaises(AccessError):
                    call_kw(env_log, "_l10n_mx_immex_record", [[]], {})
        # the lock date through RPC: refused to a warehouse user, forward only for managers
        company = self.company.with_user(self.stock_user)
        with self.assertRaises(AccessError):
            call_kw(company, "write", [company.ids, {"l10n_mx_immex_lock_date": "2026-01-31"}], {})
        wizard = self.env["l10n_mx_immex.lock.wizard"].with_user(self.stock_user)
        with self.assertRaises(AccessError):
            call_kw(
                wizard,
                "create",
                [{"company_id": self.company.id, "lock_date": "2026-01-31"}],
                {},
            )
        self.assertFalse(self.company.l10n_mx_immex_lock_date)


@tagged("post_install", "-at_install")
class TestBatchArrays(IntegrityCommon):
    """The batch statements hand their columns over as array texts: PostgreSQL reads back
    exactly the values given, whatever a string holds."""

    STRINGS = ["plain", "NULL", "", 'say "hi"', "back\\slash", "a,b{c}d", " x ", "ñ\n\t", None]

    def test_values_read_back_as_given(self):
        cr = self.env.cr
        for cast, values in (
            ("text", self.STRINGS),
            ("int", [1, None, -7, 2147483647]),
            ("float8", [0.1 + 0.2, 1 / 3, -0.0, 1e-07, None]),
            ("date", [date(2026, 4, 6), None]),
            ("timestamp", [fields.Datetime.to_datetime("2026-04-06 13:05:09"), None]),
            ("bool", [True, False, None]),
        ):
            with self.subTest(cast=cast):
                cr.execute(
                    f"SELECT unnest(%s::{cast}[])",  # static casts of this test
                    [array_literal(values)],
                )
                self.assertEqual([row[0] for row in cr.fetchall()], values)

    def test_trail_and_seals_keep_odd_text(self):
        text = 'quote " backslash \\ braces {} comma , NULL'
        self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_record(
            [
                {
                    "model_name": "l10n_mx_immex.pedimento",
                    "res_id": self.p1.id,
                    "action": "write",
                    "company_id": self.company.id,
                    "changes": {"notes": [False, text]},
                }
            ]
        )
        row = self.env["l10n_mx_immex.log"].search(
            [("company_id", "=", self.company.id)], order="id desc", limit=1
        )
        self.assertEqual(row.changes, {"notes": [False, text]})
        self.assertTrue(self._verify()["ok"])
