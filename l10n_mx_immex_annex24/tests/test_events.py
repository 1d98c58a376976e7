# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plant events of issue 9: pedimento after the goods, returns to the supplier abroad,
directed discharges, A3 regularisation, keys with no Annex 24 effect, dropship and
consolidated pedimentos."""

from datetime import date, datetime
from unittest.mock import patch

from psycopg2 import errors

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .test_discharge import DischargeCommon


class EventsCommon(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.key_h1 = ref("l10n_mx_immex_annex24.pedimento_key_h1")
        cls.key_f4 = ref("l10n_mx_immex_annex24.pedimento_key_f4")
        cls.key_a3 = ref("l10n_mx_immex_annex24.pedimento_key_a3")
        cls.key_bm = ref("l10n_mx_immex_annex24.pedimento_key_bm")
        cls.key_i1 = ref("l10n_mx_immex_annex24.pedimento_key_i1")
        cls.Pending = cls.env["l10n_mx_immex.discharge.pending"]
        cls.warehouse_user = cls._new_user(
            "immex_events_wh", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user"
        )
        # every stock user is an IMMEX user (implied group): an internal user is not
        cls.stock_only_user = cls._new_user("immex_events_internal", "base.group_user")
        cls.manager = cls._new_user(
            "immex_events_mgr",
            "stock.group_stock_manager,l10n_mx_immex_annex24.group_immex_manager",
        )

    def _rows(self, moves):
        return self.Discharge.search([("move_id", "in", moves.ids)])

    def _pendings(self, exit_ped):
        return self.Pending.search([("exit_pedimento_id", "=", exit_ped.id)])

    def _rerun(self, date_from, date_to):
        """Re-run the period; returns the balance of every temporary line before and after."""
        Line = self.env["l10n_mx_immex.pedimento.line"]
        lines = Line.search([("company_id", "=", self.company.id), ("is_temporary", "=", True)])
        before = {line.id: line.qty_balance for line in lines}
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {"company_id": self.company.id, "date_from": date_from, "date_to": date_to}
        )
        wizard.action_preview()
        wizard.action_run()
        lines.invalidate_recordset()
        return before, {line.id: line.qty_balance for line in lines}

    def _return(self, picking, qty, pedimento=None):
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_ids=picking.ids, active_id=picking.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        if pedimento:
            wizard.l10n_mx_immex_pedimento_id = pedimento
        action = wizard.action_create_returns()
        return self._validate(self.env["stock.picking"].browse(action["res_id"]))


@tagged("post_install", "-at_install")
class TestPedimentoAfterTheGoods(EventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.l10n_mx_immex_missing_pedimento = "warn"

    def test_pedimento_attached_after_the_receipt_opens_balance_and_settles_pending(self):
        # 1 March: 30 terminals leave; no balance anywhere -> pending 30
        exit_ped = self._exit_pedimento("26  24  3420  6200001", date(2026, 3, 1))
        self._deliver([(self.terminal, 30)], exit_ped)
        pending = self._pendings(exit_ped)
        self.assertAlmostEqual(pending.quantity, 30.0)
        # the goods (cleared 20 Feb) were received without their pedimento (warn mode)
        receipt = self._receive([(self.terminal, 50)])
        self.assertFalse(receipt.move_ids.l10n_mx_immex_pedimento_line_id)
        finding = self.env["l10n_mx_immex.finding"].search(
            [("move_id", "in", receipt.move_ids.ids)]
        )
        self.assertEqual(finding.kind, "receipt_without_pedimento")
        ped = self._create_pedimento(
            number="26  24  3420  6200002",
            entry_date=date(2026, 2, 20),
            clearance_datetime=datetime(2026, 2, 20, 10, 0),
        )
        # through the done receipt's form, as the warehouse does
        with Form(receipt.with_user(self.warehouse_user)) as form:
            form.l10n_mx_immex_pedimento_id = ped
        line = self._line(ped, self.terminal)
        # line created from the move: 50 in; the pending 30 settles from it: 50 - 30 = 20
        self.assertEqual(ped.state, "confirmed")
        self.assertEqual(receipt.move_ids.l10n_mx_immex_pedimento_line_id, line)
        self.assertAlmostEqual(line.quantity, 50.0)
        self.assertEqual(pending.state, "settled")
        self.assertAlmostEqual(line.qty_balance, 20.0)
        self.assertEqual(pending.discharge_ids.date, date(2026, 3, 1))
        # the 48-hour clock counts from clearance, not from when the pedimento came
        self.assertEqual(ped.registration_deadline, datetime(2026, 2, 22, 10, 0))
        self.assertTrue(ped.is_late_registration)
        self.assertEqual(finding.state, "reviewed")

    def test_export_pedimento_attached_while_balances_are_held_queues_the_discharge(self):
        p1 = self._import("26  24  3420  6200010", date(2026, 1, 10), [(self.wire, 100)])
        delivery = self._deliver([(self.wire, 25)], self.env["l10n_mx_immex.pedimento"])
        exit_ped = self._exit_pedimento("26  24  3420  6200011", date(2026, 3, 5))
        service = type(self.env["l10n_mx_immex.discharge.service"])
        original = service._lock_balances

        def lock(svc, line_ids, balances, nowait=False):
            if nowait:  # another exit holds the balances
                raise errors.LockNotAvailable("could not obtain lock on row")
            return original(svc, line_ids, balances, nowait)

        with patch.object(service, "_lock_balances", lock):
            delivery.with_user(self.warehouse_user).write(
                {"l10n_mx_immex_pedimento_id": exit_ped.id}
            )
        self.assertEqual(delivery.move_ids.l10n_mx_immex_discharge_state, "queued")
        self.assertFalse(self._rows(delivery.move_ids))
        self.env["l10n_mx_immex.discharge.queue"]._process(self.company)
        rows = self._rows(delivery.move_ids)
        # discharged by the queue at the pedimento's date: 100 - 25 = 75
        self.assertEqual(rows.date, date(2026, 3, 5))
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 75.0)

    def test_no_effect_pedimento_on_done_delivery_replaced_by_the_right_one(self):
        p1 = self._import("26  24  3420  6200012", date(2026, 1, 10), [(self.wire, 100)])
        bm = self._exit_pedimento("26  24  3420  6200013", date(2026, 3, 5), key=self.key_bm)
        delivery = self._deliver([(self.wire, 30)], bm)
        self.assertFalse(self._rows(delivery.move_ids))  # BM: no Annex 24 effect
        rt = self._exit_pedimento("26  24  3420  6200014", date(2026, 3, 6))
        delivery.with_user(self.warehouse_user).write({"l10n_mx_immex_pedimento_id": rt.id})
        rows = self._rows(delivery.move_ids)
        # now an RT exit: 30 m from P1 at the RT's date, 100 - 30 = 70
        self.assertEqual(rows.date, date(2026, 3, 6))
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 70.0)
        trail = self.env["l10n_mx_immex.log"].search(
            [("model_name", "=", "stock.picking"), ("res_id", "=", delivery.id)]
        )
        self.assertEqual(trail.changes, {"l10n_mx_immex_pedimento_id": [bm.name, rt.name]})
        self.assertEqual(trail.user_id, self.warehouse_user)
        # recorded under RT now: no way back
        with self.assertRaises(UserError):
            delivery.with_user(self.manager).write({"l10n_mx_immex_pedimento_id": bm.id})

    def test_pedimento_attached_to_done_receipt_needs_an_immex_user(self):
        receipt = self._receive([(self.terminal, 5)])
        ped = self._create_pedimento(number="26  24  3420  6200003", entry_date=date(2026, 2, 1))
        for ctx in ({}, {"l10n_mx_immex_server_write": True, "active_test": False}):
            with self.assertRaises(AccessError):
                receipt.with_user(self.stock_only_user).with_context(**ctx).write(
                    {"l10n_mx_immex_pedimento_id": ped.id}
                )
        auditor = self._new_user("immex_events_auditor", "l10n_mx_immex_annex24.group_sat_auditor")
        with self.assertRaises(AccessError):
            receipt.with_user(auditor).write({"l10n_mx_immex_pedimento_id": ped.id})
        self.assertFalse(receipt.l10n_mx_immex_pedimento_id)
        self.assertFalse(ped.line_ids)

    def test_pedimento_replaced_on_done_receipt_is_refused(self):
        receipt = self._receive([(self.terminal, 40)])
        ped = self._create_pedimento(number="26  24  3420  6200004", entry_date=date(2026, 2, 1))
        receipt.with_user(self.warehouse_user).write({"l10n_mx_immex_pedimento_id": ped.id})
        exit_ped = self._exit_pedimento("26  24  3420  6200005", date(2026, 3, 1))
        self._deliver([(self.terminal, 10)], exit_ped, stock=False)
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 30.0)  # 40 - 10
        other = self._create_pedimento(number="26  24  3420  6200006", entry_date=date(2026, 2, 2))
        with self.assertRaises(UserError):
            receipt.with_user(self.manager).write({"l10n_mx_immex_pedimento_id": other.id})
        with self.assertRaises(UserError):
            receipt.with_user(self.manager).write({"l10n_mx_immex_pedimento_id": False})
        self.assertEqual(receipt.l10n_mx_immex_pedimento_id, ped)
        self.assertFalse(other.line_ids)

    def test_export_pedimento_attached_after_delivery_discharges_at_its_date(self):
        p1 = self._import("26  24  3420  6200007", date(2026, 1, 10), [(self.wire, 100)])
        no_ped = self.env["l10n_mx_immex.pedimento"]
        delivery = self._deliver([(self.wire, 40)], no_ped)
        self.assertFalse(self._rows(delivery.move_ids))
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 100.0)
        exit_ped = self._exit_pedimento("26  24  3420  6200008", date(2026, 3, 5))
        delivery.with_user(self.warehouse_user).write({"l10n_mx_immex_pedimento_id": exit_ped.id})
        rows = self._rows(delivery.move_ids)
        # 40 m in the same state, from P1: 100 - 40 = 60, dated at the exit pedimento
        self.assertEqual(rows.mapped("quantity"), [40.0])
        self.assertEqual(rows.kind, "return")
        self.assertEqual(rows.date, date(2026, 3, 5))
        self.assertEqual(rows.exit_pedimento_id, exit_ped)
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 60.0)
        self.assertEqual(exit_ped.state, "confirmed")
        # attaching it again (same pedimento) changes nothing; another one is refused
        delivery.write({"l10n_mx_immex_pedimento_id": exit_ped.id})
        self.assertEqual(len(self._rows(delivery.move_ids)), 1)
        other = self._exit_pedimento("26  24  3420  6200009", date(2026, 3, 6))
        with self.assertRaises(UserError):
            delivery.with_user(self.manager).write({"l10n_mx_immex_pedimento_id": other.id})


@tagged("post_install", "-at_install")
class TestReturnToSupplier(EventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an older balance FIFO would take first
        cls.p_old = cls._import("26  24  3420  6300001", date(2026, 1, 10), [(cls.terminal, 100)])

    def _received(self, qty=60):
        ped = self._create_pedimento(
            number="26  24  3420  6300002",
            entry_date=date(2026, 2, 10),
            lines=[(self.terminal, qty)],
        )
        receipt = self._receive([(self.terminal, qty)], pedimento=ped)
        return ped, receipt

    def test_return_to_supplier_discharges_the_receipts_own_line_first(self):
        ped, receipt = self._received()
        exit_ped = self._exit_pedimento("26  24  3420  6300003", date(2026, 3, 1), key=self.key_h1)
        back = self._return(receipt, 40, exit_ped)
        self.assertEqual(back.l10n_mx_immex_pedimento_id, exit_ped)
        rows = self._rows(back.move_ids)
        # the very goods: 40 from the receipt's line (60 - 40 = 20), not FIFO's older P_old
        self.assertEqual(rows.import_line_id, self._line(ped, self.terminal))
        self.assertEqual(rows.mapped("quantity"), [40.0])
        self.assertEqual(rows.kind, "return")
        self.assertEqual(rows.date, date(2026, 3, 1))
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 20.0)
        self.assertAlmostEqual(self._line(self.p_old, self.terminal).qty_balance, 100.0)

    def test_return_to_supplier_under_a_declaration_follows_the_declaration(self):
        ped, receipt = self._received()
        exit_ped = self._exit_pedimento("26  24  3420  6300013", date(2026, 3, 1), key=self.key_h1)
        old_line = self._line(self.p_old, self.terminal)
        exit_ped.descargo_ids = [Command.create({"import_line_id": old_line.id, "quantity": 15})]
        back = self._return(receipt, 40, exit_ped)
        rows = self._rows(back.move_ids)
        # declared 15 on P_old (100 - 15 = 85); the other 25 from the receipt's own line
        self.assertAlmostEqual(sum(rows.filtered("is_directed").mapped("quantity")), 15.0)
        self.assertAlmostEqual(old_line.qty_balance, 85.0)
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 35.0)  # 60 - 25

    def test_return_wizard_refuses_an_import_pedimento(self):
        ped, receipt = self._received()
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_ids=receipt.ids, active_id=receipt.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 5
        wizard.l10n_mx_immex_pedimento_id = ped
        with self.assertRaises(UserError):
            wizard.action_create_returns()
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 60.0)

    def test_return_to_supplier_beyond_its_line_takes_the_rest_fifo(self):
        ped, receipt = self._received()
        # the plant destroyed 150 on 20 Feb: FIFO took P_old's 100 and 50 of the 60
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "destruction",
                "reference": "Acta 1",
                "from_waste": False,
                "date": date(2026, 2, 20),
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.terminal.id, "quantity": 150})],
            }
        )
        event.action_done()
        # 60 - 50 = 10 left on the receipt's line
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 10.0)
        self._stock(self.terminal, 100)
        self._import("26  24  3420  6300005", date(2026, 2, 15), [(self.terminal, 100)])
        exit_ped = self._exit_pedimento("26  24  3420  6300006", date(2026, 3, 1), key=self.key_h1)
        back = self._return(receipt, 30, exit_ped)
        rows = self._rows(back.move_ids)
        # own line first (10), then FIFO for the other 20 (the 15 Feb entry)
        by_line = {r.import_line_id.pedimento_id.name: r.quantity for r in rows}
        self.assertEqual(by_line, {ped.name: 10.0, "26  24  3420  6300005": 20.0})

    def test_returning_a_return_before_crossing_reopens_then_discharges_again(self):
        ped, receipt = self._received()
        line = self._line(ped, self.terminal)
        exit_ped = self._exit_pedimento("26  24  3420  6300007", date(2026, 3, 1), key=self.key_h1)
        back = self._return(receipt, 40, exit_ped)
        self.assertAlmostEqual(line.qty_balance, 20.0)  # 60 - 40
        # the goods come back before crossing (no import pedimento): the exit is reversed
        again = self._return(back, 40)
        self.assertFalse(self.env["l10n_mx_immex.finding"].search([("picking_id", "=", again.id)]))
        self.assertAlmostEqual(line.qty_balance, 60.0)  # 20 + 40 given back
        self.assertEqual(line.qty_discharged, 0.0)
        # and returning them again discharges again, still from their own line
        exit_ped2 = self._exit_pedimento("26  24  3420  6300008", date(2026, 3, 9), key=self.key_h1)
        third = self._return(again, 25, exit_ped2)
        rows = self._rows(third.move_ids)
        self.assertEqual(rows.import_line_id, line)
        self.assertAlmostEqual(line.qty_balance, 35.0)  # 60 - 25
        self.assertAlmostEqual(self._line(self.p_old, self.terminal).qty_balance, 100.0)

    def test_rerun_after_returns_to_the_supplier_changes_no_balance(self):
        ped, receipt = self._received()
        line = self._line(ped, self.terminal)
        exit_ped = self._exit_pedimento("26  24  3420  6300012", date(2026, 3, 1), key=self.key_h1)
        back = self._return(receipt, 40, exit_ped)
        self._return(back, 10)  # 10 came back before crossing: 60 - 40 + 10 = 30
        self.assertAlmostEqual(line.qty_balance, 30.0)
        before, after = self._rerun(date(2026, 3, 1), False)  # through the last discharge
        self.assertEqual(after, before)
        self.assertAlmostEqual(line.qty_balance, 30.0)
        self.assertAlmostEqual(self._line(self.p_old, self.terminal).qty_balance, 100.0)

    def test_plain_delivery_to_the_supplier_abroad_discharges_fifo(self):
        ped, __ = self._received()
        exit_ped = self._exit_pedimento("26  24  3420  6300011", date(2026, 3, 1), key=self.key_h1)
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.supplier_us.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.supplier_location.id,
                "l10n_mx_immex_pedimento_id": exit_ped.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.terminal.id,
                            "product_uom_qty": 110,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.supplier_location.id,
                        }
                    )
                ],
            }
        )
        self._stock(self.terminal, 50)
        self._validate(picking)
        rows = self._rows(picking.move_ids)
        # no receipt named: FIFO, P_old (10 Jan) 100 then the 10 Feb line 10 (60 - 10 = 50)
        self.assertEqual(set(rows.mapped("kind")), {"return"})
        self.assertAlmostEqual(self._line(self.p_old, self.terminal).qty_balance, 0.0)
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 50.0)

    def test_return_coming_back_under_a_new_import_opens_a_new_balance(self):
        ped, receipt = self._received()
        exit_ped = self._exit_pedimento("26  24  3420  6300009", date(2026, 3, 1), key=self.key_h1)
        back = self._return(receipt, 40, exit_ped)
        new_ped = self._create_pedimento(
            number="26  24  3420  6300010", entry_date=date(2026, 4, 1)
        )
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_ids=back.ids, active_id=back.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 40
        again = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        again.l10n_mx_immex_pedimento_id = new_ped
        self._validate(again)
        # crossed and re-imported: the return stays discharged (20 left), a new 40 opens
        self.assertAlmostEqual(self._line(ped, self.terminal).qty_balance, 20.0)
        self.assertAlmostEqual(self._line(new_ped, self.terminal).qty_balance, 40.0)


@tagged("post_install", "-at_install")
class TestDirectedDischarges(EventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import("26  24  3420  6400001", date(2026, 1, 10), [(cls.wire, 100)])
        cls.p2 = cls._import("26  24  3420  6400002", date(2026, 2, 10), [(cls.wire, 100)])

    def _declared_exit(self, number, descargos, key=None, when=date(2026, 3, 1)):
        ped = self._exit_pedimento(number, when, key=key or self.key_h1)
        ped.descargo_ids = [Command.create(vals) for vals in descargos]
        return ped

    def test_directed_discharge_follows_the_declared_line_not_fifo(self):
        p2_line = self._line(self.p2, self.wire)
        exit_ped = self._declared_exit(
            "26  24  3420  6400003", [{"import_line_id": p2_line.id, "quantity": 30}]
        )
        picking = self._deliver([(self.wire, 50)], exit_ped)
        rows = self._rows(picking.move_ids)
        directed = rows.filtered("is_directed")
        # 30 declared on P2 (100 - 30 = 70); the other 20 FIFO from P1 (100 - 20 = 80)
        self.assertEqual(directed.import_line_id, p2_line)
        self.assertAlmostEqual(directed.quantity, 30.0)
        fifo_rows = rows - directed
        self.assertEqual(fifo_rows.import_line_id, self._line(self.p1, self.wire))
        self.assertAlmostEqual(fifo_rows.quantity, 20.0)
        self.assertAlmostEqual(p2_line.qty_balance, 70.0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 80.0)
        # a second delivery under the same pedimento: the declaration is used up -> FIFO
        second = self._deliver([(self.wire, 10)], exit_ped)
        self.assertFalse(self._rows(second.move_ids).filtered("is_directed"))
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 70.0)

    def test_directed_discharge_found_by_declared_number_and_partida(self):
        p2_line = self._line(self.p2, self.wire)
        exit_ped = self._declared_exit(
            "26  24  3420  6400004",
            [
                {
                    "import_pedimento_name": "26-24-3420-6400002",
                    "import_line_sequence": p2_line.sequence,
                    "quantity": 15,
                }
            ],
        )
        picking = self._deliver([(self.wire, 15)], exit_ped)
        rows = self._rows(picking.move_ids)
        self.assertTrue(all(rows.mapped("is_directed")))
        self.assertEqual(rows.import_line_id, p2_line)
        self.assertAlmostEqual(p2_line.qty_balance, 85.0)  # 100 - 15

    def test_declared_line_without_enough_balance_gives_a_directed_pending(self):
        p2_line = self._line(self.p2, self.wire)
        exit_ped = self._declared_exit(
            "26  24  3420  6400005", [{"import_line_id": p2_line.id, "quantity": 150}]
        )
        self._deliver([(self.wire, 150)], exit_ped)
        # P2 holds 100 of the 150 declared: 100 taken, 50 pending; P1 untouched
        self.assertAlmostEqual(p2_line.qty_balance, 0.0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 100.0)
        pending = self._pendings(exit_ped)
        self.assertEqual(pending.reason, "directed")
        self.assertAlmostEqual(pending.quantity, 50.0)
        # a new balance does not settle a declared discharge by FIFO
        self._import("26  24  3420  6400006", date(2026, 2, 20), [(self.wire, 80)])
        self.assertEqual(pending.state, "pending")

    def test_directed_regime_change_f4_takes_the_declared_line(self):
        p2_line = self._line(self.p2, self.wire)
        f4 = self._create_pedimento(
            number="26  24  3420  6400007",
            key=self.key_f4,
            regime_id=False,
            entry_date=date(2026, 3, 2),
        )
        f4.descargo_ids = [Command.create({"import_line_id": p2_line.id, "quantity": 12})]
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "regime_change",
                "pedimento_id": f4.id,
                "from_waste": False,
                "date": date(2026, 3, 2),
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.wire.id, "quantity": 12})],
            }
        )
        event.with_user(self.manager).action_done()
        rows = event.discharge_ids
        self.assertEqual(rows.kind, "regime_change")
        self.assertTrue(rows.is_directed)
        self.assertEqual(rows.import_line_id, p2_line)
        self.assertAlmostEqual(p2_line.qty_balance, 88.0)  # 100 - 12
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 100.0)

    def test_rerun_after_directed_discharges_keeps_them_directed(self):
        p2_line = self._line(self.p2, self.wire)
        exit_ped = self._declared_exit(
            "26  24  3420  6400011", [{"import_line_id": p2_line.id, "quantity": 30}]
        )
        self._deliver([(self.wire, 50)], exit_ped)
        before, after = self._rerun(date(2026, 3, 1), date(2026, 3, 31))
        # P2 100 - 30 declared = 70, P1 100 - 20 FIFO = 80, before and after
        self.assertEqual(after, before)
        self.assertAlmostEqual(p2_line.qty_balance, 70.0)
        rows = self.Discharge.search(
            [("exit_pedimento_id", "=", exit_ped.id), ("kind", "!=", "reversal")]
        )
        reversed_rows = self.Discharge.search([("reversed_id", "in", rows.ids)]).reversed_id
        standing = rows - reversed_rows
        # the re-run wrote the declaration again: 30 directed on P2, 20 FIFO on P1
        directed = standing.filtered("is_directed")
        self.assertEqual(directed.import_line_id, p2_line)
        self.assertAlmostEqual(sum(directed.mapped("quantity")), 30.0)
        self.assertAlmostEqual(sum((standing - directed).mapped("quantity")), 20.0)

    def test_declared_expired_line_is_taken_only_by_a3(self):
        old = self._import("24  24  3420  4400010", date(2024, 1, 12), [(self.wire, 40)])
        old_line = self._line(old, self.wire)  # expired 12 Jul 2025
        exit_ped = self._declared_exit(
            "26  24  3420  6400010", [{"import_line_id": old_line.id, "quantity": 10}]
        )
        self._deliver([(self.wire, 10)], exit_ped)
        pending = self._pendings(exit_ped)
        self.assertEqual(pending.reason, "expired")
        self.assertAlmostEqual(pending.quantity, 10.0)
        self.assertAlmostEqual(old_line.qty_balance, 40.0)

    def test_declared_discharges_of_a_confirmed_pedimento_are_frozen(self):
        p2_line = self._line(self.p2, self.wire)
        exit_ped = self._declared_exit(
            "26  24  3420  6400008", [{"import_line_id": p2_line.id, "quantity": 5}]
        )
        self._deliver([(self.wire, 5)], exit_ped)
        self.assertEqual(exit_ped.state, "confirmed")
        descargo = exit_ped.descargo_ids
        with self.assertRaises(UserError):
            descargo.with_user(self.manager).with_context(l10n_mx_immex_server_write=True).write(
                {"quantity": 50}
            )
        with self.assertRaises(UserError):
            descargo.with_user(self.manager).unlink()
        with self.assertRaises(UserError):
            self.env["l10n_mx_immex.pedimento.descargo"].with_user(self.manager).create(
                {"pedimento_id": exit_ped.id, "import_line_id": p2_line.id, "quantity": 1}
            )
        # a declaration names a temporary-import line of the same good
        other = self._exit_pedimento("26  24  3420  6400012", date(2026, 3, 3))
        with self.assertRaises(ValidationError):
            other.descargo_ids = [
                Command.create(
                    {"import_line_id": p2_line.id, "product_id": self.terminal.id, "quantity": 1}
                )
            ]
        # a warehouse user only reads declarations
        draft = self._exit_pedimento("26  24  3420  6400009", date(2026, 3, 3))
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.pedimento.descargo"].with_user(self.warehouse_user).create(
                {"pedimento_id": draft.id, "import_line_id": p2_line.id, "quantity": 1}
            )
        self.assertAlmostEqual(descargo.quantity, 5.0)


@tagged("post_install", "-at_install")
class TestRegularisationA3(EventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # inputs: 18 months -> expire 12 Jul 2025 and 1 Sep 2025
        cls.old1 = cls._import("24  24  3420  4500001", date(2024, 1, 12), [(cls.terminal, 500)])
        cls.old2 = cls._import("24  24  3420  4500002", date(2024, 3, 1), [(cls.terminal, 200)])
        cls.fresh = cls._import("26  24  3420  6500003", date(2026, 1, 10), [(cls.terminal, 100)])
        cls.a3 = cls._create_pedimento(
            number="26  24  3420  6500004",
            key=cls.key_a3,
            regime_id=False,
            entry_date=date(2026, 3, 2),
        )

    def _event(self, kind, qty, pedimento=None):
        return self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": kind,
                "pedimento_id": pedimento.id if pedimento else False,
                "reference": "Acta A3",
                "from_waste": False,
                "date": date(2026, 3, 2),
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.terminal.id, "quantity": qty})],
            }
        )

    def test_a3_regularisation_takes_expired_balances_oldest_first(self):
        event = self._event("regularization", 600, self.a3)
        event.with_user(self.manager).action_done()
        # expired only, oldest first: 500 from Jan 2024, 100 of the 200 of Mar 2024
        self.assertAlmostEqual(self._line(self.old1, self.terminal).qty_balance, 0.0)
        self.assertAlmostEqual(self._line(self.old2, self.terminal).qty_balance, 100.0)
        self.assertAlmostEqual(self._line(self.fresh, self.terminal).qty_balance, 100.0)
        self.assertEqual(set(event.discharge_ids.mapped("kind")), {"regularization"})
        # the expired balance left open is listed
        expired = self.env["l10n_mx_immex.pedimento.line"].search(
            [("company_id", "=", self.company.id), ("balance_state", "=", "expired")]
        )
        self.assertEqual(expired, self._line(self.old2, self.terminal))
        action = self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_pedimento_line_action_expired")
        self.assertEqual(action.context, "{'search_default_filter_expired': 1}")

    def test_rerun_after_a3_regularisation_changes_no_balance(self):
        self._event("regularization", 600, self.a3).with_user(self.manager).action_done()
        before, after = self._rerun(date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual(after, before)
        self.assertAlmostEqual(self._line(self.old2, self.terminal).qty_balance, 100.0)
        self.assertAlmostEqual(self._line(self.fresh, self.terminal).qty_balance, 100.0)

    def test_a3_beyond_the_expired_balances_is_pending_not_fifo(self):
        event = self._event("regularization", 800, self.a3)
        event.with_user(self.manager).action_done()
        # 700 expired in all: 100 pending, the valid balance is not touched
        self.assertAlmostEqual(self._line(self.fresh, self.terminal).qty_balance, 100.0)
        pending = self.Pending.search([("event_id", "=", event.id)])
        self.assertEqual(pending.reason, "not_expired")
        self.assertAlmostEqual(pending.quantity, 100.0)

    def test_a3_follows_the_lines_it_declares(self):
        self.a3.descargo_ids = [
            Command.create(
                {"import_line_id": self._line(self.old2, self.terminal).id, "quantity": 150}
            )
        ]
        event = self._event("regularization", 150, self.a3)
        event.with_user(self.manager).action_done()
        self.assertAlmostEqual(self._line(self.old2, self.terminal).qty_balance, 50.0)  # 200-150
        self.assertAlmostEqual(self._line(self.old1, self.terminal).qty_balance, 500.0)
        self.assertTrue(all(event.discharge_ids.mapped("is_directed")))

    def test_only_a3_takes_expired_balances(self):
        exit_ped = self._exit_pedimento("26  24  3420  6500005", date(2026, 3, 2))
        self._deliver([(self.terminal, 150)], exit_ped)
        # FIFO skips both expired balances: fresh 100, 50 pending (expired)
        self.assertAlmostEqual(self._line(self.old1, self.terminal).qty_balance, 500.0)
        self.assertAlmostEqual(self._line(self.fresh, self.terminal).qty_balance, 0.0)
        self.assertEqual(self._pendings(exit_ped).reason, "expired")
        # a regularisation without A3, or an A3 that is not a regularisation: refused
        with self.assertRaises(UserError):
            self._event("regularization", 10).with_user(self.manager).action_done()
        with self.assertRaises(UserError):
            self._event("destruction", 10, self.a3).with_user(self.manager).action_done()
        # a warehouse user does not regularise
        with self.assertRaises(AccessError):
            self._event("regularization", 10, self.a3).with_user(self.warehouse_user).action_done()
        self.assertAlmostEqual(self._line(self.old1, self.terminal).qty_balance, 500.0)


@tagged("post_install", "-at_install")
class TestKeysWithoutEffect(EventsCommon):
    def test_bm_export_for_repair_discharges_nothing_and_i1_return_opens_no_balance(self):
        af = self._create_pedimento(
            number="26  24  3420  6600001",
            key=self.key_af,
            entry_date=date(2026, 1, 10),
            lines=[(self.machine, 2)],
        )
        af.action_confirm()
        af_line = self._line(af, self.machine)
        self.assertAlmostEqual(af_line.qty_balance, 2.0)
        bm = self._exit_pedimento("26  24  3420  6600002", date(2026, 3, 1), key=self.key_bm)
        out = self._deliver([(self.machine, 1)], bm)
        self.assertFalse(self._rows(out.move_ids))
        self.assertAlmostEqual(af_line.qty_balance, 2.0)
        self.assertFalse(self.env["l10n_mx_immex.finding"].search([("picking_id", "=", out.id)]))
        self.assertAlmostEqual(self.machine.l10n_mx_immex_qty_out_for_repair, 1.0)
        # back from repair under I1: no new balance, no refusal (the company blocks
        # temporary imports without pedimento)
        i1 = self._create_pedimento(
            number="26  24  3420  6600003",
            key=self.key_i1,
            regime_id=False,
            entry_date=date(2026, 4, 1),
        )
        back = self._receive([(self.machine, 1)], pedimento=i1)
        self.assertEqual(back.state, "done")
        self.assertFalse(i1.line_ids)
        self.assertFalse(back.move_ids.l10n_mx_immex_pedimento_line_id)
        self.assertAlmostEqual(af_line.qty_balance, 2.0)
        self.machine.invalidate_recordset(["l10n_mx_immex_qty_out_for_repair"])
        self.assertAlmostEqual(self.machine.l10n_mx_immex_qty_out_for_repair, 0.0)

    def test_complementary_pedimento_on_an_exit_discharges_nothing(self):
        p1 = self._import("26  24  3420  6600004", date(2026, 1, 10), [(self.wire, 100)])
        ct = self._exit_pedimento(
            "26  24  3420  6600005",
            date(2026, 3, 1),
            key=self.env.ref("l10n_mx_immex_annex24.pedimento_key_ct"),
        )
        out = self._deliver([(self.wire, 20)], ct)
        self.assertFalse(self._rows(out.move_ids))
        self.assertAlmostEqual(self._line(p1, self.wire).qty_balance, 100.0)
        self.assertFalse(self._pendings(ct))


@tagged("post_install", "-at_install")
class TestDropship(EventsCommon):
    def test_dropship_from_vendor_abroad_to_customer_abroad_opens_no_balance(self):
        # the company blocks temporary imports without pedimento: a dropship is none
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.supplier_us.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.terminal.id,
                            "product_uom_qty": 25,
                            "location_id": self.supplier_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        self.assertFalse(picking.l10n_mx_immex_needs_pedimento)
        self._validate(picking)
        self.assertFalse(picking.move_ids.l10n_mx_immex_pedimento_line_id)
        self.assertFalse(
            self.env["l10n_mx_immex.pedimento.line"].search([("product_id", "=", self.terminal.id)])
        )
        self.assertFalse(
            self.env["l10n_mx_immex.finding"].search([("picking_id", "=", picking.id)])
        )


@tagged("post_install", "-at_install")
class TestConsolidated(EventsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # weekly consolidated pedimento: remesas from Monday 2 March, closes Friday 6 March
        cls.weekly = cls._create_pedimento(
            number="26  24  3420  6700001",
            entry_date=date(2026, 3, 2),
            is_consolidated=True,
            closing_date=date(2026, 3, 6),
            lines=[(cls.terminal, 100)],
        )
        cls.weekly.action_confirm()
        cls.single = cls._import("26  24  3420  6700002", date(2026, 3, 4), [(cls.terminal, 50)])

    def test_consolidated_remesa_leaves_before_the_weekly_pedimento_closes(self):
        weekly_line = self._line(self.weekly, self.terminal)
        # the clock starts at the closing date: 6 Mar 2026 + 18 months
        self.assertEqual(weekly_line.fifo_date, date(2026, 3, 6))
        self.assertEqual(weekly_line.expiry_date, date(2027, 9, 6))
        exit_ped = self._exit_pedimento("26  24  3420  6700003", date(2026, 3, 4))
        self._deliver([(self.terminal, 120)], exit_ped)
        # Wednesday 4 March: both eligible; FIFO by closing date puts the single pedimento
        # (4 Mar) before the weekly one (6 Mar): 50 + 70; weekly keeps 100 - 70 = 30
        self.assertAlmostEqual(self._line(self.single, self.terminal).qty_balance, 0.0)
        self.assertAlmostEqual(weekly_line.qty_balance, 30.0)
        self.assertFalse(self._pendings(exit_ped))

    def test_consolidated_goods_cannot_leave_before_the_first_remesa(self):
        exit_ped = self._exit_pedimento("26  24  3420  6700004", date(2026, 3, 1))
        self._deliver([(self.terminal, 10)], exit_ped)
        self.assertAlmostEqual(self._line(self.weekly, self.terminal).qty_balance, 100.0)
        pending = self._pendings(exit_ped)
        self.assertEqual(pending.reason, "no_balance")
        self.assertAlmostEqual(pending.quantity, 10.0)

    def test_consolidated_and_later_exit_settles_in_fifo_order(self):
        exit_ped = self._exit_pedimento("26  24  3420  6700005", date(2026, 3, 9))
        self._deliver([(self.terminal, 60)], exit_ped)
        # 9 March: single (4 Mar) 50 first, then weekly (6 Mar) 10
        self.assertAlmostEqual(self._line(self.single, self.terminal).qty_balance, 0.0)
        self.assertAlmostEqual(self._line(self.weekly, self.terminal).qty_balance, 90.0)
