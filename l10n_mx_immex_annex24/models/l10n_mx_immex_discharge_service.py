# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The discharge service: turns exits into FIFO discharges of pedimento-line balances.

Stock moves, manufacturing orders, scraps, exit events and the reconstruction wizard call
it; every method is private (no RPC reaches it) and each entry point refuses companies the
real user may not act for, also under ``sudo()``. The ORM layer stays thin: demands are
computed from batched reads, the allocation is the pure :mod:`..immex.fifo`, and ledger rows
are written with one set-based INSERT, then the stored balances of the touched lines are
refreshed with one UPDATE.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from ..immex import bom as bom_lib
from ..immex import fifo, hashing
from . import l10n_mx_immex_guard as guard
from .l10n_mx_immex_log import CHAIN_LEDGER

DIGITS = 6
LEDGER_COLUMNS = (
    "import_line_id",
    "import_pedimento_id",
    "product_id",
    "quantity",
    "quantity_tariff",
    "date",
    "kind",
    "exit_pedimento_id",
    "exit_line_id",
    "move_id",
    "production_id",
    "finished_product_id",
    "reversed_id",
    "event_id",
    "pending_id",
    "company_id",
    "corrects_date",
    "is_directed",
)
# What a ledger row's chain hash covers: its COPY text line of these columns, in this order
# (create_uid: who recorded it). See hashing.line_from_copy for reading it back.
HASH_COLUMNS = LEDGER_COLUMNS + ("create_uid",)
HASH_FLOAT_POSITIONS = (HASH_COLUMNS.index("quantity"), HASH_COLUMNS.index("quantity_tariff"))
FLOAT_COLUMNS = {"quantity", "quantity_tariff"}
BOOL_COLUMNS = {"is_directed"}
# Columns always filled by the service; the others are written as NULL when empty.
REQUIRED_COLUMNS = {
    "import_line_id",
    "product_id",
    "quantity",
    "quantity_tariff",
    "date",
    "kind",
    "company_id",
}


COPY_CHUNK = 1 << 18  # characters handed to the driver per read of the line stream


class _LineStream:
    """A read-only file over an iterator of text lines, for ``copy_expert``."""

    def __init__(self, lines):
        self._lines = lines
        self._rest = ""

    def read(self, size=-1):  # pylint: disable=method-required-super
        parts = [self._rest] if self._rest else []
        length = len(self._rest)
        self._rest = ""
        for line in self._lines:
            parts.append(line)
            length += len(line)
            if 0 <= size <= length:
                break
        return "".join(parts)

    def readline(self, size=-1):
        return next(self._lines, "")


class L10nMxImmexDischargeService(models.AbstractModel):
    _name = "l10n_mx_immex.discharge.service"
    _description = "Annex 24 Discharge Service"

    # ------------------------------------------------------------------
    # Demands: what an exit takes out of Mexico, in imported components
    # ------------------------------------------------------------------
    @api.model
    def _demands_for_exit_moves(self, moves):
        """Component demands and pending waste of done exit moves.

        Returns ``(demands, wastes)``; a demand is a dict with ``product_id``, ``qty``,
        ``move_id``, ``finished_product_id``, ``production_id``, ``line_id`` (a pedimento
        line forced by a lot) and ``date``; a waste is a dict for ``l10n_mx_immex.waste``.
        """
        demands, wastes = [], []
        finished = defaultdict(list)
        imported = self._imported_product_ids(
            moves.product_id.filtered(lambda p: not p.l10n_mx_immex_is_controlled)
        )
        for move in moves:
            product = move.product_id
            qty = move.product_uom._compute_quantity(
                move.quantity, product.uom_id, rounding_method="HALF-UP"
            )
            # The legal exit date is the clearance of the exit pedimento, not the picking.
            ped = move.picking_id.l10n_mx_immex_pedimento_id
            date = ped.entry_date or fields.Date.to_date(move.date)
            if product.l10n_mx_immex_type in (
                "input",
                "packaging",
                "fixed_asset",
                "container",
            ) or (product.id in imported and not product.bom_ids):
                # Goods leaving in the same state: discharged directly, following their lots.
                # A product imported under a pedimento stays controlled whatever its
                # classification says now: its exit is never skipped.
                demands.extend(self._lot_demands(move, product, qty, date))
            elif product.l10n_mx_immex_type == "finished" or product.bom_ids:
                finished[product].append((move, qty, date))
        if finished:
            with fifo.gc_paused():
                more_demands, more_wastes = self._demands_for_finished(finished)
            demands += more_demands
            wastes += more_wastes
        return demands, wastes

    @api.model
    def _lot_demands(self, move, product, qty, date):
        base = {
            "product_id": product.id,
            "move_id": move.id,
            "finished_product_id": False,
            "production_id": False,
            "date": date,
        }
        demands = []
        rest = qty
        for ml in move.move_line_ids:
            line = ml.lot_id.l10n_mx_immex_pedimento_line_id
            if not line or not ml.picked and move.state != "done":
                continue
            ml_qty = ml.product_uom_id._compute_quantity(
                ml.quantity, product.uom_id, rounding_method="HALF-UP"
            )
            demands.append(dict(base, qty=ml_qty, line_id=line.id))
            rest -= ml_qty
        if product.uom_id.compare(rest, 0.0) > 0:
            demands.append(dict(base, qty=rest, line_id=False))
        return demands

    @api.model
    def _demands_for_finished(self, finished):
        """Real consumption of the productions that made the goods, FIFO; BOM fallback."""
        demands, wastes = [], []
        products = self.env["product.product"].concat(*finished)
        matches = self._match_productions(finished)
        usage_by_mo = self._usage_per_unit(matches)
        fallback = defaultdict(float)
        for product in products:
            for move, _qty, date, slices, rest in matches[product]:
                for production_id, mo_qty in slices:
                    for component_id, per_unit in usage_by_mo.get(production_id, ()):
                        demands.append(
                            {
                                "product_id": component_id,
                                "qty": per_unit * mo_qty,
                                "move_id": move.id,
                                "finished_product_id": product.id,
                                "production_id": production_id,
                                "line_id": False,
                                "date": date,
                            }
                        )
                if product.uom_id.compare(rest, 0.0) > 0:
                    fallback[(product, move, date)] += rest
        if fallback:
            controlled = self._controlled_product_ids()
            boms_by_company = {}
            for company in {move.company_id for __, move, __ in fallback}:
                boms_by_company[company] = self._bom_structures(
                    self.env["product.product"].concat(
                        *{p for p, move, __ in fallback if move.company_id == company}
                    ),
                    stop=controlled,
                    company=company,
                )
            per_unit = {}
            for (product, move, date), qty in fallback.items():
                boms = boms_by_company[move.company_id]
                if product.id not in boms:
                    # Neither a production nor a BOM: the good itself is discharged (a
                    # temporarily imported finished good), or stays pending as a finding.
                    demands.append(
                        {
                            "product_id": product.id,
                            "qty": qty,
                            "move_id": move.id,
                            "finished_product_id": False,
                            "production_id": False,
                            "line_id": False,
                            "date": date,
                        }
                    )
                    continue
                key = (move.company_id, product.id)
                if key not in per_unit:
                    per_unit[key] = bom_lib.explode(
                        product.id, 1.0, boms, stop=controlled.__contains__, digits=12
                    )
                for component_id, (net1, merma1, desp1) in per_unit[key].items():
                    net, merma, desperdicio = net1 * qty, merma1 * qty, desp1 * qty
                    if component_id not in controlled:
                        continue
                    demands.append(
                        {
                            "product_id": component_id,
                            "qty": net + merma,
                            "move_id": move.id,
                            "finished_product_id": product.id,
                            "production_id": False,
                            "line_id": False,
                            "date": date,
                        }
                    )
                    if desperdicio > 0:
                        wastes.append(
                            {
                                "product_id": component_id,
                                "quantity": desperdicio,
                                "date": date,
                                "source": "bom",
                                "move_id": move.id,
                                "finished_product_id": product.id,
                                "company_id": move.company_id.id,
                            }
                        )
        return demands, wastes

    @api.model
    def _match_productions(self, finished):
        """Match shipped finished goods FIFO to the productions that made them.

        Deterministic and stateless: every done exit of the product, in (date, id) order,
        takes the next slice of the cumulative production, in (date finished, id) order.
        Returns ``{product: [(move, qty, date, [(production_id, qty)], unmatched_qty)]}``.
        """
        result = {}
        # Only productions are needed to know whether anything was made here; the moves
        # (the bulk of a validation's pending writes) are flushed only when it was.
        self.env["mrp.production"].flush_model(["product_id", "company_id", "state"])
        by_company = defaultdict(dict)
        for product, items in finished.items():
            by_company[items[0][0].company_id][product] = items
        productions = defaultdict(list)
        shipped = {}
        for company, company_items in by_company.items():
            made_here = [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        """
                        SELECT DISTINCT product_id FROM mrp_production
                         WHERE product_id = ANY(%s) AND company_id = %s AND state = 'done'
                        """,
                        [product.id for product in company_items],
                        company.id,
                    )
                )
            ]
            if not made_here:
                continue  # nothing produced here: every unit takes the BOM fallback
            self.env.flush_all()
            for product_id, production_id, qty in self.env.execute_query(
                SQL(
                    """
                    SELECT p.product_id, p.id, SUM(m.quantity * mu.factor / pu.factor)
                      FROM mrp_production p
                      JOIN stock_move m ON m.production_id = p.id AND m.product_id = p.product_id
                      JOIN uom_uom mu ON mu.id = m.product_uom
                      JOIN product_product pp ON pp.id = m.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN uom_uom pu ON pu.id = pt.uom_id
                     WHERE p.product_id = ANY(%s) AND p.company_id = %s AND m.state = 'done'
                  GROUP BY p.product_id, p.id, p.date_finished
                  ORDER BY p.product_id, p.date_finished, p.id
                    """,
                    made_here,
                    company.id,
                )
            ):
                productions[product_id].append((production_id, qty))
            # What earlier exits already took, only for goods that were produced here.
            firsts = [
                (product.id,) + min(((d, m.id) for m, __, d in items))
                for product, items in company_items.items()
                if productions.get(product.id)
            ]
            if not firsts:
                continue
            batch_move_ids = [m.id for items in company_items.values() for m, __, __ in items]
            shipped.update(
                self.env.execute_query(
                    SQL(
                        """
                        SELECT f.product_id, x.qty
                          FROM unnest(%s::int[], %s::date[], %s::int[])
                               AS f(product_id, first_date, first_move)
                          JOIN LATERAL (
                               SELECT COALESCE(SUM(m.quantity * mu.factor / pu.factor), 0) AS qty
                                 FROM stock_move m
                                 JOIN uom_uom mu ON mu.id = m.product_uom
                                 JOIN product_product pp ON pp.id = m.product_id
                                 JOIN product_template pt ON pt.id = pp.product_tmpl_id
                                 JOIN uom_uom pu ON pu.id = pt.uom_id
                                 JOIN stock_picking pk ON pk.id = m.picking_id
                                 JOIN l10n_mx_immex_pedimento ped
                                      ON ped.id = pk.l10n_mx_immex_pedimento_id
                                WHERE m.product_id = f.product_id AND m.company_id = %s
                                  AND m.state = 'done' AND ped.operation = 'export'
                                  AND ped.state != 'cancelled'
                                  AND (COALESCE(ped.entry_date, m.date::date), m.id)
                                      < (f.first_date, f.first_move)
                                  AND m.id != ALL(%s)
                          ) x ON TRUE
                        """,
                        [f[0] for f in firsts],
                        [f[1] for f in firsts],
                        [f[2] for f in firsts],
                        company.id,
                        batch_move_ids,
                    )
                )
            )
        for product, items in finished.items():
            if not productions.get(product.id):
                result[product] = [(m, q, d, [], q) for m, q, d in items]
                continue
            cursor = shipped.get(product.id, 0.0)
            out = []
            prod_iter = iter(productions[product.id])
            current = next(prod_iter, None)
            produced_upto = current[1] if current else 0.0
            consumed_before = 0.0
            for move, qty, date in sorted(items, key=lambda item: (item[2], item[0].id)):
                slices, need, pos = [], qty, cursor
                while need > 1e-9 and current:
                    available = produced_upto - max(pos, consumed_before)
                    if available <= 1e-9:
                        consumed_before = produced_upto
                        current = next(prod_iter, None)
                        if current:
                            produced_upto += current[1]
                        continue
                    take = min(available, need)
                    slices.append((current[0], take))
                    need -= take
                    pos += take
                out.append((move, qty, date, slices, max(need, 0.0)))
                cursor += qty
            result[product] = out
        return result

    @api.model
    def _usage_per_unit(self, matches):
        production_ids = {
            production_id
            for items in matches.values()
            for __, __, __, slices, __ in items
            for production_id, __ in slices
        }
        if not production_ids:
            return {}
        rows = self.env["l10n_mx_immex.material.usage"].search_read(
            [("production_id", "in", list(production_ids))],
            ["production_id", "component_id", "qty_per_unit"],
            load=None,
        )
        usage = defaultdict(list)
        for row in rows:
            usage[row["production_id"]].append((row["component_id"], row["qty_per_unit"]))
        return usage

    @api.model
    def _controlled_product_ids(self):
        """Imported materials: classified as such, or held on temporary-import lines."""
        controlled = set(
            self.env["product.product"]
            .with_context(active_test=False)
            ._search([("l10n_mx_immex_type", "in", ("input", "packaging", "fixed_asset"))])
        )
        self.env["l10n_mx_immex.pedimento.line"].flush_model(
            ["product_id", "is_temporary", "material_type"]
        )
        # declassified after their import (a small partial index serves it)
        controlled.update(
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT product_id FROM l10n_mx_immex_pedimento_line
                     WHERE is_temporary AND (material_type IS NULL OR material_type = 'none')
                    """
                )
            )
        )
        return controlled

    @api.model
    def _imported_product_ids(self, products):
        """Ids of ``products`` that entered under a temporary import (any balance, any
        state of it): their exits are Annex 24 exits whatever their classification now."""
        if not products:
            return set()
        self.env["l10n_mx_immex.pedimento.line"].flush_model(["product_id", "is_temporary"])
        return {
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT DISTINCT product_id FROM l10n_mx_immex_pedimento_line
                     WHERE is_temporary AND product_id = ANY(%s)
                    """,
                    products.ids,
                )
            )
        }

    @api.model
    def _bom_structures(self, products, stop=(), company=None):
        """Pure BOM structures for ``products`` and everything below them (batched).

        One query per level finds the BOMs in force (see :meth:`_boms_in_force`), one more
        reads the lines each product takes of them (variant-specific lines follow the
        product's attribute values), quantities in the component's unit. Components in ``stop`` (the
        explosion ends at them) are not looked up: most of a harness's parts are bought.
        """
        for model, names in (
            ("mrp.bom", None),
            ("mrp.bom.line", None),
            ("product.product", ["product_tmpl_id"]),
            ("product.template", ["type", "uom_id"]),
            ("uom.uom", ["factor"]),
        ):
            self.env[model].flush_model(names)
        boms = {}
        todo = set(products.ids)
        seen = set()
        stop = set(stop)
        while todo:
            seen |= todo
            found = self._boms_in_force(todo, company)
            if not found:
                break
            pairs = sorted(found.items())
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT f.product_id, bl.product_id,
                           bl.product_qty * lu.factor / cu.factor,
                           COALESCE(bl.l10n_mx_immex_merma_percent, 0),
                           COALESCE(bl.l10n_mx_immex_desperdicio_percent, 0)
                      FROM unnest(%s::int[], %s::int[]) AS f(product_id, bom_id)
                      JOIN mrp_bom_line bl ON bl.bom_id = f.bom_id
                      JOIN uom_uom lu ON lu.id = bl.product_uom_id
                      JOIN product_product cp ON cp.id = bl.product_id
                      JOIN product_template ct ON ct.id = cp.product_tmpl_id
                      JOIN uom_uom cu ON cu.id = ct.uom_id
                     WHERE NOT EXISTS (
                           -- "Apply on Variants", as mrp.bom.line._skip_bom_line: for every
                           -- attribute the line names, the variant has one of its values;
                           -- a never-variant value cannot match goods taken from stock
                           SELECT 1
                             FROM mrp_bom_line_product_template_attribute_value_rel r
                             JOIN product_template_attribute_value v
                                  ON v.id = r.product_template_attribute_value_id
                             JOIN product_attribute a ON a.id = v.attribute_id
                        LEFT JOIN product_variant_combination c
                                  ON c.product_product_id = f.product_id
                                 AND c.product_template_attribute_value_id = v.id
                            WHERE r.mrp_bom_line_id = bl.id
                         GROUP BY v.attribute_id
                           HAVING BOOL_OR(a.create_variant = 'no_variant')
                               OR COUNT(c.product_product_id) = 0)
                  ORDER BY f.product_id, bl.sequence, bl.id
                    """,
                    [product_id for product_id, __ in pairs],
                    [bom_id for __, (bom_id, __, __) in pairs],
                )
            )
            lines_by_product = defaultdict(list)
            children = set()
            for product_id, component_id, qty, merma, desperdicio in rows:
                lines_by_product[product_id].append(
                    bom_lib.BomLine(component_id, qty, merma, desperdicio)
                )
                children.add(component_id)
            for product_id, (__, product_qty, bom_type) in found.items():
                boms[product_id] = bom_lib.Bom(
                    product_id, product_qty, lines_by_product[product_id], bom_type
                )
            todo = children - seen - stop
        return boms

    @api.model
    def _boms_in_force(self, product_ids, company=None):
        """``{product_id: (bom_id, product_qty in the product's unit, type)}``.

        The choice of ``mrp.bom._bom_find``, in SQL: for each product the first active BOM
        of its variant or of its template, by sequence, a variant's own BOM before its
        template's, then id; of ``company`` or shared. Products without a BOM are left out.
        """
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (pp.id)
                       pp.id, b.id, b.product_qty * bu.factor / pu.factor, b.type
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  JOIN uom_uom pu ON pu.id = pt.uom_id
                  JOIN mrp_bom b
                       ON b.active AND (b.product_id = pp.id
                          OR b.product_id IS NULL AND b.product_tmpl_id = pp.product_tmpl_id)
                  JOIN uom_uom bu ON bu.id = b.product_uom_id
                 WHERE pp.id = ANY(%s) AND pt.type != 'service' AND %s
              ORDER BY pp.id, b.sequence, b.product_id IS NULL, b.id
                """,
                sorted(product_ids),
                SQL("(b.company_id IS NULL OR b.company_id = %s)", company.id)
                if company
                else SQL("TRUE"),
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    # ------------------------------------------------------------------
    # Allocation and the ledger
    # ------------------------------------------------------------------
    @api.model
    def _discharge(self, demands, company, kind, exit_pedimento=None, event=None, nowait=False):
        """Allocate demands FIFO over open balances and write the ledger rows.

        The balances taken are locked (``FOR UPDATE``) so two exits validated at the same
        time can never take the same balance twice; a concurrent one waits, or fails and
        retries. With ``nowait``, a balance another transaction holds raises
        ``LockNotAvailable`` at once (the caller queues the exit instead of waiting).
        What no balance covers becomes a pending discharge. Returns the number of rows.
        """
        guard.check_companies(self.env, company)
        demands = [d for d in demands if d["qty"] > 0.5 * 10**-DIGITS]
        if not demands:
            return 0
        for demand in demands:
            demand.setdefault("exit_pedimento_id", exit_pedimento.id if exit_pedimento else None)
            demand.setdefault("event_id", event.id if event else None)
            demand.setdefault("kind", kind)
        exit_lines = {}
        exit_peds = self.env["l10n_mx_immex.pedimento"].browse(
            {d["exit_pedimento_id"] for d in demands if d["exit_pedimento_id"]}
        )
        for line in exit_peds.line_ids:
            exit_lines.setdefault((line.pedimento_id.id, line.product_id.id), line.id)
        max_date = max(d["date"] for d in demands)
        product_ids = sorted({d["product_id"] for d in demands})
        # Read without locks, then lock only the lines FIFO chose, in id order (no deadlock
        # between two exits). If one of them moved meanwhile (a concurrent exit committed),
        # allocate again with every candidate line locked.
        balances = self._fetch_balances(company, product_ids, max_date, lock=False)
        # Pure-Python batch work creates many small objects and no cycles: a pass of the
        # cyclic collector over Odoo's heap would cost more than the allocation itself.
        with fifo.gc_paused():
            rows, pendings = self._allocate(demands, balances)
        if not self._lock_balances({line_id for __, line_id, __ in rows}, balances, nowait):
            balances = self._fetch_balances(
                company, product_ids, max_date, lock=True, nowait=nowait
            )
            with fifo.gc_paused():
                rows, pendings = self._allocate(demands, balances)
        with fifo.gc_paused():
            columns = self._ledger_columns(demands, rows, company, exit_lines, balances)
            self._apply_lock_date(columns)
            count = self._insert_ledger(columns)
        if pendings:
            self._create_pendings(demands, pendings, company)
        self._add_to_balances(columns["import_line_id"], columns["quantity"])
        pending_ids = {pid for pid in columns["pending_id"] if pid}
        if pending_ids:
            self._refresh_pendings(pending_ids)
        return count

    @api.model
    def _fetch_balances(self, company, product_ids, max_date, lock=True, nowait=False):
        """Open balances per product in FIFO order, locked for this transaction."""
        # what the query reads; the rest of a validation's writes can wait for the commit
        self.env["l10n_mx_immex.pedimento"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        query = SQL(
            """
            SELECT l.id, l.product_id, l.qty_balance, l.fifo_date, l.expiry_date,
                   CASE WHEN l.quantity > 0 THEN l.quantity_tariff / l.quantity ELSE 0 END,
                   l.pedimento_id
              FROM l10n_mx_immex_pedimento_line l
              JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
             WHERE l.company_id = %s AND l.product_id = ANY(%s) AND l.is_temporary
               AND l.qty_balance > 0 AND l.fifo_date <= %s
          ORDER BY l.product_id, l.fifo_date, p.payment_date NULLS LAST, l.pedimento_name,
                   l.sequence, l.id
            %s
            """,
            company.id,
            product_ids,
            max_date,
            SQL("FOR UPDATE OF l NOWAIT" if nowait else "FOR UPDATE OF l") if lock else SQL(""),
        )
        by_product = defaultdict(list)
        info = {}
        read = {}
        for line_id, product_id, qty, fifo_date, expiry, ratio, ped_id in self.env.execute_query(
            query
        ):
            by_product[product_id].append([line_id, qty, fifo_date, expiry])
            info[line_id] = (ratio, ped_id, expiry)
            read[line_id] = qty
        return {"by_product": by_product, "info": info, "read": read}

    @api.model
    def _lock_balances(self, line_ids, balances, nowait=False):
        """Lock the chosen lines; False when one changed since the balances were read."""
        if not line_ids:
            return True
        current = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT id, qty_balance FROM l10n_mx_immex_pedimento_line
                     WHERE id = ANY(%s) ORDER BY id %s
                    """,
                    sorted(line_ids),
                    SQL("FOR UPDATE NOWAIT" if nowait else "FOR UPDATE"),
                )
            )
        )
        read = balances["read"]
        return all(abs(current.get(line_id, 0.0) - read[line_id]) < 1e-9 for line_id in line_ids)

    @api.model
    def _allocate(self, demands, balances):
        """FIFO allocation honouring dates, expiry and lots.

        Eligible balances for a demand: cleared on or before its date and not expired at it.
        Returns ``(rows, pendings)`` where a row is ``(demand_index, line_id, qty)`` and a
        pending is ``(demand_index, qty, reason)``.
        """
        by_product = balances["by_product"]
        rows, pendings = [], []
        eps = 0.5 * 10**-DIGITS
        # Lots first: their pedimento line is known, FIFO does not choose.
        forced = [(i, d) for i, d in enumerate(demands) if d.get("line_id")]
        free = [(i, d) for i, d in enumerate(demands) if not d.get("line_id")]
        for i, demand in forced:
            need = demand["qty"]
            for bal in by_product.get(demand["product_id"], ()):
                if bal[0] == demand["line_id"] and bal[1] > eps:
                    take = min(bal[1], need)
                    bal[1] -= take
                    need -= take
                    rows.append((i, bal[0], round(take, DIGITS)))
                    break
            if need > eps:
                free.append((i, dict(demand, qty=need)))
        free.sort(key=lambda item: (item[1]["date"], item[0]))
        # Group consecutive demands of one date: one fast pure allocation per date.
        start = 0
        while start < len(free):
            date = free[start][1]["date"]
            end = start
            while end < len(free) and free[end][1]["date"] == date:
                end += 1
            eligible = {}
            expired_seen = set()
            for product_id in {d["product_id"] for __, d in free[start:end]}:
                usable = []
                for bal in by_product.get(product_id, ()):
                    if bal[2] and bal[2] > date:
                        continue
                    if bal[3] and bal[3] < date:
                        if bal[1] > eps:
                            expired_seen.add(product_id)
                        continue
                    usable.append(bal)
                eligible[product_id] = usable
            # The pure allocator works on [id, qty] pairs; write the results back.
            pairs = {pid: [[b[0], b[1]] for b in bals] for pid, bals in eligible.items()}
            allocations, shortfalls = fifo.allocate(
                pairs,
                ((i, d["product_id"], d["qty"]) for i, d in free[start:end]),
                digits=DIGITS,
            )
            for pid, bals in eligible.items():
                for bal, pair in zip(bals, pairs[pid], strict=True):
                    bal[1] = pair[1]
            rows.extend(allocations)
            for i, product_id, missing in shortfalls:
                reason = "expired" if product_id in expired_seen else "no_balance"
                pendings.append((i, missing, reason))
            start = end
        return rows, pendings

    @api.model
    def _ledger_columns(self, demands, rows, company, exit_lines, balances):
        info = balances["info"]
        n = len(rows)
        line_ids = [line_id for __, line_id, __ in rows]
        quantities = [qty for __, __, qty in rows]
        picked = [demands[i] for i, __, __ in rows]
        ped_ids = [d["exit_pedimento_id"] for d in picked]
        return {
            "import_line_id": line_ids,
            "import_pedimento_id": [info[line_id][1] for line_id in line_ids],
            "product_id": [d["product_id"] for d in picked],
            "quantity": quantities,
            "quantity_tariff": [
                round(qty * info[line_id][0], DIGITS)
                for line_id, qty in zip(line_ids, quantities, strict=True)
            ],
            "date": [d["date"] for d in picked],
            "kind": [d["kind"] for d in picked],
            "exit_pedimento_id": ped_ids,
            "exit_line_id": [
                exit_lines.get((ped_id, d["finished_product_id"] or d["product_id"]))
                for ped_id, d in zip(ped_ids, picked, strict=True)
            ],
            "move_id": [d["move_id"] or None for d in picked],
            "production_id": [d["production_id"] or None for d in picked],
            "finished_product_id": [d["finished_product_id"] or None for d in picked],
            "reversed_id": [None] * n,
            "event_id": [d["event_id"] for d in picked],
            "pending_id": [d.get("pending_id") for d in picked],
            "company_id": [company.id] * n,
            "corrects_date": [None] * n,
            "is_directed": [bool(d.get("is_directed")) for d in picked],
        }

    @api.model
    def _insert_ledger(self, cols):
        """Write all rows with one COPY: the set-based fast path of the ledger.

        COPY streams plain text; an INSERT of array parameters costs more to build and parse
        than the rows themselves. The service vouches for its references (read and locked
        in this transaction), so the statement-level reference check is skipped for it.
        """
        n = len(cols["import_line_id"])
        if not n:
            return 0
        self.env["l10n_mx_immex.discharge"].flush_model()
        uid = str(self.env.uid)
        now = fields.Datetime.to_string(fields.Datetime.now())
        Log = self.env["l10n_mx_immex.log"]
        company_ids = cols["company_id"]
        heads = Log._l10n_mx_immex_lock_heads(CHAIN_LEDGER, set(company_ids))
        tail = f"\t{uid}\t{now}\t{now}\n"
        # Lines are formatted and hashed while PostgreSQL parses the previous chunk (the
        # stream is read lazily): the two processes work side by side, not one after the
        # other. The hashed line ends with create_uid; then chain_hash and the rest.
        chained = self._chain_stream(self._ledger_lines(cols, self.env.uid), company_ids, heads)
        stream = _LineStream(f"{line}\t{digest}{tail}" for line, digest in chained)
        names = ", ".join(HASH_COLUMNS + ("chain_hash", "write_uid", "create_date", "write_date"))
        # Static column list (no user input); psycopg2 streams the lines.
        self.env.cr._obj.copy_expert(
            f"COPY l10n_mx_immex_discharge ({names}) FROM STDIN", stream, size=COPY_CHUNK
        )
        Log._l10n_mx_immex_set_heads(CHAIN_LEDGER, heads)
        self.env["l10n_mx_immex.discharge"].invalidate_model()
        return n

    @api.model
    def _ledger_lines(self, cols, uid):
        """COPY text lines of a batch of ledger rows, in row order (a generator).

        A row's hash covers this line (the HASH_COLUMNS, tab-separated, ``\\N`` for NULL,
        floats as Python writes them), so no second rendering of the batch is needed.
        """
        columns = []
        for name in LEDGER_COLUMNS:
            column = cols[name]
            if name in FLOAT_COLUMNS:
                column = [float(v) for v in column]  # "10.0", as it reads back
            elif name in BOOL_COLUMNS:
                column = ["t" if v else "f" for v in column]  # as COPY writes them back
            elif name not in REQUIRED_COLUMNS:
                column = ["\\N" if not v else v for v in column]
            columns.append(column)
        template = "\t".join(["%s"] * len(LEDGER_COLUMNS)) + f"\t{int(uid)}"
        return (template % row for row in zip(*columns, strict=True))

    @api.model
    def _chain_stream(self, lines, company_ids, heads):
        """``(line, hash)`` in row order, each company's rows chained from its head; the
        heads (locked by the caller) move as the rows go by."""
        if len(heads) == 1:
            (company_id,) = heads
            digest = heads[company_id]
            for line, digest in hashing.iter_chain(heads[company_id], lines):
                yield line, digest
            heads[company_id] = digest
            return
        for company_id, line in zip(company_ids, lines, strict=True):
            heads[company_id] = digest = hashing.chain_lines(heads[company_id], [line])[0]
            yield line, digest

    @api.model
    def _chain_ledger(self, cols, uid):
        """Chain hashes of a batch of ledger rows (ORM create); moves the locked heads.

        The heads of the batch's companies are locked first, so the rows of one company
        chain in the order they get their ids (drawn after the lock).
        """
        Log = self.env["l10n_mx_immex.log"]
        company_ids = cols["company_id"]
        heads = Log._l10n_mx_immex_lock_heads(CHAIN_LEDGER, set(company_ids))
        hashes = [
            digest
            for __, digest in self._chain_stream(self._ledger_lines(cols, uid), company_ids, heads)
        ]
        Log._l10n_mx_immex_set_heads(CHAIN_LEDGER, heads)
        return hashes

    @api.model
    def _lock_dates(self, company_ids):
        """``{company_id: lock date or None}``: Annex 24 closed up to that day, inclusive."""
        companies = self.env["res.company"].sudo().browse(sorted(set(company_ids)))
        return {c.id: c.l10n_mx_immex_lock_date or None for c in companies}

    @api.model
    def _apply_lock_date(self, cols, corrected_dates=None):
        """No row takes effect on or before its company's lock date.

        A row dated in a closed period takes effect the day after the lock date and says
        in ``corrects_date`` the date it corrects; ``corrected_dates`` (reversals) gives,
        per row, the date of the row it reverses: a reversal of a row of a closed period
        names that period even when its own date is later.
        """
        locks = self._lock_dates(cols["company_id"])
        if not any(locks.values()):
            return
        dates = cols["date"]
        corrects = cols["corrects_date"]
        for i, company_id in enumerate(cols["company_id"]):
            lock = locks[company_id]
            if not lock:
                continue
            original = corrected_dates[i] if corrected_dates else dates[i]
            if original and original <= lock:
                corrects[i] = original
            if dates[i] <= lock:
                corrects[i] = corrects[i] or dates[i]
                dates[i] = lock + timedelta(days=1)

    @api.model
    def _insert_rows(self, model_name, vals_list):
        """Insert plain rows of ``model_name`` with one statement; return their ids in order.

        For the batches a validation writes (pedimento lines from moves, theoretical waste):
        every stored value must be in ``vals_list`` (all with the same keys); values are
        converted as ``create`` converts them (rounding, selections). No defaults, computed
        fields, constraints or caches are handled here: the caller does what its model needs.
        """
        if not vals_list:
            return []
        Model = self.env[model_name]
        Model.flush_model()
        names = list(vals_list[0])
        model_fields = [Model._fields[name] for name in names]
        now = fields.Datetime.now()
        arrays = []
        for field in model_fields:
            convert = self._column_converter(field)
            arrays.append(
                SQL(
                    "%s::%s[]",
                    [convert(vals[field.name]) for vals in vals_list],
                    SQL(field.column_type[1]),
                )
            )
        log = [self.env.uid, self.env.uid, now, now] if Model._log_access else []
        log_columns = ["create_uid", "write_uid", "create_date", "write_date"] if log else []
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO %(table)s (%(columns)s)
                SELECT %(values)s
                  FROM unnest(%(arrays)s) WITH ORDINALITY AS v(%(names)s, _position)
              ORDER BY v._position
             RETURNING id
                """,
                table=SQL.identifier(Model._table),
                columns=SQL(", ").join(SQL.identifier(name) for name in names + log_columns),
                values=SQL(", ").join(
                    [SQL.identifier("v", name) for name in names] + [SQL("%s", v) for v in log]
                ),
                arrays=SQL(", ").join(arrays),
                names=SQL(", ").join(SQL.identifier(name) for name in names),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _column_converter(self, field):
        """``field.convert_to_column_insert`` for a whole column: the same values, resolved
        once per column (digits, selection) instead of once per value."""
        if field.type == "float" and not field.company_dependent:
            digits = field.get_digits(self.env)
            if digits:
                scale = digits[1]
                return lambda value: float_round(value or 0.0, precision_digits=scale)
            return lambda value: float(value or 0.0)
        if field.type in ("many2one", "date", "datetime", "char", "selection") and not (
            field.translate or field.company_dependent
        ):
            return lambda value: value or None
        if field.type == "boolean" and not field.company_dependent:
            return bool
        Model = self.env[field.model_name]
        return lambda value: field.convert_to_column_insert(value, Model)

    @api.model
    def _add_to_balances(self, line_ids, quantities):
        """Add discharged quantities to the stored balances of their lines (one UPDATE).

        Incremental, so its cost does not grow with the ledger's history; the lines were
        locked when their balances were read, so concurrent exits queue behind.
        """
        totals = defaultdict(float)
        for line_id, qty in zip(line_ids, quantities, strict=True):
            totals[line_id] += qty
        if not totals:
            return
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_pedimento_line l
                   SET qty_discharged = l.qty_discharged + d.qty,
                       qty_balance = CASE WHEN l.is_temporary
                                          THEN l.quantity - l.qty_discharged - d.qty ELSE 0 END,
                       qty_balance_tariff = CASE
                           WHEN l.is_temporary AND l.quantity > 0
                           THEN (l.quantity - l.qty_discharged - d.qty)
                                * l.quantity_tariff / l.quantity
                           ELSE 0 END
                  FROM unnest(%s::int[], %s::float8[]) AS d(line_id, qty)
                 WHERE l.id = d.line_id AND l.id = ANY(%s)
                """,
                list(totals),
                [round(q, 9) for q in totals.values()],
                # the plain id filter spares a hash of every line of the company
                list(totals),
            )
        )
        self.env["l10n_mx_immex.pedimento.line"].invalidate_model(
            ["qty_discharged", "qty_balance", "qty_balance_tariff"]
        )

    @api.model
    def _create_pendings(self, demands, pendings, company):
        vals_list = []
        for i, qty, reason in pendings:
            demand = demands[i]
            if demand.get("pending_id"):
                continue  # a settlement attempt that still falls short: it stays pending
            vals_list.append(
                {
                    "product_id": demand["product_id"],
                    "quantity": qty,
                    "date": demand["date"],
                    "reason": reason,
                    "kind": demand["kind"],
                    "move_id": demand["move_id"] or False,
                    "production_id": demand["production_id"] or False,
                    "finished_product_id": demand["finished_product_id"] or False,
                    "exit_pedimento_id": demand["exit_pedimento_id"] or False,
                    "event_id": demand["event_id"] or False,
                    "company_id": company.id,
                }
            )
        if vals_list:
            self.env["l10n_mx_immex.discharge.pending"].sudo().create(vals_list)

    @api.model
    def _refresh_pendings(self, pending_ids):
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_discharge_pending p
                   SET qty_settled = s.total,
                       state = CASE WHEN p.quantity - s.total <= 0.0000005
                                    THEN 'settled' ELSE 'pending' END
                  FROM (SELECT p2.id, COALESCE(SUM(d.quantity), 0) AS total
                          FROM l10n_mx_immex_discharge_pending p2
                     LEFT JOIN l10n_mx_immex_discharge d ON d.pending_id = p2.id
                         WHERE p2.id = ANY(%s)
                      GROUP BY p2.id) s
                 WHERE p.id = s.id AND p.state != 'cancelled'
                """,
                sorted(pending_ids),
            )
        )
        self.env["l10n_mx_immex.discharge.pending"].invalidate_model(["qty_settled", "state"])

    @api.model
    def _settle_pending(self, company, products):
        """Settle pending discharges of ``products`` against balances now available."""
        guard.check_companies(self.env, company)
        Pending = self.env["l10n_mx_immex.discharge.pending"].sudo()
        pendings = Pending.search(
            [
                ("company_id", "=", company.id),
                ("product_id", "in", products.ids),
                ("state", "=", "pending"),
            ],
            order="date, id",
        )
        if not pendings:
            return 0
        demands = [
            {
                "product_id": p.product_id.id,
                "qty": p.qty_open,
                "move_id": p.move_id.id,
                "production_id": p.production_id.id,
                "finished_product_id": p.finished_product_id.id,
                "line_id": False,
                "date": p.date,
                "kind": p.kind,
                "pending_id": p.id,
                "exit_pedimento_id": p.exit_pedimento_id.id or None,
                "event_id": p.event_id.id or None,
            }
            for p in pendings
        ]
        count = self._discharge(demands, company, "export")
        pendings.invalidate_recordset()
        return count

    @api.model
    def _reverse(self, discharges, date=None, ratio=1.0):
        """Reversal rows (negative quantities) restoring exactly what ``discharges`` took.

        ``ratio`` reverses a share (a partial return); a row is never reversed beyond what
        still stands of it. Without ``date`` a reversal keeps the date of its row.
        """
        if not discharges:
            return 0
        guard.check_companies(self.env, discharges.sudo().company_id)
        return self._reverse_where(SQL("d.id = ANY(%s)", discharges.ids), date, ratio)

    @api.model
    def _reverse_period(self, company, date_from, date_to):
        """Reverse every standing row of a company's period (reconstruction).

        Rows that correct a closed period (``corrects_date``) stay: their exits belong to
        that period, which a re-run cannot reach, so they would not be discharged again.
        """
        guard.check_companies(self.env, company)
        return self._reverse_where(
            SQL(
                "d.company_id = %s AND d.date BETWEEN %s AND %s AND d.corrects_date IS NULL",
                company.id,
                date_from,
                date_to,
            )
        )

    @api.model
    def _reverse_where(self, condition, date=None, ratio=1.0):
        """Reversal rows of the standing rows matching ``condition``, written like any batch.

        The rows are read in one query (what stands of each, ``ratio`` of it), then written
        through :meth:`_insert_ledger` so that they are hash-chained and the period lock
        applies to them as to every other row; the balances follow incrementally.
        """
        self.env["l10n_mx_immex.discharge"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        # a re-run reads a million rows here: no cyclic collection over their tuples
        with fifo.gc_paused():
            return self._reverse_rows(condition, date, ratio)

    @api.model
    def _reverse_rows(self, condition, date, ratio):
        rows = self.env.execute_query(
            SQL(
                """
                WITH target AS (
                    SELECT d.* FROM l10n_mx_immex_discharge d
                     WHERE %s AND d.kind != 'reversal'
                ), done AS (
                    -- earlier (partial) reversals of those rows
                    SELECT r.reversed_id, SUM(r.quantity) AS qty
                      FROM l10n_mx_immex_discharge r
                      JOIN target t ON t.id = r.reversed_id
                  GROUP BY r.reversed_id
                ), todo AS (
                    SELECT t.*, LEAST(ROUND((t.quantity * %s)::numeric, 6),
                                      ROUND((t.quantity + COALESCE(done.qty, 0))::numeric, 6)
                                ) AS rev_qty
                      FROM target t LEFT JOIN done ON done.reversed_id = t.id
                )
                , picked AS (
                    SELECT * FROM todo WHERE rev_qty > 0 ORDER BY company_id, id
                )
                -- one row of arrays: the driver hands back columns, no tuple per row
                SELECT array_agg(import_line_id), array_agg(import_pedimento_id),
                       array_agg(product_id), array_agg((-rev_qty)::float8),
                       array_agg(COALESCE(-ROUND((rev_qty * quantity_tariff
                                        / NULLIF(quantity, 0))::numeric, 6), 0)::float8),
                       array_agg(COALESCE(%s, date)), array_agg(exit_pedimento_id),
                       array_agg(exit_line_id), array_agg(move_id), array_agg(production_id),
                       array_agg(finished_product_id), array_agg(id), array_agg(event_id),
                       array_agg(pending_id), array_agg(company_id), array_agg(is_directed),
                       array_agg(date)
                  FROM picked
                """,
                condition,
                ratio,
                date,
            )
        )
        if not rows or rows[0][0] is None:
            return 0
        names = (
            "import_line_id",
            "import_pedimento_id",
            "product_id",
            "quantity",
            "quantity_tariff",
            "date",
            "exit_pedimento_id",
            "exit_line_id",
            "move_id",
            "production_id",
            "finished_product_id",
            "reversed_id",
            "event_id",
            "pending_id",
            "company_id",
            "is_directed",
            "reversed_date",
        )
        cols = dict(zip(names, rows[0], strict=True))
        del rows
        n = len(cols["import_line_id"])
        cols["kind"] = ["reversal"] * n
        cols["corrects_date"] = [None] * n
        reversed_dates = cols.pop("reversed_date")
        self._apply_lock_date(cols, corrected_dates=reversed_dates)
        count = self._insert_ledger(cols)
        self._add_to_balances(cols["import_line_id"], cols["quantity"])
        pending_ids = {pid for pid in cols["pending_id"] if pid}
        if pending_ids:
            self._refresh_pendings(pending_ids)
        self._log_reversal(cols, reversed_dates)
        return count

    @api.model
    def _log_reversal(self, cols, reversed_dates):
        """One trail row per company for a reversal batch (however many rows it holds)."""
        per_company = defaultdict(list)
        for i, company_id in enumerate(cols["company_id"]):
            per_company[company_id].append(i)
        entries = []
        for company_id, positions in per_company.items():
            first = positions[0]
            entries.append(
                {
                    "model_name": "l10n_mx_immex.discharge",
                    "res_id": cols["reversed_id"][first],
                    "action": "reverse",
                    "company_id": company_id,
                    "changes": {
                        "rows_reversed": [0, len(positions)],
                        "quantity": [0, round(sum(cols["quantity"][i] for i in positions), 6)],
                        "date": [
                            str(min(reversed_dates[i] for i in positions)),
                            str(min(cols["date"][i] for i in positions)),
                        ],
                    },
                }
            )
        self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_record(entries)
