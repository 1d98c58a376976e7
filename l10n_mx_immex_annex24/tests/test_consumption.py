# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 9, consumption: national vs temporary split, partidas in another unit, lots,
exports of goods made before install, inventory losses, scrap and unbuild.

Every quantity is computed by hand in the comment next to its assertion.
"""

from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.service.model import call_kw
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import SQL

from .test_discharge import DischargeCommon

OLD_BYPASS = {"l10n_mx_immex_allow_locked": True, "l10n_mx_immex_server_write": True}


class ConsumptionCommon(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Pending = cls.env["l10n_mx_immex.discharge.pending"]
        cls.Waste = cls.env["l10n_mx_immex.waste"]
        cls.Finding = cls.env["l10n_mx_immex.finding"]
        cls.Usage = cls.env["l10n_mx_immex.material.usage"]
        # cartons the plant only buys in Mexico, classified as packaging all the same
        cls.box = cls._create_product(
            "Carton box",
            "BOX-1",
            uom=cls.uom_unit,
            immex_type="packaging",
            fraction=cls.fraction_terminal,
            umt=cls.uom_unit,
        )

    def _produce(self, product, qty, consumed, when="2026-02-01 12:00:00"):
        """A manufacturing order of ``qty`` consuming ``{component: qty}``, finished
        ``when`` (before the March exits of these tests unless said otherwise)."""
        for component, cqty in consumed.items():
            self._stock(component, cqty)
        mo_form = Form(self.env["mrp.production"])
        mo_form.product_id = product
        mo_form.product_qty = qty
        mo = mo_form.save()
        mo.action_confirm()
        mo.qty_producing = qty
        for move in mo.move_raw_ids:
            move.quantity = consumed.get(move.product_id, move.product_uom_qty)
            move.picked = True
        with freeze_time(when):
            mo.button_mark_done()
        self.assertEqual(mo.state, "done")
        return mo

    def _usage(self, mo, component):
        return mo.l10n_mx_immex_usage_ids.filtered(lambda u: u.component_id == component)

    def _rows(self, picking, product=None):
        rows = self.Discharge.search([("move_id", "in", picking.move_ids.ids)])
        return rows.filtered(lambda r: r.product_id == product) if product else rows

    def _pendings(self, exit_ped, product=None):
        pendings = self.Pending.search([("exit_pedimento_id", "=", exit_ped.id)])
        return pendings.filtered(lambda p: p.product_id == product) if product else pendings

    def _bom(self, product, lines):
        return self.env["mrp.bom"].create(
            {
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": self.company.id,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create({"product_id": component.id, "product_qty": qty})
                    for component, qty in lines
                ],
            }
        )

    def _finished(self, name, code):
        return self._create_product(
            name,
            code,
            uom=self.uom_unit,
            immex_type="finished",
            fraction=self.fraction_harness,
            umt=self.uom_unit,
        )


@tagged("post_install", "-at_install")
class TestNationalTemporarySplit(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 10 m of wire declared on a temporary import, 100 terminals
        cls.p1 = cls._import(
            "26  24  3420  6000901", date(2026, 1, 10), [(cls.wire, 10), (cls.terminal, 100)]
        )

    def test_box_bought_only_in_mexico_is_never_pending(self):
        packed = self._finished("Packed harness", "H-BOX")
        self._bom(packed, [(self.terminal, 2), (self.box, 1)])
        self._receive([(self.box, 50)], partner=self.supplier_mx)  # national purchase
        mo = self._produce(packed, 10, {self.terminal: 20, self.box: 10})
        box_usage = self._usage(mo, self.box)
        self.assertAlmostEqual(box_usage.qty_consumed, 10.0)
        self.assertAlmostEqual(box_usage.qty_national, 10.0)  # all of it national
        self.assertAlmostEqual(box_usage.qty_per_unit, 0.0)  # (10 - 10) / 10
        # 10 made here (real consumption) + 3 bought (BOM fallback), 5 boxes on their own
        self._stock(packed, 3)
        exit_ped = self._exit_pedimento("26  24  3420  6100901", date(2026, 3, 1))
        picking = self._deliver([(packed, 13), (self.box, 5)], exit_ped, stock=False)
        self.assertFalse(self._rows(picking, self.box))
        self.assertFalse(self._pendings(exit_ped, self.box))
        # the terminals did come in temporarily: 13 x 2 = 26 discharged from p1
        self.assertAlmostEqual(sum(self._rows(picking, self.terminal).mapped("quantity")), 26.0)
        self.assertAlmostEqual(self._line(self.p1, self.terminal).qty_balance, 74.0)
        self.assertFalse(self._pendings(exit_ped))

    def test_temporary_first_splits_at_the_temporary_stock_really_there(self):
        self._receive([(self.wire, 30)], partner=self.supplier_mx)  # 30 m national
        # temporary first: 10 m temporary (all p1 holds), the other 15 m national
        mo1 = self._produce(self.harness, 10, {self.wire: 25.0, self.terminal: 40.0})
        usage1 = self._usage(mo1, self.wire)
        self.assertEqual(usage1.regime_rule, "temporary_first")
        self.assertAlmostEqual(usage1.qty_national, 15.0)  # 25 - 10
        self.assertAlmostEqual(usage1.qty_per_unit, 1.0)  # 10 / 10
        # temporary stock now 10 - 10 = 0, national 30 - 15 = 15: all national
        pools = self.env["l10n_mx_immex.discharge.demand"]._stock_by_regime(
            self.company, [self.wire.id]
        )
        self.assertAlmostEqual(pools[self.wire.id]["temporary"], 0.0)
        self.assertAlmostEqual(pools[self.wire.id]["national"], 15.0)
        mo2 = self._produce(self.harness, 5, {self.wire: 10.0, self.terminal: 20.0})
        self.assertAlmostEqual(self._usage(mo2, self.wire).qty_national, 10.0)
        self.assertAlmostEqual(self._usage(mo2, self.wire).qty_per_unit, 0.0)
        # national 5 left; the other 5 m came from nowhere known: the wire was imported
        # temporarily before, so they count as temporary (a pending will show them)
        mo3 = self._produce(self.harness, 5, {self.wire: 10.0, self.terminal: 20.0})
        self.assertAlmostEqual(self._usage(mo3, self.wire).qty_national, 5.0)
        self.assertAlmostEqual(self._usage(mo3, self.wire).qty_per_unit, 1.0)  # 5 / 5
        exit_ped = self._exit_pedimento("26  24  3420  6100902", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 20)], exit_ped, stock=False)
        # mo1 10 x 1.0 = 10 m from p1 (its whole balance), mo2 nothing, mo3 5 x 1.0 = 5 m
        # with no balance left: a pending of 5 m, the only pending of the wire
        self.assertAlmostEqual(sum(self._rows(picking, self.wire).mapped("quantity")), 10.0)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 0.0)
        pending = self._pendings(exit_ped, self.wire)
        self.assertAlmostEqual(pending.quantity, 5.0)
        self.assertEqual(pending.production_id, mo3)
        # terminals: 20 x 4 = 80 of 100
        self.assertAlmostEqual(self._line(self.p1, self.terminal).qty_balance, 20.0)


@tagged("post_install", "-at_install")
class TestPartidaUnits(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.seal = cls._create_product(
            "Seal 3 mm",
            "SEAL-3",
            uom=cls.uom_unit,
            immex_type="input",
            fraction=cls.fraction_terminal,
            umt=cls.uom_unit,
        )
        # the broker declared 10 dozen seals; the plant counts them by the piece
        cls.ped = cls.env["l10n_mx_immex.pedimento"].create(
            {
                "name": "26  24  3420  6000911",
                "operation": "import",
                "key_id": cls.key_in.id,
                "regime_id": cls.regime_ite.id,
                "entry_date": date(2026, 1, 10),
                "partner_id": cls.supplier_us.id,
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": cls.seal.id,
                            "quantity": 10,
                            "uom_id": cls.uom_dozen.id,
                            "value_usd": 12.0,
                        }
                    )
                ],
            }
        )
        cls.ped.action_confirm()
        cls.seal_line = cls.ped.line_ids

    def test_partida_in_dozens_keeps_its_balance_in_units(self):
        line = self.seal_line
        self.assertAlmostEqual(line.quantity, 10.0)  # as declared: 10 dozen
        self.assertAlmostEqual(line.quantity_product, 120.0)  # 10 x 12 units
        self.assertAlmostEqual(line.quantity_tariff, 120.0)  # UMT piece
        self.assertAlmostEqual(line.qty_balance, 120.0)
        exit_ped = self._exit_pedimento("26  24  3420  6100911", date(2026, 3, 1))
        picking = self._deliver([(self.seal, 30)], exit_ped)
        row = self._rows(picking)
        self.assertAlmostEqual(row.quantity, 30.0)  # product unit
        self.assertAlmostEqual(row.quantity_tariff, 30.0)  # 30 x 120 / 120
        self.assertAlmostEqual(line.qty_discharged, 30.0)
        self.assertAlmostEqual(line.qty_balance, 90.0)  # 120 - 30, not 10 - 30
        self.assertAlmostEqual(line.qty_balance_tariff, 90.0)
        self.assertEqual(line.balance_state, "open")
        # 100 more: the 90 left, and 10 pending, in units
        exit2 = self._exit_pedimento("26  24  3420  6100912", date(2026, 3, 2))
        self._deliver([(self.seal, 100)], exit2)
        self.assertAlmostEqual(line.qty_balance, 0.0)
        self.assertEqual(line.balance_state, "closed")
        self.assertAlmostEqual(self._pendings(exit2).quantity, 10.0)
        # the stored balance agrees with the ledger and the declared quantity in units
        result = self.company.l10n_mx_immex_verify_integrity()
        self.assertFalse(
            [b for b in result["broken"] if b["model"] == "l10n_mx_immex.pedimento.line"]
        )

    def test_rectification_of_a_partida_in_dozens_adjusts_in_units(self):
        """An R1 that raises 10 dozen to 12 dozen gives 24 more units, not 2."""
        r1 = self.env["l10n_mx_immex.pedimento"].create(
            {
                "name": "26  24  3420  6000913",
                "operation": "import",
                "key_id": self.env.ref("l10n_mx_immex_annex24.pedimento_key_r1").id,
                "entry_date": date(2026, 4, 2),
                "partner_id": self.supplier_us.id,
                "company_id": self.company.id,
                "rectifies_id": self.ped.id,
                "line_ids": [
                    Command.create(
                        {
                            "sequence": self.seal_line.sequence,
                            "product_id": self.seal.id,
                            "quantity": 12,
                            "uom_id": self.uom_dozen.id,
                            "value_usd": 12.0,
                            "origin_country_id": self.seal_line.origin_country_id.id,
                            "seller_country_id": self.seal_line.seller_country_id.id,
                        }
                    )
                ],
            }
        )
        r1.action_confirm()
        adjustment = self.Discharge.search(
            [("import_line_id", "=", self.seal_line.id), ("kind", "=", "adjustment")]
        )
        # +2 dozen = +24 units: one row of -24 in the product's unit, UMT -24 pieces
        self.assertAlmostEqual(adjustment.quantity, -24.0)
        self.assertAlmostEqual(adjustment.quantity_tariff, -24.0)
        self.assertAlmostEqual(self.seal_line.qty_balance, 144.0)  # 120 + 24
        self.assertTrue(self.company.l10n_mx_immex_verify_integrity()["ok"])

    def test_receipt_lines_are_created_in_the_product_unit(self):
        ped = self._create_pedimento(number="26  24  3420  6000912", entry_date=date(2026, 1, 12))
        self._receive([(self.seal, 24)], pedimento=ped)
        line = ped.line_ids
        self.assertEqual(line.uom_id, self.uom_unit)
        self.assertAlmostEqual(line.quantity_product, 24.0)
        self.assertAlmostEqual(line.qty_balance, 24.0)
        self._assert_stored_values_match_orm(line)


@tagged("post_install", "-at_install")
class TestLotsFollowClearedLines(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tape = cls._create_product(
            "Tape by lot",
            "TAPE-LC",
            uom=cls.uom_unit,
            immex_type="input",
            fraction=cls.fraction_wire,
            umt=cls.uom_unit,
            tracking="lot",
        )
        # an older balance FIFO would take if the lot were ignored
        cls.old = cls._import("26  24  3420  6000921", date(2026, 1, 5), [(cls.tape, 100)])

    def _deliver_lot(self, lot, qty, exit_ped):
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
                            "product_id": self.tape.id,
                            "product_uom_qty": qty,
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
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "picking_id": picking.id,
                "product_id": self.tape.id,
                "lot_id": lot.id,
                "quantity": qty,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
            }
        )
        move.picked = True
        picking.button_validate()
        return picking

    def _lot_of(self, number, entry, lot_name):
        ped = self._create_pedimento(number=number, entry_date=entry)
        self._receive([(self.tape, 40)], pedimento=ped, lots={self.tape: lot_name})
        lot = self.env["stock.lot"].search([("name", "=", lot_name)])
        self.assertEqual(lot.l10n_mx_immex_pedimento_line_id, ped.line_ids)
        return ped, lot

    def test_lot_of_a_pedimento_cleared_after_the_exit_is_pending(self):
        ped, lot = self._lot_of("26  24  3420  6000922", date(2026, 4, 1), "TAPE-APR")
        exit_ped = self._exit_pedimento("26  24  3420  6100921", date(2026, 3, 1))
        picking = self._deliver_lot(lot, 10, exit_ped)
        # the lot's goods cannot have left on 1 March under an April clearance: 10 pending,
        # and neither its own line nor the older one (FIFO) is touched
        self.assertFalse(self._rows(picking))
        pending = self._pendings(exit_ped)
        self.assertAlmostEqual(pending.quantity, 10.0)
        self.assertEqual(pending.reason, "lot_not_cleared")
        self.assertAlmostEqual(ped.line_ids.qty_balance, 40.0)
        self.assertAlmostEqual(self.old.line_ids.qty_balance, 100.0)
        # a manager's retry settles nothing by FIFO: the lot's goods are its line's
        manager = self._new_user(
            "c_mgr_lot", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        pending.with_user(manager).with_context(**OLD_BYPASS).action_settle()
        self.assertEqual(pending.state, "pending")
        self.assertAlmostEqual(self.old.line_ids.qty_balance, 100.0)

    def test_lot_of_an_expired_pedimento_is_pending(self):
        # cleared 1 June 2024: an input's 18 months end on 1 December 2025
        ped, lot = self._lot_of("24  24  3420  4000923", date(2024, 6, 1), "TAPE-OLD24")
        self.assertEqual(ped.line_ids.expiry_date, date(2025, 12, 1))
        exit_ped = self._exit_pedimento("26  24  3420  6100922", date(2026, 3, 1))
        picking = self._deliver_lot(lot, 10, exit_ped)
        self.assertFalse(self._rows(picking))
        pending = self._pendings(exit_ped)
        self.assertAlmostEqual(pending.quantity, 10.0)
        self.assertEqual(pending.reason, "lot_expired")
        self.assertAlmostEqual(ped.line_ids.qty_balance, 40.0)
        self.assertAlmostEqual(self.old.line_ids.qty_balance, 100.0)

    def test_lot_of_a_cleared_valid_pedimento_follows_it(self):
        ped, lot = self._lot_of("26  24  3420  6000924", date(2026, 2, 1), "TAPE-FEB")
        exit_ped = self._exit_pedimento("26  24  3420  6100923", date(2026, 3, 1))
        picking = self._deliver_lot(lot, 10, exit_ped)
        self.assertEqual(self._rows(picking).import_line_id, ped.line_ids)
        self.assertAlmostEqual(ped.line_ids.qty_balance, 30.0)  # 40 - 10
        self.assertAlmostEqual(self.old.line_ids.qty_balance, 100.0)
        self.assertFalse(self._pendings(exit_ped))


@tagged("post_install", "-at_install")
class TestExportsOfGoodsMadeBefore(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import(
            "26  24  3420  6000931", date(2026, 1, 10), [(cls.wire, 1000), (cls.terminal, 1000)]
        )

    def test_export_of_goods_made_before_install_falls_back_to_the_bom(self):
        mo = self._produce(self.harness, 10, {self.wire: 22.0, self.terminal: 40.0})
        # the order was made before the addon: no materials-used rows
        self.env.cr.execute(
            SQL("DELETE FROM l10n_mx_immex_material_usage WHERE production_id = %s", mo.id)
        )
        self.Usage.invalidate_model()
        mo.invalidate_recordset(["l10n_mx_immex_usage_ids"])
        exit_ped = self._exit_pedimento("26  24  3420  6100931", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 5)], exit_ped, stock=False)
        # never zero: the BOM in force, 5 x 2 m x 1.05 = 10.5 m and 5 x 4 = 20 terminals
        self.assertAlmostEqual(sum(self._rows(picking, self.wire).mapped("quantity")), 10.5)
        self.assertAlmostEqual(sum(self._rows(picking, self.terminal).mapped("quantity")), 20.0)
        self.assertFalse(self._rows(picking).production_id)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 989.5)

    def test_production_finished_after_the_export_is_not_matched(self):
        mo = self._produce(
            self.harness, 10, {self.wire: 22.0, self.terminal: 40.0}, when="2026-04-01 12:00:00"
        )
        exit_ped = self._exit_pedimento("26  24  3420  6100932", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 5)], exit_ped, stock=False)
        # made on 1 April, it cannot be in a 1 March export: BOM 5 x 2.1 = 10.5 m
        self.assertAlmostEqual(sum(self._rows(picking, self.wire).mapped("quantity")), 10.5)
        self.assertFalse(self._rows(picking).production_id)
        # an April export takes the order's real 2.2 m per unit: 5 x 2.2 = 11 m, from its
        # first units (the March export matched none of them)
        exit2 = self._exit_pedimento("26  24  3420  6100933", date(2026, 4, 15))
        picking2 = self._deliver([(self.harness, 5)], exit2, stock=False)
        self.assertAlmostEqual(sum(self._rows(picking2, self.wire).mapped("quantity")), 11.0)
        self.assertEqual(self._rows(picking2).production_id, mo)
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 1000 - 10.5 - 11.0)

    def test_subassembly_consumption_is_averaged_per_production_without_national(self):
        sub = self._create_product("Sub-assembly S-9", "S9", uom=self.uom_unit)
        top = self._finished("Harness H-900", "H900")
        self._bom(sub, [(self.wire, 3.0)])
        self._bom(top, [(sub, 2), (self.terminal, 1)])
        self._receive([(self.wire, 20)], partner=self.supplier_mx)  # 20 m national
        # 10 sub-assemblies with 33 m, all temporary (temporary first)
        self._produce(sub, 10, {self.wire: 33.0})
        # 10 more with 30 m, national first: 20 m national, 10 m temporary
        self.company.l10n_mx_immex_mixed_stock_rule = "national_first"
        mo_sub2 = self._produce(sub, 10, {self.wire: 30.0})
        self.assertAlmostEqual(self._usage(mo_sub2, self.wire).qty_national, 20.0)
        # per sub-assembly: (33 + 10) temporary m / (10 + 10) made = 2.15 m
        mo = self._produce(top, 5, {sub: 10.0, self.terminal: 5.0})
        usage = self._usage(mo, self.wire)
        self.assertEqual(usage.via_product_id, sub)
        self.assertAlmostEqual(usage.qty_consumed, 21.5)  # 10 x 2.15
        self.assertAlmostEqual(usage.qty_per_unit, 4.3)  # 21.5 / 5
        exit_ped = self._exit_pedimento("26  24  3420  6100934", date(2026, 3, 1))
        picking = self._deliver([(top, 5)], exit_ped, stock=False)
        self.assertAlmostEqual(sum(self._rows(picking, self.wire).mapped("quantity")), 21.5)


@tagged("post_install", "-at_install")
class TestLossesScrapUnbuild(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import(
            "26  24  3420  6000941", date(2026, 1, 10), [(cls.wire, 1000), (cls.terminal, 1000)]
        )

    def _count(self, product, qty):
        """A physical count of ``product`` in stock at ``qty`` (inventory adjustment)."""
        quant = (
            self.env["stock.quant"]
            .with_context(inventory_mode=True)
            .create(
                {
                    "product_id": product.id,
                    "location_id": self.stock_location.id,
                    "inventory_quantity": qty,
                }
            )
        )
        quant.action_apply_inventory()

    def _losses(self):
        return self.Finding.search(
            [("kind", "=", "inventory_loss"), ("company_id", "=", self.company.id)]
        )

    def test_negative_inventory_adjustment_of_an_input_is_a_shortage_finding(self):
        self._stock(self.wire, 50)
        self._count(self.wire, 45)
        finding = self._losses()
        self.assertEqual(finding.product_id, self.wire)
        self.assertAlmostEqual(finding.quantity, 5.0)  # 50 counted as 45
        self.assertFalse(finding.finished_product_id)
        # nothing discharged: the goods are missing, compliance regularises them
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 1000.0)
        # a box bought in Mexico only: a loss, but nothing Annex 24 answers for
        self._receive([(self.box, 10)], partner=self.supplier_mx)
        self._count(self.box, 8)
        self.assertEqual(len(self._losses()), 1)

    def test_inventory_loss_of_a_finished_good_lists_its_imported_components(self):
        self._stock(self.harness, 10)
        self._count(self.harness, 7)
        findings = self._losses()
        self.assertEqual(findings.finished_product_id, self.harness)
        wire = findings.filtered(lambda f: f.product_id == self.wire)
        terminal = findings.filtered(lambda f: f.product_id == self.terminal)
        self.assertAlmostEqual(wire.quantity, 6.3)  # 3 lost x 2 m x 1.05 (BOM, no MO)
        self.assertAlmostEqual(terminal.quantity, 12.0)  # 3 x 4
        self.assertEqual(len(findings), 2)

    def test_scrap_of_finished_goods_is_waste_of_its_imported_components(self):
        self._produce(self.harness, 10, {self.wire: 22.0, self.terminal: 40.0})
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.harness.id,
                "scrap_qty": 2,
                "location_id": self.stock_location.id,
                "company_id": self.company.id,
            }
        )
        scrap.action_validate()
        wastes = self.Waste.search([("scrap_id", "=", scrap.id)])
        self.assertNotIn(self.harness, wastes.product_id)
        self.assertEqual(wastes.finished_product_id, self.harness)
        wire = wastes.filtered(lambda w: w.product_id == self.wire)
        self.assertAlmostEqual(wire.quantity, 4.4)  # 2 x 2.2 m really consumed per unit
        terminal = wastes.filtered(lambda w: w.product_id == self.terminal)
        self.assertAlmostEqual(terminal.quantity, 8.0)  # 2 x 4
        self.assertEqual(set(wastes.mapped("state")), {"pending"})
        # still in Mexico until destroyed: nothing discharged
        self.assertAlmostEqual(self._line(self.p1, self.wire).qty_balance, 1000.0)

    def test_scrap_of_work_in_progress_is_waste_of_its_imported_components(self):
        sub = self._create_product("Sub-assembly S-7", "S7", uom=self.uom_unit)
        self._bom(sub, [(self.wire, 3.0), (self.terminal, 2)])
        self._stock(sub, 5)
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": sub.id,
                "scrap_qty": 4,
                "location_id": self.stock_location.id,
                "company_id": self.company.id,
            }
        )
        scrap.action_validate()
        wastes = self.Waste.search([("scrap_id", "=", scrap.id)])
        # never produced here: its BOM, 4 x 3 m and 4 x 2 terminals
        self.assertAlmostEqual(wastes.filtered(lambda w: w.product_id == self.wire).quantity, 12.0)
        self.assertAlmostEqual(
            wastes.filtered(lambda w: w.product_id == self.terminal).quantity, 8.0
        )
        self.assertEqual(len(wastes), 2)

    def test_unbuild_records_the_components_it_recovers(self):
        mo = self._produce(self.harness, 10, {self.wire: 22.0, self.terminal: 40.0})
        unbuild = self.env["mrp.unbuild"].create(
            {
                "product_id": self.harness.id,
                "mo_id": mo.id,
                "bom_id": mo.bom_id.id,
                "product_qty": 5,
                "product_uom_id": self.uom_unit.id,
                "company_id": self.company.id,
            }
        )
        unbuild.action_unbuild()
        rows = self.Usage.search([("unbuild_id", "=", unbuild.id)])
        self.assertEqual(set(rows.mapped("operation")), {"unbuild"})
        wire = rows.filtered(lambda u: u.component_id == self.wire)
        self.assertAlmostEqual(wire.qty_recovered, 11.0)  # 22 x 5 / 10
        self.assertAlmostEqual(wire.qty_consumed, -11.0)  # back in stock
        terminal = rows.filtered(lambda u: u.component_id == self.terminal)
        self.assertAlmostEqual(terminal.qty_recovered, 20.0)  # 40 x 5 / 10
        # the recovered wire is on hand again: 1000 declared - 22 used + 11 recovered
        pools = self.env["l10n_mx_immex.discharge.demand"]._stock_by_regime(
            self.company, [self.wire.id]
        )
        self.assertAlmostEqual(pools[self.wire.id]["temporary"], 989.0)
        # called again, it records nothing twice
        unbuild._l10n_mx_immex_record_recovery()
        self.assertEqual(len(self.Usage.search([("unbuild_id", "=", unbuild.id)])), 2)
        # 8 exported: the order's 5 left (10 made - 5 unbuilt) at 2.2 m, 3 bought by the
        # BOM at 2.1 m: 5 x 2.2 + 3 x 2.1 = 17.3 m
        self._stock(self.harness, 3)
        exit_ped = self._exit_pedimento("26  24  3420  6100941", date(2026, 3, 1))
        picking = self._deliver([(self.harness, 8)], exit_ped, stock=False)
        self.assertAlmostEqual(sum(self._rows(picking, self.wire).mapped("quantity")), 17.3)


@tagged("post_install", "-at_install")
class TestConsumptionSecurity(ConsumptionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.whs = cls._new_user(
            "c_whs", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user"
        )
        cls.draft = cls._create_pedimento(
            number="26  24  3420  6000951", lines=[(cls.terminal, 10)]
        )

    def _rpc(self, user, model, method, args):
        recs = self.env[model].with_user(user)
        kwargs = {"context": dict(OLD_BYPASS, allowed_company_ids=[self.company.id])}
        return call_kw(recs, method, args, kwargs)

    def test_user_cannot_write_the_balance_unit_of_a_partida(self):
        line = self.draft.line_ids
        with self.assertRaises(UserError):
            line.with_user(self.whs).with_context(**OLD_BYPASS).write({"quantity_product": 1})
        with self.assertRaises(UserError):
            self._rpc(self.whs, line._name, "write", [line.ids, {"quantity_product": 1}])
        self.assertAlmostEqual(line.quantity_product, 10.0)

    def test_user_cannot_record_materials_used_or_findings(self):
        vals = {
            "unbuild_id": False,
            "production_id": False,
            "operation": "unbuild",
            "date": date(2026, 3, 1),
            "finished_product_id": self.harness.id,
            "component_id": self.wire.id,
            "qty_consumed": -100.0,
            "company_id": self.company.id,
        }
        with self.assertRaises(AccessError):
            self._rpc(self.whs, "l10n_mx_immex.material.usage", "create", [vals])
        finding = self.Finding.create(
            {
                "date": date(2026, 3, 1),
                "kind": "inventory_loss",
                "product_id": self.wire.id,
                "quantity": 5.0,
                "company_id": self.company.id,
            }
        )
        with self.assertRaises(AccessError):
            self._rpc(self.whs, finding._name, "write", [finding.ids, {"quantity": 0.0}])
        self.assertAlmostEqual(finding.quantity, 5.0)

    def test_consumption_helpers_are_not_reachable_over_rpc(self):
        demand = "l10n_mx_immex.discharge.demand"
        for method, args in (
            ("_imported_content", [self.company.id, self.harness.id]),
            ("_stock_by_regime", [self.company.id, [self.wire.id]]),
            ("_national_only_product_ids", [self.company.id, [self.box.id]]),
        ):
            with self.assertRaises(AccessError):
                self._rpc(self.whs, demand, method, args)
        with self.assertRaises(AccessError):
            self._rpc(self.whs, "mrp.unbuild", "_l10n_mx_immex_record_recovery", [[]])
