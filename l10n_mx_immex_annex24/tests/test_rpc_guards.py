# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Each attack of issue 8 ("nobody can rewrite the record"), replayed and refused.

Every attack runs as the user in question, through the ORM (``with_user``) and through
``odoo.service.model.call_kw`` exactly as JSON-RPC dispatches a call, with the context key
the addon once used to open its own locks. Database guards are attacked with plain SQL after
setting the session settings that once switched them off.
"""

from datetime import date

from psycopg2 import errors

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .test_discharge import DischargeCommon

OLD_BYPASS = {"l10n_mx_immex_allow_locked": True}
# AccessError and ValidationError are UserErrors too
REFUSED = UserError


@tagged("post_install", "-at_install")
class TestRpcGuards(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.whs = cls._new_user("g_whs", "stock.group_stock_user")
        cls.manager = cls._new_user(
            "g_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.auditor = cls._new_user("g_sat", "l10n_mx_immex_annex24.group_sat_auditor")
        cls.product_mgr = cls._new_user(
            "g_prod", "stock.group_stock_user,product.group_product_manager"
        )
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.company_ids |= cls.company
        cls.ped = cls._import(
            "26  24  3420  6000801", date(2026, 1, 10), [(cls.wire, 100), (cls.terminal, 500)]
        )
        cls.wire_line = cls.ped.line_ids.filtered(lambda line: line.product_id == cls.wire)

    def _rpc(self, user, model, method, ids, *args, **kwargs):
        """``model.method(*args)`` as JSON-RPC runs it for ``user``, with the old bypass.

        ``ids`` None: a model method (``create``)."""
        kwargs.setdefault("context", dict(OLD_BYPASS, allowed_company_ids=[self.company.id]))
        recs = self.env[model].with_user(user)
        return call_kw(recs, method, list(args) if ids is None else [ids, *args], kwargs)

    def _refused(self, user, model, method, ids, *args):
        """The call is refused both through the ORM and through call_kw."""
        with self.assertRaises(REFUSED):
            getattr(self.env[model].with_user(user).with_context(**OLD_BYPASS).browse(ids), method)(
                *args
            )
        with self.assertRaises(REFUSED):
            self._rpc(user, model, method, ids, *args)

    # ------------------------------------------------------------------ locks
    def test_confirmed_pedimento_not_rewritten_with_the_old_context_key(self):
        for user in (self.whs, self.manager, self.admin):
            for vals in (
                {"name": "26  24  3420  6000999"},
                {"entry_date": "2026-01-01"},
                {"exchange_rate": 1.0},
            ):
                self._refused(user, "l10n_mx_immex.pedimento", "write", self.ped.ids, vals)
            self._refused(
                user, "l10n_mx_immex.pedimento.line", "write", self.wire_line.ids, {"quantity": 5}
            )
            # not through the one2many of the pedimento either
            self._refused(
                user,
                "l10n_mx_immex.pedimento",
                "write",
                self.ped.ids,
                {"line_ids": [Command.update(self.wire_line.id, {"quantity": 5})]},
            )
            self._refused(
                user,
                "l10n_mx_immex.pedimento.line",
                "create",
                None,
                [{"pedimento_id": self.ped.id, "product_id": self.wire.id, "quantity": 1}],
            )
        # nor is a draft's line moved into the confirmed declaration
        draft = self._create_pedimento(number="26  24  3420  6000808", lines=[(self.wire, 5)])
        self._refused(
            self.whs,
            "l10n_mx_immex.pedimento.line",
            "write",
            draft.line_ids.ids,
            {"pedimento_id": self.ped.id},
        )
        self.assertEqual(len(self.ped.line_ids), 2)
        # not even sudo() writes them
        with self.assertRaises(UserError):
            self.ped.sudo().with_context(**OLD_BYPASS).name = "26  24  3420  6000999"
        self.assertEqual(self.ped.name, "26  24  3420  6000801")
        self.assertEqual(self.wire_line.quantity, 100)

    def test_state_only_through_the_actions(self):
        for user in (self.whs, self.manager, self.admin):
            for state in ("draft", "cancelled", "confirmed"):
                self._refused(
                    user, "l10n_mx_immex.pedimento", "write", self.ped.ids, {"state": state}
                )
                # the related state of the lines writes through to the pedimento: refused
                self._refused(
                    user,
                    "l10n_mx_immex.pedimento.line",
                    "write",
                    self.wire_line.ids,
                    {"state": state},
                )
            self._refused(
                user,
                "l10n_mx_immex.pedimento",
                "create",
                None,
                [
                    {
                        "name": "26  24  3420  6000802",
                        "key_id": self.key_in.id,
                        "entry_date": "2026-01-10",
                        "state": "confirmed",
                    }
                ],
            )
        with self.assertRaises(UserError):
            self.ped.sudo().write({"state": "draft"})
        # a draft is created as such
        draft = self._rpc(
            self.whs,
            "l10n_mx_immex.pedimento",
            "create",
            None,
            [
                {
                    "name": "26  24  3420  6000803",
                    "key_id": self.key_in.id,
                    "entry_date": "2026-01-10",
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(self.env["l10n_mx_immex.pedimento"].browse(draft).state, "draft")
        self.assertEqual(self.ped.state, "confirmed")

    def test_balances_and_stamps_never_written(self):
        protected_line = {
            "qty_balance": 1e6,
            "qty_discharged": -50,
            "qty_balance_tariff": 9,
            "registered_at": "2020-01-01 00:00:00",
            "is_temporary": False,
            "expiry_date": "2099-01-01",
        }
        protected_ped = {
            "registered_at": "2020-01-01 00:00:00",
            "cancel_reason": "x",
            "opens_balance": False,
            "fifo_date": "2020-01-01",
        }
        for user in (self.whs, self.manager, self.admin):
            for fname, value in protected_line.items():
                self._refused(
                    user,
                    "l10n_mx_immex.pedimento.line",
                    "write",
                    self.wire_line.ids,
                    {fname: value},
                )
            for fname, value in protected_ped.items():
                self._refused(
                    user, "l10n_mx_immex.pedimento", "write", self.ped.ids, {fname: value}
                )
        with self.assertRaises(UserError):
            self.wire_line.sudo().qty_balance = 1e6
        self.assertEqual(self.wire_line.qty_balance, 100)
        # private methods are out of RPC's reach
        for model, method, args in (
            ("l10n_mx_immex.pedimento", "_immex_set_registered_at", ["2020-01-01"]),
            ("l10n_mx_immex.pedimento", "_immex_cancel", ["reason"]),
            ("l10n_mx_immex.pedimento", "_immex_confirm", []),
        ):
            with self.assertRaises(AccessError):
                self._rpc(self.admin, model, method, self.ped.ids, *args)

    def test_cancel_and_confirm_check_the_caller(self):
        draft = self._create_pedimento(number="26  24  3420  6000804", lines=[(self.wire, 5)])
        self._refused(self.auditor, "l10n_mx_immex.pedimento", "action_confirm", draft.ids)
        self._refused(self.whs, "l10n_mx_immex.pedimento", "action_cancel_wizard", draft.ids)
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.pedimento.cancel"].with_user(self.whs).create(
                {"pedimento_id": draft.id, "reason": "x"}
            )
        self._refused(self.whs, "l10n_mx_immex.pedimento", "action_confirm", draft.ids)
        self.assertEqual(draft.state, "draft")
        self._rpc(self.manager, "l10n_mx_immex.pedimento", "action_confirm", draft.ids)
        self.assertEqual(draft.state, "confirmed")
        wizard = (
            self.env["l10n_mx_immex.pedimento.cancel"]
            .with_user(self.manager)
            .create({"pedimento_id": draft.id, "reason": "Duplicated by the broker"})
        )
        self._rpc(self.manager, "l10n_mx_immex.pedimento.cancel", "action_cancel", wizard.ids)
        self.assertEqual(draft.state, "cancelled")
        self.assertEqual(draft.cancel_uid, self.manager)
        # cancelled is final, for the ORM and for the database
        self._refused(self.manager, "l10n_mx_immex.pedimento", "action_confirm", draft.ids)

    # ------------------------------------------------------------------ the ledger
    def test_nobody_creates_a_ledger_row(self):
        vals = {
            "import_line_id": self.wire_line.id,
            "product_id": self.wire.id,
            "quantity": -40,
            "kind": "export",
            "date": "2026-03-01",
            "company_id": self.company.id,
        }
        for user in (self.manager, self.admin, self.auditor, self.whs):
            self._refused(user, "l10n_mx_immex.discharge", "create", None, [vals])
        with self.assertRaises(UserError):
            self.env["l10n_mx_immex.discharge"].sudo().create([vals])
        self.assertEqual(self.wire_line.qty_balance, 100)
        self.assertFalse(self.wire_line.discharge_ids)

    def test_auditor_writes_nothing(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100801", date(2026, 3, 1))
        self._deliver([(self.harness, 100)], exit_ped)  # needs 210 m: 110 m pending
        pending = self.env["l10n_mx_immex.discharge.pending"].search(
            [("product_id", "=", self.wire.id)]
        )
        self.assertTrue(pending)
        rows = self.env["l10n_mx_immex.discharge"].search_count([])
        self._refused(self.auditor, "l10n_mx_immex.discharge.pending", "action_settle", pending.ids)
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "regime_change",
                "date": date(2026, 3, 5),
                "company_id": self.company.id,
                "from_waste": False,
                "line_ids": [Command.create({"product_id": self.terminal.id, "quantity": 3})],
            }
        )
        for user in (self.auditor, self.whs):
            for method in ("action_done", "action_cancel", "action_load_waste"):
                self._refused(user, "l10n_mx_immex.exit.event", method, event.ids)
            with self.assertRaises(AccessError):
                self.env["l10n_mx_immex.reconstruction"].with_user(user).create(
                    {
                        "company_id": self.company.id,
                        "date_from": "2026-03-01",
                        "date_to": "2026-03-31",
                    }
                )
        self.assertEqual(self.env["l10n_mx_immex.discharge"].search_count([]), rows)
        self.assertEqual(event.state, "draft")
        self._refused(self.whs, "l10n_mx_immex.discharge.pending", "action_settle", pending.ids)
        # the IMMEX manager of the company may retry (nothing covers it yet)
        self._rpc(self.manager, "l10n_mx_immex.discharge.pending", "action_settle", pending.ids)
        self.assertEqual(set(pending.mapped("state")), {"pending"})
        # a late entry settles it
        self._import("26  24  3420  6000809", date(2026, 2, 1), [(self.wire, 500)])
        self.assertEqual(set(pending.mapped("state")), {"settled"})

    def test_done_exit_event_cannot_be_replayed(self):
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "regime_change",
                "date": date(2026, 3, 5),
                "company_id": self.company.id,
                "from_waste": False,
                "line_ids": [Command.create({"product_id": self.terminal.id, "quantity": 3})],
            }
        )
        self._rpc(self.manager, "l10n_mx_immex.exit.event", "action_done", event.ids)
        line = self.ped.line_ids.filtered(lambda ln: ln.product_id == self.terminal)
        self.assertAlmostEqual(line.qty_balance, 497)
        # back to draft to discharge twice, or a larger quantity after the fact: refused
        self._refused(
            self.manager, "l10n_mx_immex.exit.event", "write", event.ids, {"state": "draft"}
        )
        self._refused(
            self.manager, "l10n_mx_immex.exit.event", "write", event.ids, {"date": "2026-01-01"}
        )
        self._refused(
            self.manager,
            "l10n_mx_immex.exit.event.line",
            "write",
            event.line_ids.ids,
            {"quantity": 300},
        )
        self._refused(self.manager, "l10n_mx_immex.exit.event", "action_done", event.ids)
        self.assertAlmostEqual(line.qty_balance, 497)

    # ------------------------------------------------------------------ companies
    def test_manager_of_one_company_cannot_rerun_another(self):
        other = self.env["res.company"].create({"name": "Planta B", "country_id": self.mx.id})
        other_mgr = self._new_user(
            "g_mgr_b",
            "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager",
            company=other,
        )
        Wizard = self.env["l10n_mx_immex.reconstruction"].with_user(other_mgr)
        wizard = Wizard.with_context(allowed_company_ids=other.ids).create(
            {"company_id": self.company.id, "date_from": "2026-03-01", "date_to": "2026-03-31"}
        )
        with self.assertRaises(AccessError):
            wizard.action_run()
        with self.assertRaises(AccessError):
            call_kw(
                Wizard,
                "action_run",
                [wizard.ids],
                {"context": dict(OLD_BYPASS, allowed_company_ids=other.ids)},
            )
        # nor through the service, even under sudo(): the real user counts
        service = self.env["l10n_mx_immex.discharge.service"].with_user(other_mgr).sudo()
        with self.assertRaises(AccessError):
            service.env["l10n_mx_immex.discharge.reversal"]._reverse_period(
                self.company, date(2026, 3, 1), date(2026, 3, 31)
            )
        with self.assertRaises(AccessError):
            service.env["l10n_mx_immex.discharge.pending"]._settle_pending(self.company, self.wire)
        # nor on the other company's pending findings
        exit_ped = self._exit_pedimento("26  24  3420  6100802", date(2026, 3, 1))
        self._deliver([(self.harness, 100)], exit_ped)
        pending = self.env["l10n_mx_immex.discharge.pending"].search([])
        self.assertTrue(pending)
        with self.assertRaises(AccessError):
            pending.with_user(other_mgr).with_context(
                allowed_company_ids=other.ids
            ).sudo().action_settle()
        # the company's own manager may
        wizard = (
            self.env["l10n_mx_immex.reconstruction"]
            .with_user(self.manager)
            .create(
                {"company_id": self.company.id, "date_from": "2026-03-01", "date_to": "2026-03-31"}
            )
        )
        wizard.action_preview()
        wizard.action_run()
        self.assertEqual(wizard.state, "done")
        self._refused(self.manager, "l10n_mx_immex.reconstruction", "action_run", wizard.ids)

    # ------------------------------------------------------------------ products
    def test_product_classification_only_by_immex_managers(self):
        tmpl = self.wire.product_tmpl_id
        for fname, value in (
            ("l10n_mx_immex_type", "none"),
            ("l10n_mx_immex_fraction_id", False),
            ("l10n_mx_immex_uom_tariff_id", self.uom_m.id),
            ("l10n_mx_immex_tariff_factor", 1.0),
        ):
            self._refused(self.product_mgr, "product.template", "write", tmpl.ids, {fname: value})
            self._refused(
                self.product_mgr, "product.product", "write", self.wire.ids, {fname: value}
            )
        self.assertEqual(tmpl.l10n_mx_immex_type, "input")
        # writing the same value is no change
        tmpl.with_user(self.product_mgr).write({"l10n_mx_immex_type": "input", "name": "Cable"})
        self.assertEqual(tmpl.name, "Cable")

    def test_declassified_product_still_discharged(self):
        tmpl = self.terminal.product_tmpl_id
        Message = self.env["mail.message"]
        domain = [("model", "=", "product.template"), ("res_id", "=", tmpl.id)]
        before = Message.search(domain)
        tmpl.with_user(self.manager).l10n_mx_immex_type = "none"
        self.assertFalse(self.terminal.l10n_mx_immex_is_controlled)
        # the change of a product with Annex 24 history is on its chatter, old and new values
        posted = Message.search(domain) - before
        self.assertEqual(len(posted), 1)
        self.assertIn("Not controlled", posted[0].body)
        self.assertIn("Input", posted[0].body)
        exit_ped = self._exit_pedimento("26  24  3420  6100803", date(2026, 3, 1))
        self._deliver([(self.terminal, 600)], exit_ped)
        line = self.ped.line_ids.filtered(lambda ln: ln.product_id == self.terminal)
        self.assertAlmostEqual(line.qty_balance, 0.0)
        pending = self.env["l10n_mx_immex.discharge.pending"].search(
            [("product_id", "=", self.terminal.id)]
        )
        self.assertAlmostEqual(pending.quantity, 100.0)
        self.assertEqual(line.discharge_ids.kind, "return")

    # ------------------------------------------------------------------ lots, moves, pickings
    def test_lot_and_move_links_not_repointed(self):
        other = self._import("26  24  3420  6000805", date(2026, 1, 12), [(self.wire, 10)])
        picking = self._receive([(self.wire, 10)], pedimento=other)
        move = picking.move_ids
        self.assertEqual(move.l10n_mx_immex_pedimento_line_id, other.line_ids)
        for user in (self.whs, self.admin):
            self._refused(
                user,
                "stock.move",
                "write",
                move.ids,
                {"l10n_mx_immex_pedimento_line_id": self.wire_line.id},
            )
            self._refused(
                user,
                "stock.picking",
                "write",
                picking.ids,
                {"l10n_mx_immex_pedimento_id": self.ped.id},
            )
        lot = self.env["stock.lot"].create(
            {"name": "LOT-X", "product_id": self.wire.id, "company_id": self.company.id}
        )
        self._refused(
            self.whs,
            "stock.lot",
            "write",
            lot.ids,
            {"l10n_mx_immex_pedimento_line_id": self.wire_line.id},
        )
        self.assertFalse(lot.l10n_mx_immex_pedimento_line_id)

    # ------------------------------------------------------------------ SQL
    def _sql_refused(self, query, params=(), error=errors.InsufficientPrivilege, settings=True):
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(error):
            with self.env.cr.savepoint():
                if settings:
                    # the settings that once switched the guards off
                    self.env.cr.execute("SET LOCAL l10n_mx_immex.ledger_maintenance = 'on'")
                    self.env.cr.execute("SET LOCAL l10n_mx_immex.trusted_insert = 'on'")
                self.env.cr.execute(query, params)

    def test_database_guards_hold_whatever_the_session_sets(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100804", date(2026, 3, 1))
        self._deliver([(self.terminal, 10)], exit_ped)
        row = self.wire_line.search([("product_id", "=", self.terminal.id)]).discharge_ids
        self.assertEqual(len(row), 1)
        self._sql_refused("UPDATE l10n_mx_immex_discharge SET quantity = 1 WHERE id = %s", [row.id])
        self._sql_refused("DELETE FROM l10n_mx_immex_discharge WHERE id = %s", [row.id])
        self._sql_refused("TRUNCATE l10n_mx_immex_discharge")
        # fabricated rows: unknown line, negative discharge, reversal of nothing
        base = (
            "INSERT INTO l10n_mx_immex_discharge (import_line_id, product_id, quantity, date,"
            " kind, company_id, reversed_id) VALUES (%s, %s, %s, '2026-03-01', %s, %s, %s)"
        )
        line_id, product_id, company_id = self.wire_line.id, self.wire.id, self.company.id
        self._sql_refused(
            base,
            [999999999, product_id, 1, "export", company_id, None],
            error=errors.ForeignKeyViolation,
        )
        self._sql_refused(
            base,
            [line_id, product_id, -40, "export", company_id, None],
            error=errors.CheckViolation,
        )
        self._sql_refused(
            base,
            [line_id, product_id, -40, "reversal", company_id, None],
            error=errors.CheckViolation,
        )
        self._sql_refused(
            base,
            [line_id, product_id, float("nan"), "export", company_id, None],
            error=errors.CheckViolation,
        )
        # stored balances cannot go negative nor above the declared quantity
        self._sql_refused(
            "UPDATE l10n_mx_immex_pedimento_line SET qty_balance = -5 WHERE id = %s",
            [line_id],
            error=errors.CheckViolation,
        )
        self._sql_refused(
            "UPDATE l10n_mx_immex_pedimento_line SET qty_discharged = 150 WHERE id = %s",
            [line_id],
            error=errors.CheckViolation,
        )
        # a confirmed pedimento and its partidas keep their legal data
        for query in (
            "UPDATE l10n_mx_immex_pedimento SET name = '26  24  3420  6000999' WHERE id = %s",
            "UPDATE l10n_mx_immex_pedimento SET entry_date = '2025-01-01' WHERE id = %s",
            "UPDATE l10n_mx_immex_pedimento SET exchange_rate = 1 WHERE id = %s",
            "UPDATE l10n_mx_immex_pedimento SET state = 'draft' WHERE id = %s",
            "DELETE FROM l10n_mx_immex_pedimento WHERE id = %s",
        ):
            self._sql_refused(query, [self.ped.id])
        for query in (
            "UPDATE l10n_mx_immex_pedimento_line SET quantity = 1000 WHERE id = %s",
            "UPDATE l10n_mx_immex_pedimento_line SET product_id = product_id + 1 WHERE id = %s",
            "UPDATE l10n_mx_immex_pedimento_line SET value_usd = 0 WHERE id = %s",
            "DELETE FROM l10n_mx_immex_pedimento_line WHERE id = %s",
        ):
            self._sql_refused(query, [line_id])
        cancelled = self._import("26  24  3420  6000806", date(2026, 1, 12), [(self.wire, 10)])
        cancelled._immex_cancel("Duplicated")
        self.env.flush_all()
        self._sql_refused(
            "UPDATE l10n_mx_immex_pedimento SET state = 'confirmed' WHERE id = %s", [cancelled.id]
        )
        # nothing moved
        self.env.invalidate_all()
        self.assertEqual(self.wire_line.quantity, 100)
        self.assertEqual(self.ped.name, "26  24  3420  6000801")
        self.assertEqual(row.quantity, 10)
        # legitimate server writes still pass: balances follow the ledger
        self.assertAlmostEqual(row.import_line_id.qty_balance, 490)

    # ------------------------------------------------------------------ bad input
    def test_bad_pedimento_numbers(self):
        Ped = self.env["l10n_mx_immex.pedimento"].with_user(self.whs)
        for number, message in (
            ("26 24 3420 600\u200b1234", "invisible"),
            ("26\t24 3420 6001234", "invisible"),
            ("26 24 0000 6001234", "0000"),
            ("26 24 3420 6000000", "000000"),
            ("26 99 3420 6001234", "catalog"),
            ("9" * 4000, "Invalid pedimento number"),
        ):
            with self.assertRaisesRegex(ValidationError, message) as info:
                Ped.create({"name": number, "key_id": self.key_in.id, "entry_date": "2026-03-10"})
            self.assertLess(len(str(info.exception)), 400)

    def test_bad_quantities_and_units(self):
        draft = self._create_pedimento(number="26  24  3420  6000807")
        Line = self.env["l10n_mx_immex.pedimento.line"].with_user(self.whs)
        for qty in (float("nan"), float("inf"), -1.0, 0.0, 1e13):
            with self.assertRaises(ValidationError):
                Line.create({"pedimento_id": draft.id, "product_id": self.wire.id, "quantity": qty})
        # kilograms of goods kept in metres are not metres
        with self.assertRaisesRegex(ValidationError, "cannot be converted"):
            Line.create(
                {
                    "pedimento_id": draft.id,
                    "product_id": self.wire.id,
                    "quantity": 5,
                    "uom_id": self.uom_kg.id,
                }
            )
        Event = self.env["l10n_mx_immex.exit.event"].with_user(self.manager)
        for qty in (float("nan"), float("-inf"), -3.0, 0.0, 1e15):
            with self.assertRaises(ValidationError):
                Event.create(
                    {
                        "kind": "destruction",
                        "company_id": self.company.id,
                        "line_ids": [Command.create({"product_id": self.wire.id, "quantity": qty})],
                    }
                )
        # moves of controlled goods: no NaN, no absurd quantities, no foreign units
        picking = self._receive([(self.wire, 10)], pedimento=None, validate=False)
        move = picking.move_ids
        for vals in (
            {"product_uom_qty": float("nan")},
            {"product_uom_qty": -4.0},
            {"product_uom_qty": 1e13},
            {"product_uom": self.uom_kg.id},
        ):
            with self.assertRaises(ValidationError):
                move.with_user(self.whs).write(vals)


@tagged("post_install", "-at_install")
class TestJsonRpcGuards(HttpCase):
    """The same attacks over a real JSON-RPC session of a logged-in warehouse user."""

    def test_json_rpc_cannot_open_the_locks(self):
        product = self.env["product.product"].create(
            {"name": "Terminal RPC", "is_storable": True, "l10n_mx_immex_type": "input"}
        )
        ped = self.env["l10n_mx_immex.pedimento"].create(
            {
                "name": "26  24  3420  6000901",
                "key_id": self.env.ref("l10n_mx_immex_annex24.pedimento_key_in").id,
                "entry_date": "2026-03-10",
                "line_ids": [Command.create({"product_id": product.id, "quantity": 10})],
            }
        )
        ped.line_ids.fraction_id = self.env["l10n_mx_catalogs.c_fraccion"].search([], limit=1)
        ped.line_ids.uom_tariff_id = product.uom_id
        ped.action_confirm()
        new_test_user(self.env, login="rpc_whs", groups="stock.group_stock_user")
        self.authenticate("rpc_whs", "rpc_whs")

        def call(model, method, args):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": {"context": OLD_BYPASS},
                },
            )

        # the channel works: the user reads the pedimento
        self.assertEqual(
            call("l10n_mx_immex.pedimento", "read", [ped.ids, ["name"]])[0]["name"], ped.name
        )
        for model, method, args in (
            ("l10n_mx_immex.pedimento", "write", [ped.ids, {"name": "26 24 3420 6000999"}]),
            ("l10n_mx_immex.pedimento", "write", [ped.ids, {"state": "draft"}]),
            ("l10n_mx_immex.pedimento.line", "write", [ped.line_ids.ids, {"quantity": 1}]),
            ("l10n_mx_immex.pedimento.line", "write", [ped.line_ids.ids, {"qty_balance": 1e6}]),
            ("l10n_mx_immex.pedimento", "_immex_cancel", [ped.ids, "reason"]),
            ("l10n_mx_immex.pedimento", "action_cancel_wizard", [ped.ids]),
        ):
            with self.subTest(method=method, args=args[1:]), mute_logger("odoo.http"):
                with self.assertRaises(JsonRpcException) as info:
                    call(model, method, args)
                self.assertIn(
                    str(info.exception),
                    (
                        "odoo.exceptions.UserError",
                        "odoo.exceptions.AccessError",
                        "odoo.exceptions.ValidationError",
                    ),
                )
        ped.invalidate_recordset()
        self.assertEqual((ped.name, ped.state), ("26  24  3420  6000901", "confirmed"))
        self.assertEqual(ped.line_ids.quantity, 10)
        self.assertEqual(ped.line_ids.qty_balance, 10)
