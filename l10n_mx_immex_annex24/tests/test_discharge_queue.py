# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from psycopg2 import errors

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_discharge import DischargeCommon

SERVICE = "odoo.addons.l10n_mx_immex_annex24.models.l10n_mx_immex_discharge_service"


@tagged("post_install", "-at_install")
class TestDischargeQueue(DischargeCommon):
    """An exit whose balances another exit holds is queued, never failed nor lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import("26  24  3420  6000201", date(2026, 1, 10), [(cls.wire, 100)])
        cls.p2 = cls._import("26  24  3420  6000202", date(2026, 2, 10), [(cls.wire, 100)])
        cls.Queue = cls.env["l10n_mx_immex.discharge.queue"]

    def _held_balances(self):
        """The service's lock on the balances fails as when another exit holds them."""
        original = type(self.env["l10n_mx_immex.discharge.service"])._lock_balances

        def lock(service, line_ids, balances, nowait=False):
            if nowait:
                raise errors.LockNotAvailable("could not obtain lock on row")
            return original(service, line_ids, balances, nowait)

        return patch.object(
            type(self.env["l10n_mx_immex.discharge.service"]), "_lock_balances", lock
        )

    def test_held_balance_queues_the_exit_then_discharges_it(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100201", date(2026, 3, 2))
        with self._held_balances():
            picking = self._deliver([(self.wire, 30)], exit_ped)
        move = picking.move_ids
        # validated, nothing discharged yet, and it says so
        self.assertEqual(picking.state, "done")
        self.assertEqual(move.l10n_mx_immex_discharge_state, "queued")
        self.assertTrue(picking.l10n_mx_immex_discharge_queued)
        self.assertIn(
            picking,
            self.env["stock.picking"].search([("l10n_mx_immex_discharge_queued", "=", True)]),
        )
        self.assertFalse(self.Discharge.search([("move_id", "=", move.id)]))
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 100.0)
        self.assertIn("queued", picking.message_ids[0].body)
        # the exit lines come with the discharge: confirming the exit pedimento seals its
        # lines and writes the trail, whose chain heads concurrent exits share
        self.assertEqual(exit_ped.state, "draft")
        self.assertFalse(exit_ped.line_ids)

        done = self.Queue._process(self.company)
        self.assertEqual(exit_ped.state, "confirmed")
        self.assertAlmostEqual(sum(exit_ped.line_ids.mapped("quantity")), 30.0)
        self.assertEqual(exit_ped.line_ids.move_ids, move)
        self.assertEqual(done, move)
        self.assertFalse(move.l10n_mx_immex_discharge_state)
        self.assertFalse(picking.l10n_mx_immex_discharge_queued)
        rows = self.Discharge.search([("move_id", "=", move.id)])
        self.assertEqual(rows.import_line_id, self._line(self.p1, self.wire))
        self.assertAlmostEqual(sum(rows.mapped("quantity")), 30.0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 70.0)
        self.assertAlmostEqual(self._line(self.p2, self.wire).qty_balance, 100.0)
        # a second run finds nothing left
        self.assertFalse(self.Queue._process(self.company))

    def test_later_exit_queues_behind_a_waiting_one_and_fifo_follows_exit_dates(self):
        # The March exit is validated first and queued. The January exit, validated next
        # with no lock trouble, must not discharge on its own: the March exit would then
        # be discharged after it, and FIFO must follow exit dates, not validation order.
        march = self._exit_pedimento("26  24  3420  6100202", date(2026, 3, 2))
        with self._held_balances():
            first = self._deliver([(self.wire, 120)], march)
        self.assertEqual(first.move_ids.l10n_mx_immex_discharge_state, "queued")
        january = self._exit_pedimento("26  24  3420  6100203", date(2026, 1, 20))
        second = self._deliver([(self.wire, 80)], january)
        # no lock trouble this time, but an older exit waits: it queues too
        self.assertEqual(second.move_ids.l10n_mx_immex_discharge_state, "queued")
        self.assertFalse(self.Discharge.search([("move_id", "in", second.move_ids.ids)]))

        self.Queue._process(self.company)
        # exit-date order: the 20 January exit takes 80 of P1 (the only line cleared by
        # then), the March exit the remaining 20 of P1 and 100 of P2
        jan_rows = self.Discharge.search([("move_id", "in", second.move_ids.ids)])
        self.assertEqual(jan_rows.import_line_id, self._line(self.p1, self.wire))
        self.assertAlmostEqual(sum(jan_rows.mapped("quantity")), 80.0)
        mar_rows = self.Discharge.search([("move_id", "in", first.move_ids.ids)])
        by_line = {row.import_line_id: row.quantity for row in mar_rows}
        self.assertAlmostEqual(by_line[self._line(self.p1, self.wire)], 20.0)
        self.assertAlmostEqual(by_line[self._line(self.p2, self.wire)], 100.0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 0.0)
        self.assertAlmostEqual(self._line(self.p2, self.wire).qty_balance, 0.0)
        self.assertFalse(
            self.env["l10n_mx_immex.discharge.pending"].search(
                [("exit_pedimento_id", "in", (march | january).ids)]
            )
        )

    def test_failed_queue_group_stays_queued(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100204", date(2026, 3, 2))
        with self._held_balances():
            picking = self._deliver([(self.wire, 10)], exit_ped)
        with (
            patch(SERVICE + ".L10nMxImmexDischargeService._discharge", side_effect=ValueError),
            self.assertLogs(
                "odoo.addons.l10n_mx_immex_annex24.models.l10n_mx_immex_discharge_queue",
                level="ERROR",
            ),
        ):
            self.assertFalse(self.Queue._process(self.company))
        self.assertEqual(picking.move_ids.l10n_mx_immex_discharge_state, "queued")
        self.assertFalse(self.Discharge.search([("move_id", "in", picking.move_ids.ids)]))
        # the next run (the scheduled action) completes it
        self.assertEqual(self.Queue._process(self.company), picking.move_ids)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 90.0)

    def test_queue_state_is_not_writable_by_users(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100205", date(2026, 3, 2))
        with self._held_balances():
            picking = self._deliver([(self.wire, 10)], exit_ped)
        move = picking.move_ids
        user = self._new_user("queue_whs", "stock.group_stock_user")
        manager = self._new_user(
            "queue_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        # taking an exit out of the queue would leave it never discharged
        for who in (user, manager):
            with self.assertRaises(AccessError):
                move.with_user(who).write({"l10n_mx_immex_discharge_state": False})
        with self.assertRaises(AccessError):
            move.write({"l10n_mx_immex_discharge_state": False})
        # nor can a new move be created already queued or un-queued
        with self.assertRaises(AccessError):
            self.env["stock.move"].with_user(manager).create(
                {
                    "product_id": self.wire.id,
                    "product_uom_qty": 1,
                    "location_id": self.stock_location.id,
                    "location_dest_id": self.customer_location.id,
                    "l10n_mx_immex_discharge_state": "queued",
                }
            )
        self.assertEqual(move.l10n_mx_immex_discharge_state, "queued")
        # the scheduled action is what completes the queue
        cron = self.env.ref("l10n_mx_immex_annex24.ir_cron_discharge_queue")
        self.assertTrue(cron.active)
        self.assertEqual(cron.code.strip(), "model._cron_run()")
        self.assertEqual(self.Queue._process(self.company), move)
        self.assertFalse(move.l10n_mx_immex_discharge_state)
