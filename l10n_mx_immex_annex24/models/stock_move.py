# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, groupby

from ..immex import fifo
from . import l10n_mx_immex_guard as guard
from .purchase_order_line import REGIMES

# Key of the cursor's cache (transaction-local, out of any caller's reach) holding the ids
# of the transfers whose exits discharge when the transfer is done.
DISCHARGE_AFTER_PICKINGS = "l10n_mx_immex_discharge_after_pickings"


class StockMove(models.Model):
    _inherit = "stock.move"

    l10n_mx_immex_regime = fields.Selection(
        selection=REGIMES,
        string="Customs Regime",
        compute="_compute_l10n_mx_immex_regime",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
    )
    l10n_mx_immex_pedimento_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        string="Pedimento Line",
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    l10n_mx_immex_discharge_state = fields.Selection(
        selection=[("queued", "To discharge")],
        string="Annex 24 Discharge",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="To discharge: the exit was validated while another exit held the balances it "
        "needs; its discharge completes in a transaction of its own right after, or at the "
        "next run of the scheduled action, in exit-date order.",
    )
    l10n_mx_immex_discharge_ids = fields.One2many(
        comodel_name="l10n_mx_immex.discharge",
        inverse_name="move_id",
        string="Annex 24 Discharges",
        readonly=True,
    )

    @api.depends(
        "product_id",
        "picking_id.partner_id",
        "picking_id.l10n_mx_immex_pedimento_id",
        "location_id",
    )
    def _compute_l10n_mx_immex_regime(self):
        for move in self:
            ped = move.picking_id.l10n_mx_immex_pedimento_id
            if (
                ped.opens_balance
                and move.location_id.usage == "supplier"
                and move.product_id.l10n_mx_immex_is_controlled
                and not move.purchase_line_id
            ):
                # e.g. a V1 virtual transfer from a Mexican IMMEX company: the key decides
                move.l10n_mx_immex_regime = "temporary"
                continue
            if move.l10n_mx_immex_regime:
                continue
            if move.location_id.usage != "supplier":
                move.l10n_mx_immex_regime = False
                continue
            move.l10n_mx_immex_regime = self._l10n_mx_immex_default_regime(
                move.product_id,
                move.picking_id.partner_id or move.partner_id,
                move.company_id,
            )

    @api.model
    def _l10n_mx_immex_default_regime(self, product, partner, company):
        """Regime a purchase defaults to: foreign supplier + controlled product = IMMEX."""
        country = partner.commercial_partner_id.country_id
        home = company.country_id or self.env.ref("base.mx")
        if not partner or not country or country == home:
            return "national"
        if product.l10n_mx_immex_is_controlled:
            return "temporary"
        return "definitive"

    def _l10n_mx_immex_is_temporary_receipt(self):
        self.ensure_one()
        return (
            self.l10n_mx_immex_regime == "temporary"
            and self.location_id.usage == "supplier"
            # a dropship (vendor abroad to customer abroad) never enters the plant
            and self.location_dest_id.usage not in ("supplier", "customer")
            and self.product_id.l10n_mx_immex_is_controlled
            and not self._l10n_mx_immex_has_no_effect()
            and not self._l10n_mx_immex_is_returned_exit()
        )

    def _l10n_mx_immex_has_no_effect(self):
        """Under a pedimento whose key has no Annex 24 effect at all (BM/BO/I1, R1, CT).

        Not A1 on an import (a definitive import: temporary goods are refused there)."""
        self.ensure_one()
        return self.picking_id.l10n_mx_immex_pedimento_id.key_id.effect == "none"

    def _l10n_mx_immex_is_returned_exit(self):
        """Goods of a discharged exit brought back before they crossed: no pedimento names
        them, so their exit is reversed (a new import pedimento makes them a new entry)."""
        self.ensure_one()
        return bool(
            self.origin_returned_move_id.l10n_mx_immex_discharge_ids
            and not self.picking_id.l10n_mx_immex_pedimento_id.opens_balance
        )

    def _immex_is_return(self):
        """A move that sends goods of a pedimento line back to the supplier."""
        self.ensure_one()
        return self.location_dest_id.usage == "supplier" and self.location_id.usage != "supplier"

    def _l10n_mx_immex_qty_product_uom(self):
        """Done quantity in the product's unit (``product_qty`` is the demand)."""
        self.ensure_one()
        return self.product_uom._compute_quantity(
            self.quantity, self.product_id.uom_id, rounding_method="HALF-UP"
        )

    def _l10n_mx_immex_pedimento(self):
        self.ensure_one()
        return (
            self.l10n_mx_immex_pedimento_line_id.pedimento_id
            or self.picking_id.l10n_mx_immex_pedimento_id
        )

    def _l10n_mx_immex_queue_error(self):
        return self.env._(
            "The Annex 24 discharge queue is kept by the discharge service; it cannot be written."
        )

    def _l10n_mx_immex_set_discharge_state(self, state):
        """Queue (``'queued'``) or un-queue (``False``) these moves: the only writer."""
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_move SET l10n_mx_immex_discharge_state = %s WHERE id = ANY(%s)",
                state or None,
                self.ids,
            )
        )
        self.invalidate_recordset(["l10n_mx_immex_discharge_state"])
        self.picking_id.invalidate_recordset(["l10n_mx_immex_discharge_queued"])

    def _action_done(self, cancel_backorder=False):
        receipts = self.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.picked
                and m._l10n_mx_immex_is_temporary_receipt()
            )
        )
        receipts._l10n_mx_immex_check_pedimento()
        exits_abroad = self.filtered(
            lambda m: (
                m.state not in ("done", "cancel")
                and m.picked
                and m._l10n_mx_immex_is_exit_abroad_without_pedimento()
            )
        )
        exits_abroad._l10n_mx_immex_check_exit_pedimento()
        self.filtered(
            lambda m: m.state not in ("done", "cancel") and m._l10n_mx_immex_is_relevant()
        )._l10n_mx_immex_check_quantities()
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda m: m.state == "done")
        (exits_abroad & done)._l10n_mx_immex_report_exit_without_pedimento()
        done.filtered(
            lambda m: m._l10n_mx_immex_is_temporary_receipt()
        )._l10n_mx_immex_register_receipt()
        # the exits of a transfer being validated discharge once it is done (see
        # stock.picking._action_done); the others (no transfer, or a transfer's moves
        # done apart) now
        later = self.env.cr.cache.get(DISCHARGE_AFTER_PICKINGS, ())
        immediate = done.filtered(lambda m: m.picking_id.id not in later)
        immediate._l10n_mx_immex_exits()._l10n_mx_immex_discharge_exit()
        # returned exits: their rows, open pendings and pending waste (none of them: a
        # no-op); goods brought back under a new temporary import open a balance instead
        done.filtered(
            lambda m: m.origin_returned_move_id and not m._l10n_mx_immex_is_temporary_receipt()
        )._l10n_mx_immex_reverse_returned()
        scraps = done.filtered("scrap_id")
        if scraps:
            # imported goods stay controlled after a change of classification
            imported = (
                self.env["l10n_mx_immex.discharge.demand"]
                .sudo()
                ._imported_product_ids(
                    scraps.product_id.filtered(lambda p: not p.l10n_mx_immex_is_controlled)
                )
            )
            scraps.filtered(
                lambda m: (
                    m.product_id.l10n_mx_immex_is_controlled
                    or m.product_id.id in imported
                    # finished goods and work in progress: their imported components
                    or m.product_id.bom_ids
                )
            )._l10n_mx_immex_record_scrap()
        done.filtered(
            lambda m: (
                m.is_inventory
                and not m.scrap_id
                and m.location_id.usage == "internal"
                and m.location_dest_id.usage == "inventory"
            )
        )._l10n_mx_immex_record_inventory_loss()
        return moves

    def _l10n_mx_immex_exits(self):
        """Those of these done moves that are Annex 24 exits."""
        imported = self._l10n_mx_immex_imported_products()
        return self.filtered(lambda m: m._l10n_mx_immex_is_exit(imported))

    def _l10n_mx_immex_imported_products(self):
        """Ids of the products of these export moves that entered under a temporary import
        although they are not classified as controlled (now)."""
        exports = self.filtered(
            lambda m: (
                m.picking_id.l10n_mx_immex_pedimento_id.operation == "export"
                and not m.product_id.l10n_mx_immex_is_controlled
            )
        )
        return (
            self.env["l10n_mx_immex.discharge.demand"]
            .sudo()
            ._imported_product_ids(exports.product_id)
        )

    def _l10n_mx_immex_is_exit(self, imported=None):
        """A done move that takes goods out under an export pedimento.

        ``imported``: ids of products held on temporary-import lines (see
        :meth:`_l10n_mx_immex_imported_products`); a product declassified after its import
        still leaves as an Annex 24 exit.
        """
        self.ensure_one()
        ped = self.picking_id.l10n_mx_immex_pedimento_id
        if not (
            ped.operation == "export"
            and self.location_id.usage == "internal"
            and self.location_dest_id.usage != "internal"
            # a receipt returned to the supplier abroad is an exit; a returned delivery not
            and (not self.origin_returned_move_id or self.location_dest_id.usage == "supplier")
            and not self._l10n_mx_immex_has_no_effect()
        ):
            return False
        product = self.product_id
        if product.l10n_mx_immex_is_controlled or product.bom_ids:
            return True
        if imported is None:
            imported = self._l10n_mx_immex_imported_products()
        return product.id in imported

    def _l10n_mx_immex_is_relevant(self):
        """A move Annex 24 reads: controlled goods, or goods under a pedimento."""
        self.ensure_one()
        return bool(
            self.product_id.l10n_mx_immex_is_controlled
            or self.l10n_mx_immex_pedimento_line_id
            or self.picking_id.l10n_mx_immex_pedimento_id
        )

    def _l10n_mx_immex_is_exit_abroad_without_pedimento(self):
        """IMMEX goods (inputs, finished goods...) delivered to a customer abroad with no
        export pedimento on the transfer: they would leave Annex 24 without a discharge.

        Only classified products count: a product that merely has a BOM may hold no
        imported material at all, and refusing its exports would stop a plant's other
        business."""
        self.ensure_one()
        if (
            self.location_id.usage != "internal"
            or self.location_dest_id.usage != "customer"
            or self.origin_returned_move_id
            or self.picking_id.l10n_mx_immex_pedimento_id.operation == "export"
            or not self.product_id.l10n_mx_immex_is_controlled
        ):
            return False
        partner = self.picking_id.partner_id or self.partner_id
        country = partner.commercial_partner_id.country_id
        home = self.company_id.country_id or self.env.ref("base.mx")
        return bool(country) and country != home

    def _l10n_mx_immex_check_exit_pedimento(self):
        """Refuse exits abroad without an export pedimento, or let them go with a finding
        (the company's setting for goods without pedimento)."""
        if not self:
            return
        if "block" in set(self.company_id.mapped("l10n_mx_immex_missing_pedimento")):
            raise UserError(
                self.env._(
                    "These goods go to a customer abroad without an export pedimento: "
                    "%(products)s. Set the export pedimento (e.g. key RT) on the delivery so "
                    "Annex 24 discharges the imported materials they contain.",
                    products=", ".join(sorted(set(self.product_id.mapped("display_name")))),
                )
            )

    def _l10n_mx_immex_report_exit_without_pedimento(self):
        if not self:
            return
        self._l10n_mx_immex_create_findings("exit_without_pedimento")
        for picking, moves in self.grouped("picking_id").items():
            picking._l10n_mx_immex_warn(
                self.env._(
                    "Warning: goods delivered abroad without an export pedimento "
                    "(%(products)s). Nothing was discharged from Annex 24: set the export "
                    "pedimento on this delivery. See Annex 24 > Findings.",
                    products=", ".join(sorted(set(moves.product_id.mapped("display_name")))),
                )
            )

    def _l10n_mx_immex_create_findings(self, kind):
        today = fields.Date.context_today(self)
        vals_list = [
            {
                "date": fields.Date.to_date(move.date) if move.state == "done" else today,
                "kind": kind,
                "picking_id": move.picking_id.id,
                "move_id": move.id,
                "partner_id": (move.picking_id.partner_id or move.partner_id).id,
                "product_id": move.product_id.id,
                "quantity": move._l10n_mx_immex_qty_product_uom(),
                "company_id": move.company_id.id,
            }
            for move in self
        ]
        return self.env["l10n_mx_immex.finding"].sudo().create(vals_list)

    def _l10n_mx_immex_report_discharge(self, company, demands):
        """Announce what an exit could not discharge cleanly: its shortfall (pending
        discharges) and the expired balances FIFO skipped (findings)."""
        pickings = self.picking_id
        if not demands or not pickings:
            return
        pendings = (
            self.env["l10n_mx_immex.discharge.pending"]
            .sudo()
            .search([("move_id", "in", self.ids), ("state", "=", "pending")])
        )
        if pendings:
            items = ", ".join(
                f"{p.product_id.display_name}: {p.qty_open:g} {p.product_id.uom_id.name}"
                for p in pendings
            )
            pickings._l10n_mx_immex_warn(
                self.env._(
                    "Annex 24 shortfall: no valid temporary-import balance covers %(items)s. "
                    "It is recorded as pending discharges and settled when a balance "
                    "appears. See Annex 24 > Pending Discharges.",
                    items=items,
                )
            )
        date = max(d["date"] for d in demands)
        Line = self.env["l10n_mx_immex.pedimento.line"].sudo()
        expired = Line.search(
            [
                ("company_id", "=", company.id),
                ("product_id", "in", list({d["product_id"] for d in demands})),
                ("is_temporary", "=", True),
                ("qty_balance", ">", 0),
                ("expiry_date", "<", date),
            ]
        )
        if not expired:
            return
        Finding = self.env["l10n_mx_immex.finding"].sudo()
        known = Finding.search(
            [
                ("kind", "=", "expired_skipped"),
                ("state", "=", "open"),
                ("pedimento_line_id", "in", expired.ids),
            ]
        ).pedimento_line_id
        picking = pickings[:1]
        Finding.create(
            [
                {
                    "date": date,
                    "kind": "expired_skipped",
                    "picking_id": picking.id,
                    "partner_id": picking.partner_id.id,
                    "product_id": line.product_id.id,
                    "quantity": line.qty_balance,
                    "pedimento_line_id": line.id,
                    "company_id": company.id,
                }
                for line in expired - known
            ]
        )
        pickings._l10n_mx_immex_warn(
            self.env._(
                "Expired Annex 24 balances were skipped by FIFO: %(lines)s. Regularise them "
                "(key A3) or return them. See Annex 24 > Findings.",
                lines=", ".join(expired.mapped("display_name")),
            )
        )

    def _l10n_mx_immex_check_quantities(self):
        """Refuse quantities and units Annex 24 cannot read as they are."""
        for move in self:

            def what(move=move):
                return self.env._(
                    "Move of %(product)s (%(reference)s)",
                    product=move.product_id.display_name,
                    reference=move.reference or move.picking_id.name or "",
                )

            guard.check_quantity(self.env, move.product_uom_qty, what, allow_zero=True)
            guard.check_quantity(self.env, move.quantity, what, allow_zero=True)
            guard.check_convertible(self.env, move.product_uom, move.product_id, what)

    @api.constrains("product_uom_qty", "quantity", "product_uom", "product_id")
    def _check_l10n_mx_immex_quantities(self):
        self.filtered(lambda m: m._l10n_mx_immex_is_relevant())._l10n_mx_immex_check_quantities()

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list)
        if any("l10n_mx_immex_discharge_state" in vals for vals in vals_list):
            raise AccessError(self._l10n_mx_immex_queue_error())
        return super().create(vals_list)

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals])
        if "l10n_mx_immex_discharge_state" in vals:
            # taking an exit out of the queue would leave it never discharged
            raise AccessError(self._l10n_mx_immex_queue_error())
        if "l10n_mx_immex_pedimento_line_id" in vals and not guard.in_server_write():
            # the receipt or exit is on the record: its pedimento line is not re-pointed
            done = self.filtered(lambda m: m.state == "done")
            if any(
                m.l10n_mx_immex_pedimento_line_id.id != vals["l10n_mx_immex_pedimento_line_id"]
                for m in done
            ):
                raise UserError(
                    self.env._(
                        "Move %(move)s is done: its pedimento line cannot be changed. Return "
                        "the goods or record a rectification.",
                        move=done[0].reference or done[0].product_id.display_name,
                    )
                )
        return super().write(vals)

    def _l10n_mx_immex_discharge_exit(self):
        """Discharge the imported components of the goods that left, FIFO.

        Run in the validation's own transaction when the balances (and the chain heads of
        the ledger, the trail and the line seals) are free. When another exit holds them
        (or changed them since this transaction began), waiting would end
        in a serialization failure and a failed validation: the moves are queued instead and
        discharged right after the commit, in a transaction of their own (see
        ``l10n_mx_immex.discharge.queue``). An exit also queues
        while older ones wait, so the discharge order stays the exit-date order.
        """
        if not self:
            return
        queue = self.env["l10n_mx_immex.discharge.queue"].sudo()
        queued = self.browse()
        for (company, ped), moves in self.grouped(
            lambda m: (m.company_id, m.picking_id.l10n_mx_immex_pedimento_id)
        ).items():
            if queue._queue_waiting(company):
                queued |= moves
                continue
            try:
                # The discharge builds some 10,000 short-lived objects (demands, rows) and no
                # cycles: with the collector on, that many allocations start a collection
                # (now and then one of Odoo's whole older generation, ~90 ms) for nothing
                # to collect. They are all freed before the collector is back on.
                with self.env.cr.savepoint(), fifo.gc_paused():
                    moves._l10n_mx_immex_discharge_now(company, ped, nowait=True)
            except (errors.LockNotAvailable, errors.SerializationFailure):
                queued |= moves
        if queued:
            queued._l10n_mx_immex_queue_discharge()

    def _l10n_mx_immex_discharge_now(self, company, ped, nowait=False):
        """Discharge these exit moves of one company and exit pedimento (at validation, or
        by the discharge queue for the exits it completes).

        Linking the moves to exit lines confirms the exit pedimento, which seals its lines
        and writes the trail: chain heads other exits update too, so it is part of the step
        that may be queued."""
        self._l10n_mx_immex_link_lines()
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        demands, wastes = (
            self.env["l10n_mx_immex.discharge.demand"].sudo()._demands_for_exit_moves(self)
        )
        # a queued exit returned before its turn discharges only what stands
        self.env["l10n_mx_immex.discharge.reversal"].sudo()._net_of_returns(self, demands, wastes)
        kind = ped.key_id.discharge_kind or "export"
        if kind == "export":
            # goods in the same state go back as a return, finished goods as an export
            for demand in demands:
                if not demand["finished_product_id"]:
                    demand["kind"] = "return"
        service._discharge(demands, company, kind, exit_pedimento=ped, nowait=nowait)
        self.env["l10n_mx_immex.waste"].sudo()._insert_pending(wastes)
        self._l10n_mx_immex_report_discharge(company, demands)

    def _l10n_mx_immex_queue_discharge(self):
        """Queue these exit moves; their discharge runs once this transaction commits."""
        self._l10n_mx_immex_set_discharge_state("queued")
        for picking in self.picking_id:
            picking.message_post(
                body=self.env._(
                    "Annex 24: another exit was discharging the same balances, so the "
                    "discharge of this delivery was queued. It completes in a few moments, "
                    "in exit-date order."
                )
            )
        self.env["l10n_mx_immex.discharge.queue"].sudo()._schedule(self.company_id)

    def _l10n_mx_immex_reverse_returned(self):
        """Goods brought back before they crossed: give back what their exit discharged
        (LIFO, effective at the exit's date; see ``l10n_mx_immex.discharge.reversal``)."""
        self.env["l10n_mx_immex.discharge.reversal"].sudo()._reverse_returned(self)

    def _l10n_mx_immex_record_scrap(self):
        """Scrapped imported material is pending waste until its own event.

        A scrapped finished good or work in progress is waste of the imported components it
        holds (see ``_imported_content``), each one a waste record of its own.
        """
        vals_list = []
        Demand = self.env["l10n_mx_immex.discharge.demand"].sudo()
        for move in self:
            if move.location_dest_id.usage != "inventory":
                continue
            scrap = move.scrap_id
            qty = move._l10n_mx_immex_qty_product_uom()
            content = Demand._imported_content(move.company_id, move.product_id)
            if content is not None:
                vals_list.extend(
                    {
                        "product_id": component_id,
                        "quantity": per_unit * qty,
                        "date": fields.Date.to_date(move.date),
                        "source": "production" if scrap.production_id else "scrap",
                        "scrap_id": scrap.id,
                        "production_id": scrap.production_id.id,
                        "move_id": move.id,
                        "finished_product_id": move.product_id.id,
                        "company_id": move.company_id.id,
                    }
                    for component_id, per_unit in content.items()
                    if per_unit > 0
                )
                continue
            vals_list.append(
                {
                    "product_id": move.product_id.id,
                    "quantity": move.product_uom._compute_quantity(
                        move.quantity, move.product_id.uom_id
                    ),
                    "date": fields.Date.to_date(move.date),
                    "source": "production" if scrap.production_id else "scrap",
                    "scrap_id": scrap.id,
                    "production_id": scrap.production_id.id,
                    "move_id": move.id,
                    "company_id": move.company_id.id,
                }
            )
        if vals_list:
            self.env["l10n_mx_immex.waste"].sudo().create(vals_list)

    def _l10n_mx_immex_record_inventory_loss(self):
        """A negative inventory adjustment of imported goods: a shortage finding.

        The goods are gone without an exit, a destruction or a regime change: nothing can
        discharge them, so each imported component (the good itself, or what a finished
        good or work in progress holds) is left visible to compliance, which regularises it.
        """
        Demand = self.env["l10n_mx_immex.discharge.demand"].sudo()
        vals_list = []
        for company, moves in self.grouped("company_id").items():
            imported = Demand._imported_product_ids(moves.product_id)
            for move in moves:
                product = move.product_id
                qty = move._l10n_mx_immex_qty_product_uom()
                content = Demand._imported_content(company, product)
                if content is None:
                    if not (product.l10n_mx_immex_is_controlled or product.id in imported):
                        continue
                    content = {product.id: 1.0}
                    if product.id in Demand._national_only_product_ids(company, [product.id]):
                        continue  # bought in Mexico only: no pedimento to answer for
                vals_list.extend(
                    {
                        "date": fields.Date.to_date(move.date),
                        "kind": "inventory_loss",
                        "move_id": move.id,
                        "product_id": component_id,
                        "finished_product_id": product.id if component_id != product.id else False,
                        "quantity": per_unit * qty,
                        "company_id": company.id,
                    }
                    for component_id, per_unit in content.items()
                    if per_unit > 0
                )
        if vals_list:
            self.env["l10n_mx_immex.finding"].sudo().create(vals_list)

    def _l10n_mx_immex_check_pedimento(self):
        """Refuse (or warn about) temporary imports received without a pedimento."""
        missing = self.filtered(lambda m: not m._l10n_mx_immex_pedimento())
        if missing:
            policies = set(missing.company_id.mapped("l10n_mx_immex_missing_pedimento"))
            products = ", ".join(sorted(set(missing.product_id.mapped("display_name"))))
            if "block" in policies:
                raise UserError(
                    self.env._(
                        "These IMMEX-controlled products are received from abroad as a "
                        "temporary import without a pedimento: %(products)s. Set the "
                        "pedimento on the receipt, or change the customs regime of the lines "
                        "if they are definitive or national purchases.",
                        products=products,
                    )
                )
            missing._l10n_mx_immex_create_findings("receipt_without_pedimento")
            missing.picking_id._l10n_mx_immex_warn(
                self.env._(
                    "Warning: temporarily imported goods received without a pedimento "
                    "(%(products)s). Annex 24 balances were not opened.",
                    products=products,
                )
            )
        for move in self - missing:
            ped = move._l10n_mx_immex_pedimento()
            if ped.state == "cancelled":
                raise UserError(self.env._("Pedimento %(name)s is cancelled.", name=ped.name))
            if ped.company_id != move.company_id:
                raise UserError(
                    self.env._("Pedimento %(name)s belongs to another company.", name=ped.name)
                )
            if not ped.opens_balance:
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s (key %(key)s) is not a temporary import: it "
                        "cannot receive goods bought as a temporary import (%(product)s).",
                        name=ped.name,
                        key=ped.key_id.code,
                        product=move.product_id.display_name,
                    )
                )

    def _l10n_mx_immex_customs_values(self, ped):
        """``(value_mxn, value_usd)`` of these done moves, from their purchase lines.

        The received share of each purchase line's subtotal (discounts included), in the
        order's currency, converted with the pedimento's exchange rate (MXN per USD): an
        order in USD gives ``usd = amount`` and ``mxn = usd * rate``; one in MXN gives
        ``mxn = amount`` and ``usd = amount / rate``. Other currencies go through USD at
        Odoo's rate of the pedimento date. Without a rate, Odoo's rates are used.
        """
        if not self.purchase_line_id:
            # exits and receipts without a purchase: nothing to convert (one prefetched read)
            return 0.0, 0.0
        usd = self.env.ref("base.USD")
        mxn = self.env.ref("base.MXN")
        rate = ped.exchange_rate
        date = ped.entry_date or fields.Date.context_today(self)
        total_mxn = total_usd = 0.0
        for move in self:
            line = move.purchase_line_id
            if not line or not line.product_qty:
                continue
            received = move.product_uom._compute_quantity(move.quantity, line.product_uom_id)
            amount = line.price_subtotal * received / line.product_qty
            currency = line.currency_id or line.order_id.currency_id
            company = move.company_id
            if currency == mxn:
                value_mxn = amount
                value_usd = amount / rate if rate else mxn._convert(amount, usd, company, date)
            else:
                value_usd = (
                    amount if currency == usd else currency._convert(amount, usd, company, date)
                )
                value_mxn = (
                    value_usd * rate if rate else usd._convert(value_usd, mxn, company, date)
                )
            total_mxn += value_mxn
            total_usd += value_usd
        return usd.round(total_mxn), usd.round(total_usd)

    def _l10n_mx_immex_register_receipt(self):
        """Link done receipt moves to pedimento lines and open their balances."""
        touched = self._l10n_mx_immex_link_lines()
        if not touched:
            return
        self._l10n_mx_immex_stamp_lots()
        for company, lines in touched.grouped("company_id").items():
            self.env["l10n_mx_immex.discharge.pending"].sudo()._settle_pending(
                company, lines.product_id
            )

    def _l10n_mx_immex_link_lines(self):
        """Link done moves to the lines of their pedimento (matched, or created from them).

        A draft pedimento is confirmed. Differences with the broker's lines are flagged on the
        pedimento. Returns the lines touched.
        """
        moves = self.filtered(lambda m: m._l10n_mx_immex_pedimento())
        touched = self.env["l10n_mx_immex.pedimento.line"]
        if not moves:
            return touched
        now = fields.Datetime.now()
        Line = self.env["l10n_mx_immex.pedimento.line"].sudo()
        for ped, ped_moves in groupby(moves, key=lambda m: m._l10n_mx_immex_pedimento()):
            ped_moves = self.browse([m.id for m in ped_moves])
            unlinked = ped_moves.filtered(lambda m: not m.l10n_mx_immex_pedimento_line_id)
            touched |= ped_moves.l10n_mx_immex_pedimento_line_id
            to_create = []
            for product, prod_moves in groupby(unlinked, key=lambda m: m.product_id):
                prod_moves = self.browse([m.id for m in prod_moves])
                line = ped._l10n_mx_immex_match_line(product)
                if line:
                    with guard.server_write():
                        prod_moves.l10n_mx_immex_pedimento_line_id = line
                    touched |= line
                    continue
                qty = sum(
                    m.product_uom._compute_quantity(
                        m.quantity, product.uom_id, rounding_method="HALF-UP"
                    )
                    for m in prod_moves
                )
                to_create.append((product, prod_moves, qty))
            # An export needs no lines to be confirmed: confirmed first, its new lines are
            # written once, with the state they keep.
            confirm_first = ped.state == "draft" and ped.operation == "export"
            if confirm_first:
                ped.sudo()._immex_confirm()
            new_lines = Line._immex_create_from_moves(ped, to_create, now)
            touched |= new_lines
            if confirm_first:
                new_lines._immex_check_complete()
            elif ped.state == "draft":
                ped.sudo()._immex_confirm()
        touched = touched.sudo()
        with guard.server_write():
            touched.filtered(lambda line: not line.registered_at).write({"registered_at": now})
            peds = touched.pedimento_id.filtered(lambda p: not p.registered_at)
            peds.write({"registered_at": now})
        flagged_lines = touched.filtered(
            lambda line: line.difference_state in ("quantity", "undeclared")
        )
        for ped, flagged in flagged_lines.grouped("pedimento_id").items():
            if flagged:
                ped.message_post(
                    body=self.env._(
                        "Receipt differs from the declared lines: %(lines)s. Review them "
                        "with the customs broker (a rectification may be needed).",
                        lines=", ".join(flagged.mapped("display_name")),
                    )
                )
                # compliance reviews it (company setting, else the first IMMEX admin), in
                # its own language
                user = ped.company_id._l10n_mx_immex_compliance_user() or self.env.user
                ped.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.with_context(lang=user.lang).env._("Check pedimento differences"),
                    user_id=user.id,
                )
        return touched

    def _l10n_mx_immex_stamp_lots(self):
        """Write the pedimento line on received lots (as Odoo's customs numbers do)."""
        for move in self.filtered("l10n_mx_immex_pedimento_line_id"):
            lots = move.move_line_ids.lot_id.filtered(
                lambda lot: not lot.l10n_mx_immex_pedimento_line_id
            )
            if lots:
                with guard.server_write():
                    lots.sudo().l10n_mx_immex_pedimento_line_id = (
                        move.l10n_mx_immex_pedimento_line_id
                    )
