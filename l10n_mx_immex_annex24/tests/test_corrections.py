# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Corrections that keep FIFO true: effective dates, LIFO give-backs of returns (lots,
pendings), waste takes, rounding dust."""

from datetime import date

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import Form, tagged

from ..immex.quantities import TOLERANCE
from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestCorrections(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # terminals: A (Jan) 50, B (Feb) 100; wire: W1 (Jan) 100, W2 (Feb) 100
        cls.ped_a = cls._import("26  24  3420  6000901", date(2026, 1, 10), [(cls.terminal, 50)])
        cls.ped_b = cls._import("26  24  3420  6000902", date(2026, 2, 10), [(cls.terminal, 100)])
        cls.w1 = cls._import("26  24  3420  6000903", date(2026, 1, 12), [(cls.wire, 100)])
        cls.w2 = cls._import("26  24  3420  6000904", date(2026, 2, 12), [(cls.wire, 100)])
        cls.stock_user = cls._new_user("immex_corr_stock", "stock.group_stock_user")
        cls.manager = cls._new_user(
            "immex_corr_manager",
            "stock.group_stock_manager,l10n_mx_immex_annex24.group_immex_manager",
        )
        cls.Pending = cls.env["l10n_mx_immex.discharge.pending"]
        cls.Waste = cls.env["l10n_mx_immex.waste"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _return(self, picking, qty, lot=None, user=None):
        """Validate a return of ``qty`` of the delivery (of ``lot`` when given)."""
        env = picking.with_user(user).env if user else picking.env
        wizard = Form(
            env["stock.return.picking"].with_context(
                active_id=picking.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = qty
        ret = env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        move = ret.move_ids
        if lot:
            move.move_line_ids.unlink()
            env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": ret.id,
                    "product_id": move.product_id.id,
                    "lot_id": lot.id,
                    "quantity": qty,
                    "location_id": move.location_id.id,
                    "location_dest_id": move.location_dest_id.id,
                }
            )
        else:
            move.quantity = qty
        move.picked = True
        ret.button_validate()
        self.assertEqual(ret.state, "done")
        return ret

    def _balances(self):
        lines = (self.ped_a | self.ped_b | self.w1 | self.w2).line_ids
        lines.invalidate_recordset()
        return {line.id: round(line.qty_balance, 6) for line in lines}

    def _rerun(self, date_from=date(2026, 3, 1), date_to=False):
        # through the last discharge (a return of today is one), previewed first
        wizard = self.env["l10n_mx_immex.reconstruction"].create(
            {"company_id": self.company.id, "date_from": date_from, "date_to": date_to}
        )
        wizard.action_preview()
        wizard.action_run()
        return wizard

    def _assert_rerun_changes_nothing(self):
        before = self._balances()
        wizard = self._rerun()
        self.assertEqual(self._balances(), before)
        self.assertIn("No pedimento line changed", wizard.summary)

    def _ledger_as_of(self, line, day):
        """What the ledger says was discharged from ``line`` as of ``day`` (effective)."""
        rows = self.Discharge.search([("import_line_id", "=", line.id), ("date", "<=", day)])
        return round(sum(rows.mapped("quantity")), 6)

    # ------------------------------------------------------------------
    # 1. effective vs recorded date
    # ------------------------------------------------------------------
    def test_return_in_december_of_april_exit_restores_april_balance(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100901", date(2026, 4, 10))
        picking = self._deliver([(self.terminal, 80)], exit_ped)
        line_a, line_b = self.ped_a.line_ids, self.ped_b.line_ids
        # FIFO: A 50, B 30; the return of 30 (validated today, December) gives back B 30
        ret = self._return(picking, 30)
        reversal = self.Discharge.search(
            [("kind", "=", "reversal"), ("move_id", "=", picking.move_ids.id)]
        )
        self.assertEqual(reversal.import_line_id, line_b)
        self.assertAlmostEqual(reversal.quantity, -30.0)
        # effective at the exit's date, recorded when the return was made
        self.assertEqual(reversal.date, date(2026, 4, 10))
        self.assertFalse(reversal.corrects_date)
        self.assertEqual(reversal.create_date.date(), fields.Date.to_date(ret.date_done))
        # as of April 30 the goods that never left count as never discharged: B 30 - 30 = 0
        self.assertAlmostEqual(self._ledger_as_of(line_b, date(2026, 4, 30)), 0.0)
        self.assertAlmostEqual(self._ledger_as_of(line_a, date(2026, 4, 30)), 50.0)
        # and as of March 31 nothing had left
        self.assertAlmostEqual(self._ledger_as_of(line_a, date(2026, 3, 31)), 0.0)
        self.assertAlmostEqual(line_b.qty_balance, 100.0)

    def test_return_of_closed_period_exit_stays_visible_after_the_lock(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100902", date(2026, 3, 5))
        picking = self._deliver([(self.terminal, 80)], exit_ped)
        self.company.write({"l10n_mx_immex_lock_date": date(2026, 3, 31)})
        # a context key never opens the lock nor dates the correction back into March
        picking = picking.with_context(l10n_mx_immex_allow_locked=True, force_date="2026-03-05")
        self._return(picking, 30)
        reversal = self.Discharge.search(
            [("kind", "=", "reversal"), ("move_id", "=", picking.move_ids.id)]
        )
        # March's reports stay as closed: the correction takes effect April 1 and names
        # the date it corrects (B gave back 30: latest consumed)
        self.assertEqual(reversal.date, date(2026, 4, 1))
        self.assertEqual(reversal.corrects_date, date(2026, 3, 5))
        self.assertEqual(reversal.import_line_id, self.ped_b.line_ids)
        self.assertAlmostEqual(self._ledger_as_of(self.ped_b.line_ids, date(2026, 3, 31)), 30.0)
        self.assertAlmostEqual(self._ledger_as_of(self.ped_b.line_ids, date(2026, 4, 1)), 0.0)

    def test_cancelled_event_is_reversed_at_its_own_date(self):
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "regime_change",
                "date": date(2026, 3, 20),
                "from_waste": False,
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.terminal.id, "quantity": 60})],
            }
        )
        event.action_done()
        event.action_cancel()
        reversals = self.Discharge.search([("event_id", "=", event.id), ("kind", "=", "reversal")])
        self.assertEqual(set(reversals.mapped("date")), {date(2026, 3, 20)})
        self.assertAlmostEqual(sum(reversals.mapped("quantity")), -60.0)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 50.0)

    # ------------------------------------------------------------------
    # 2. partial returns give back the latest consumed first
    # ------------------------------------------------------------------
    def test_partial_return_gives_back_latest_consumed_first(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100903", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 120)], exit_ped)
        # FIFO: A 50, B 70. 30 come back: 90 really left, FIFO on 90 = A 50, B 40
        self._return(picking, 30)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 0.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 60.0)  # 100 - 40
        self._assert_rerun_changes_nothing()
        # 50 more: 40 really left = A 40; B's 40 and 10 of A go back
        self._return(picking, 50)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 10.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 100.0)
        self._assert_rerun_changes_nothing()

    def test_two_partial_returns_and_full_return_of_finished_goods(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100904", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 60)], exit_ped)
        # BOM: 60 x (2 m + 5 %) = 126 m (W1 100, W2 26); 60 x 4 = 240 terminals (A 50, B 100,
        # 90 pending); desperdicio 60 x 2 m x 10 % = 12 m
        pending = self.Pending.search([("move_id", "=", picking.move_ids.id)])
        self.assertAlmostEqual(pending.quantity, 90.0)
        waste = self.Waste.search([("move_id", "=", picking.move_ids.id)])
        self.assertAlmostEqual(waste.quantity, 12.0)
        # 18 harnesses (30 %) back: 37.8 m back, W2 26 then W1 11.8; 72 terminals: the
        # pending shrinks first (90 -> 18), no balance given back yet
        self._return(picking, 18)
        self.assertAlmostEqual(self.w1.line_ids.qty_balance, 11.8)
        self.assertAlmostEqual(self.w2.line_ids.qty_balance, 100.0)
        self.assertAlmostEqual(pending.qty_cancelled, 72.0)
        self.assertAlmostEqual(pending.qty_open, 18.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 0.0)
        self.assertAlmostEqual(waste.qty_open, 8.4)  # 12 x 70 %
        self._assert_rerun_changes_nothing()
        pending = self.Pending.search(
            [("move_id", "=", picking.move_ids.id), ("state", "=", "pending")]
        )
        # 18 more (30 % of the delivery, not of what was left): 24 really left
        # wire 24 x 2.1 = 50.4 m (W1); terminals 96 = A 50 + B 46: pending 18 closes,
        # then 54 of B go back
        self._return(picking, 18)
        self.assertAlmostEqual(self.w1.line_ids.qty_balance, 100 - 50.4)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 54.0)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 0.0)
        self.assertEqual(pending.state, "cancelled")
        waste = self.Waste.search(
            [("move_id", "=", picking.move_ids.id), ("state", "!=", "superseded")]
        )
        self.assertAlmostEqual(waste.qty_open, 4.8)  # 12 x 40 %, not 12 x 49 %
        self._assert_rerun_changes_nothing()
        # the rest comes back: nothing stays discharged
        self._return(picking, 24)
        self.assertAlmostEqual(self.w1.line_ids.qty_balance, 100.0)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 50.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 100.0)
        waste = self.Waste.search(
            [("move_id", "=", picking.move_ids.id), ("state", "!=", "superseded")]
        )
        self.assertEqual(waste.state, "returned")
        self._assert_rerun_changes_nothing()
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    # ------------------------------------------------------------------
    # 3. lots
    # ------------------------------------------------------------------
    def test_partial_return_of_lot_tracked_delivery_gives_back_its_lots(self):
        tape = self._create_product(
            "Tape lot C",
            "TAPE-C",
            uom=self.uom_unit,
            immex_type="input",
            fraction=self.fraction_wire,
            umt=self.uom_unit,
            tracking="lot",
        )
        old = self._create_pedimento(number="26  24  3420  6000910", entry_date=date(2026, 1, 5))
        self._receive([(tape, 40)], pedimento=old, lots={tape: "TAPE-C-OLD"})
        new = self._create_pedimento(number="26  24  3420  6000911", entry_date=date(2026, 2, 5))
        self._receive([(tape, 40)], pedimento=new, lots={tape: "TAPE-C-NEW"})
        lot_old = self.env["stock.lot"].search([("name", "=", "TAPE-C-OLD")])
        lot_new = self.env["stock.lot"].search([("name", "=", "TAPE-C-NEW")])
        exit_ped = self._exit_pedimento("26  24  3420  6100910", date(2026, 3, 1))
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.customer.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "l10n_mx_immex_pedimento_id": exit_ped.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": tape.id,
                            "product_uom_qty": 20,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        for lot in (lot_old, lot_new):
            self.env["stock.move.line"].create(
                {
                    "move_id": move.id,
                    "picking_id": picking.id,
                    "product_id": tape.id,
                    "lot_id": lot.id,
                    "quantity": 10,
                    "location_id": self.stock_location.id,
                    "location_dest_id": self.customer_location.id,
                }
            )
        move.picked = True
        picking.button_validate()
        self.assertAlmostEqual(old.line_ids.qty_balance, 30.0)
        self.assertAlmostEqual(new.line_ids.qty_balance, 30.0)
        # the OLD lot comes back: its line is given back, not the latest consumed (NEW)
        self._return(picking, 6, lot=lot_old)
        self.assertAlmostEqual(old.line_ids.qty_balance, 36.0)
        self.assertAlmostEqual(new.line_ids.qty_balance, 30.0)
        before = {line: line.qty_balance for line in (old | new).line_ids}
        wizard = self._rerun()
        self.assertIn("No pedimento line changed", wizard.summary)
        (old | new).line_ids.invalidate_recordset()
        self.assertEqual({line: line.qty_balance for line in (old | new).line_ids}, before)

    # ------------------------------------------------------------------
    # 4. pendings
    # ------------------------------------------------------------------
    def test_return_cancels_its_own_open_pending_first(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100905", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 180)], exit_ped)
        pending = self.Pending.search([("move_id", "=", picking.move_ids.id)])
        self.assertAlmostEqual(pending.quantity, 30.0)  # 180 - A 50 - B 100
        # 20 back: 160 left, the pending shrinks to 10, no balance comes back
        self._return(picking, 20)
        self.assertEqual(pending.state, "pending")
        self.assertAlmostEqual(pending.qty_open, 10.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 0.0)
        # 20 more: the pending is gone (cancelled), then B gives back 10
        self._return(picking, 20)
        self.assertEqual(pending.state, "cancelled")
        self.assertAlmostEqual(pending.qty_open, 0.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 10.0)
        self._assert_rerun_changes_nothing()

    def test_return_of_an_exit_nothing_covered_cancels_its_pending(self):
        seal = self._create_product(
            "Seal C",
            "SEAL-C",
            uom=self.uom_unit,
            immex_type="input",
            fraction=self.fraction_wire,
            umt=self.uom_unit,
        )
        exit_ped = self._exit_pedimento("26  24  3420  6100913", date(2026, 3, 1))
        picking = self._deliver([(seal, 10)], exit_ped)
        pending = self.Pending.search([("move_id", "=", picking.move_ids.id)])
        self.assertAlmostEqual(pending.quantity, 10.0)  # no balance at all: 10 pending
        self.assertFalse(self.Discharge.search([("move_id", "=", picking.move_ids.id)]))
        self._return(picking, 4)
        self.assertEqual(pending.state, "pending")
        self.assertAlmostEqual(pending.qty_open, 6.0)
        self._return(picking, 6)
        self.assertEqual(pending.state, "cancelled")
        self.assertAlmostEqual(pending.qty_cancelled, 10.0)

    def test_settled_pending_stays_settled_when_its_goods_return(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100906", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 180)], exit_ped)
        pending = self.Pending.search([("move_id", "=", picking.move_ids.id)])
        # a late entry cleared before the exit settles the 30
        late = self._create_pedimento(number="26  24  3420  6000920", entry_date=date(2026, 2, 20))
        self._receive([(self.terminal, 100)], pedimento=late)
        self.assertEqual(pending.state, "settled")
        self.assertAlmostEqual(late.line_ids.qty_balance, 70.0)
        # 20 back: the latest in FIFO order is the late entry (Feb 20): it gets 20 back;
        # the pending does not come back to life, 20 of it never left
        self._return(picking, 20)
        self.assertEqual(pending.state, "settled")
        self.assertAlmostEqual(pending.qty_open, 0.0)
        self.assertAlmostEqual(pending.qty_settled, 10.0)
        self.assertAlmostEqual(pending.qty_cancelled, 20.0)
        self.assertAlmostEqual(late.line_ids.qty_balance, 90.0)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 0.0)
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    def test_cancelled_exit_pedimento_never_revives_its_settled_pending(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100907", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 180)], exit_ped)
        pending = self.Pending.search([("move_id", "=", picking.move_ids.id)])
        late = self._create_pedimento(number="26  24  3420  6000921", entry_date=date(2026, 2, 20))
        self._receive([(self.terminal, 100)], pedimento=late)
        self.assertEqual(pending.state, "settled")
        exit_ped._immex_cancel("Never crossed")
        self.assertEqual(pending.state, "cancelled")
        self.assertAlmostEqual(pending.qty_open, 0.0)
        self.assertAlmostEqual(late.line_ids.qty_balance, 100.0)
        self.assertAlmostEqual(self.ped_a.line_ids.qty_balance, 50.0)

    # ------------------------------------------------------------------
    # 5. waste
    # ------------------------------------------------------------------
    def _event(self, day, qty, reference="Acta 1"):
        return self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "destruction",
                "date": day,
                "reference": reference,
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.wire.id, "quantity": qty})],
            }
        )

    def test_waste_of_a_returned_delivery_never_drops_below_what_an_event_took(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100908", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 60)], exit_ped)
        waste = self.Waste.search([("move_id", "=", picking.move_ids.id)])
        event = self._event(date(2026, 3, 10), 10)
        event.action_done()
        self.assertAlmostEqual(waste.qty_discharged, 10.0)
        self.assertAlmostEqual(waste.qty_open, 2.0)
        # the whole delivery comes back: its 12 m of waste would go, but 10 were destroyed
        self._return(picking, 60)
        self.assertAlmostEqual(waste.qty_returned, 2.0)
        self.assertAlmostEqual(waste.qty_open, 0.0)
        self.assertEqual(waste.state, "discharged")
        self.assertEqual(waste.take_ids.event_id, event)

    def test_cancelling_one_event_restores_only_its_own_take(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100909", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 60)], exit_ped)  # 12 m of waste
        waste = self.Waste.search([("move_id", "=", picking.move_ids.id)])
        first = self._event(date(2026, 3, 10), 4, "Acta 1")
        first.action_done()
        second = self._event(date(2026, 3, 12), 5, "Acta 2")
        second.action_done()
        self.assertAlmostEqual(waste.qty_discharged, 9.0)
        self.assertEqual(waste.event_id, second)
        first.action_cancel()
        # only the first event's 4 m come back; the second keeps its 5 m
        self.assertAlmostEqual(waste.qty_discharged, 5.0)
        self.assertAlmostEqual(waste.qty_open, 7.0)
        self.assertEqual(waste.state, "pending")
        self.assertEqual(waste.event_id, second)
        self.assertEqual(waste.take_ids.filtered(lambda t: t.state == "done").event_id, second)
        self.assertEqual(waste.take_ids.filtered(lambda t: t.state == "cancelled").event_id, first)

    def test_event_cannot_take_waste_recorded_after_its_date(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100911", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 60)], exit_ped)
        waste = self.Waste.search([("move_id", "=", picking.move_ids.id)])
        self.assertEqual(waste.date, date(2026, 3, 1))
        early = self.env["l10n_mx_immex.exit.event"].create(
            {"kind": "destruction", "date": date(2026, 2, 20), "company_id": self.company.id}
        )
        early.action_load_waste()
        self.assertFalse(early.line_ids)
        early.write(
            {
                "reference": "Acta 0",
                "line_ids": [Command.create({"product_id": self.wire.id, "quantity": 3})],
            }
        )
        early.action_done()
        self.assertFalse(self.env["l10n_mx_immex.waste.take"].search([("event_id", "=", early.id)]))
        self.assertAlmostEqual(waste.qty_open, 12.0)

    # ------------------------------------------------------------------
    # 6. rounding
    # ------------------------------------------------------------------
    def test_one_third_per_unit_times_three_units_leaves_no_dust(self):
        glue = self._create_product(
            "Glue C",
            "GLUE-C",
            uom=self.uom_unit,
            immex_type="input",
            fraction=self.fraction_wire,
            umt=self.uom_unit,
        )
        ped = self._import("26  24  3420  6000930", date(2026, 1, 10), [(glue, 1)])
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        base = {
            "product_id": glue.id,
            "move_id": False,
            "production_id": False,
            "finished_product_id": False,
            "line_id": False,
            "date": date(2026, 3, 1),
        }
        # three units of a good that takes 1/3 each: 0.333333 + 0.333333 + 0.333334 = 1
        for __ in range(3):
            service._discharge([dict(base, qty=1 / 3)], self.company, "export")
        line = ped.line_ids
        rows = self.Discharge.search([("import_line_id", "=", line.id)])
        self.assertEqual(sorted(rows.mapped("quantity")), [0.333333, 0.333333, 0.333334])
        self.assertAlmostEqual(sum(rows.mapped("quantity")), 1.0, places=9)
        self.assertLess(abs(line.qty_balance), TOLERANCE)
        self.assertEqual(line.balance_state, "closed")
        self.assertIn(
            line,
            self.env["l10n_mx_immex.pedimento.line"].search([("balance_state", "=", "closed")]),
        )
        self.assertFalse(self.Pending.search([("product_id", "=", glue.id)]))

    # ------------------------------------------------------------------
    # security
    # ------------------------------------------------------------------
    def test_warehouse_user_return_and_rpc_cannot_reach_the_give_back(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100912", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 120)], exit_ped)
        # an ordinary warehouse user validates the return: the server gives back LIFO
        self._return(picking, 30, user=self.stock_user)
        self.assertAlmostEqual(self.ped_b.line_ids.qty_balance, 60.0)
        rows = self.Discharge.search([("move_id", "=", picking.move_ids.id)])
        reversal = self.env["l10n_mx_immex.discharge.reversal"].with_user(self.stock_user)
        for method, args in (
            ("_reverse_returned", [[]]),
            ("_give_back", [rows.ids, {self.terminal.id: 50}]),
            ("_net_of_returns", [[], [], []]),
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                call_kw(reversal, method, args, {})
        pending = self.Pending.with_user(self.stock_user)
        waste = self.Waste.with_user(self.stock_user)
        for model, method, args in (
            (pending, "_refresh_pendings", [[], {1: 5.0}]),
            (waste, "_return_share", [[], 1.0]),
            (waste, "_release_event", [[]]),
        ):
            with self.subTest(method=method), self.assertRaises(AccessError):
                call_kw(model.with_context(l10n_mx_immex_allow_locked=True), method, args, {})
        # the stored correction figures are the server's: no write, no take fabricated
        harnesses = self._deliver([(self.harness, 10)], exit_ped)
        waste = self.Waste.search([("move_id", "=", harnesses.move_ids.id)])
        self.assertAlmostEqual(waste.quantity, 2.0)  # 10 x 2 m x 10 %
        with self.assertRaises(AccessError):
            waste.with_user(self.manager).write({"qty_returned": 2.0})
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.waste.take"].with_user(self.manager).create(
                {
                    "waste_id": 1,
                    "event_id": 1,
                    "quantity": 1,
                    "date": date(2026, 3, 1),
                    "company_id": self.company.id,
                }
            )
        # a ledger row is never written by hand, a reversal least of all
        with self.assertRaises(UserError):
            self.Discharge.sudo().create({"reversed_id": rows[:1].id, "quantity": -1})

    # ------------------------------------------------------------------
    # 8. set-based inserts fill what extending modules add
    # ------------------------------------------------------------------
    def test_set_based_insert_fills_defaults_and_computations_of_extensions(self):
        """Fields the caller does not give (as a module extending the model adds them) get
        their defaults in the same statement and their stored computations at the flush;
        a context default never slips a value in."""
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        service = service.with_context(default_state="discharged", default_qty_returned=9.0)
        # the caller names neither state (default) nor qty_discharged/event_id (computed)
        ids = service._insert_rows(
            "l10n_mx_immex.waste",
            [
                {
                    "product_id": self.wire.id,
                    "quantity": 3.0,
                    "date": date(2026, 3, 1),
                    "source": "scrap",
                    "company_id": self.company.id,
                }
            ],
        )
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT state, qty_discharged, qty_returned FROM l10n_mx_immex_waste WHERE id = %s",
            ids,
        )
        self.assertEqual(self.env.cr.fetchone(), ("pending", 0.0, None))
        self.assertEqual(self.Waste.browse(ids).qty_open, 3.0)
