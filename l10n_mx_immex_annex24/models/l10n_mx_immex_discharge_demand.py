# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demands: what an exit takes out of Mexico, in imported components.

Deliveries, manufacturing orders and exit events turn into component demands here (real
consumption, the BOM in force, merma and pending waste); the discharge service allocates them.
"""

import bisect
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..immex import bom as bom_lib
from ..immex import fifo
from ..immex.pgarray import array_literal

# What one unit of a good made here holds: the average of its latest productions.
CONTENT_PRODUCTIONS = 20


class L10nMxImmexDischargeDemand(models.AbstractModel):
    _name = "l10n_mx_immex.discharge.demand"
    _description = "Annex 24 Discharge Demands"

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
        national_only = set()
        with_bom = self._product_ids_with_bom(moves.product_id)
        same_state = moves.filtered(lambda m: m.product_id.id not in with_bom)
        for company, company_moves in same_state.grouped("company_id").items():
            national_only |= self._national_only_product_ids(company, company_moves.product_id.ids)
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
            ) or (product.id in imported and product.id not in with_bom):
                # Goods leaving in the same state: discharged directly, following their lots.
                # A product imported under a pedimento stays controlled whatever its
                # classification says now: its exit is never skipped. Goods the plant only
                # ever bought in Mexico discharge nothing: no pedimento holds them.
                if product.id not in national_only:
                    demands.extend(self._lot_demands(move, product, qty, date))
            elif product.l10n_mx_immex_type == "finished" or product.id in with_bom:
                finished[product].append((move, qty, date))
        if finished:
            with fifo.gc_paused():
                more_demands, more_wastes = self._demands_for_finished(finished)
            demands += more_demands
            wastes += more_wastes
        self._prefer_returned_lines(moves, demands)
        return demands, wastes

    @api.model
    def _product_ids_with_bom(self, products):
        """Ids of ``products`` whose template has an active BOM (``product.bom_ids``, read
        in one query: through the ORM, a delivery of a hundred goods reads their BOMs)."""
        if not products:
            return set()
        self.env["mrp.bom"].flush_model(["product_tmpl_id", "active"])
        self.env["product.product"].flush_model(["product_tmpl_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT pp.id
                  FROM product_product pp
                 WHERE pp.id = ANY(%s::int[])
                   AND EXISTS (SELECT 1 FROM mrp_bom b
                                WHERE b.product_tmpl_id = pp.product_tmpl_id AND b.active)
                """,
                array_literal(products.ids),
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _lot_demands(self, move, product, qty, date):
        """Demands of goods leaving in the same state, following their lots.

        A lot's pedimento line is discharged only when that line was cleared on or before the
        exit and has not expired at it (the goods cannot have left under a declaration made
        after them, nor legally after their time limit); otherwise the lot's quantity is a
        pending discharge with that reason (``pending_reason``), never a silent FIFO pick.
        """
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
            demand = dict(base, qty=ml_qty, line_id=line.id)
            reason = self._lot_line_problem(line, date)
            if reason:
                demand["pending_reason"] = reason
            demands.append(demand)
            rest -= ml_qty
        if product.uom_id.compare(rest, 0.0) > 0:
            demands.append(dict(base, qty=rest, line_id=False))
        return demands

    @api.model
    def _lot_line_problem(self, line, date):
        """Why the pedimento line of a lot cannot take an exit on ``date``, or None."""
        if not line.is_temporary or not line.fifo_date or line.fifo_date > date:
            return "lot_not_cleared"
        if line.expiry_date and line.expiry_date < date:
            return "lot_expired"
        return None

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
                    if production_id not in usage_by_mo:
                        # made before the addon was installed, or never recorded: the BOM
                        # in force answers for it, never a silent zero
                        fallback[(product, move, date)] += mo_qty
                        continue
                    for component_id, per_unit in usage_by_mo[production_id]:
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
            # the BOM in force at each exit's date: one structure per company and date, or
            # one per company while no BOM carries a date (a re-run spans many dates)
            self.env["mrp.bom"].flush_model(["l10n_mx_immex_date_from"])
            dated = bool(
                self.env.execute_query(
                    SQL("SELECT 1 FROM mrp_bom WHERE l10n_mx_immex_date_from IS NOT NULL LIMIT 1")
                )
            )
            fallback_days = {key: key[2] if dated else None for key in fallback}
            boms_by_company = {}
            national_only = defaultdict(set)
            for company, day in {(key[1].company_id, day) for key, day in fallback_days.items()}:
                boms_by_company[company, day] = self._bom_structures(
                    self.env["product.product"].concat(
                        *{
                            key[0]
                            for key, d in fallback_days.items()
                            if key[1].company_id == company and d == day
                        }
                    ),
                    stop=controlled,
                    company=company,
                    date=day,
                )
                national_only[company] |= self._national_only_product_ids(
                    company,
                    {
                        line.component
                        for bom in boms_by_company[company, day].values()
                        for line in bom.lines
                    },
                )
            per_unit = {}
            for (product, move, date), qty in fallback.items():
                day = fallback_days[product, move, date]
                # read once per move: the loop below runs per component (50 per good)
                company, move_id, product_id = move.company_id, move.id, product.id
                boms = boms_by_company[company, day]
                skip = national_only[company]
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
                key = (company, day, product_id)
                if key not in per_unit:
                    per_unit[key] = [
                        (component_id, net1 + merma1, desp1)
                        for component_id, (net1, merma1, desp1) in bom_lib.explode(
                            product_id, 1.0, boms, stop=controlled.__contains__, digits=12
                        ).items()
                        if component_id in controlled and component_id not in skip
                    ]
                for component_id, taken1, desp1 in per_unit[key]:
                    demands.append(
                        {
                            "product_id": component_id,
                            "qty": taken1 * qty,
                            "move_id": move_id,
                            "finished_product_id": product_id,
                            "production_id": False,
                            "line_id": False,
                            "date": date,
                        }
                    )
                    if desp1 > 0:
                        wastes.append(
                            {
                                "product_id": component_id,
                                "quantity": desp1 * qty,
                                "date": date,
                                "source": "bom",
                                "move_id": move_id,
                                "finished_product_id": product_id,
                                "company_id": company.id,
                            }
                        )
        return demands, wastes

    @api.model
    def _match_productions(self, finished):
        """Match shipped finished goods FIFO to the productions that made them.

        Deterministic and stateless: every done exit of the product, in (date, id) order,
        takes the next slice of the cumulative production, in (date finished, id) order,
        among the productions finished on or before the exit's date (goods made after an
        export cannot be in it: that part takes the BOM fallback). Returns
        ``{product: [(move, qty, date, [(production_id, qty)], unmatched_qty)]}``.
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
            for product_id, production_id, qty, finished_on in self.env.execute_query(
                SQL(
                    """
                    SELECT p.product_id, p.id,
                           SUM(m.quantity * mu.factor / pu.factor)
                           -- goods of the order taken apart again (unbuild) never leave
                           - COALESCE((
                               SELECT SUM(um.quantity * umu.factor)
                                 FROM stock_move um
                                 JOIN mrp_unbuild u ON u.id = um.unbuild_id
                                 JOIN uom_uom umu ON umu.id = um.product_uom
                                WHERE u.mo_id = p.id AND um.product_id = p.product_id
                                  AND um.state = 'done'), 0) / MAX(pu.factor),
                           p.date_finished::date
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
                if qty > 1e-9:
                    productions[product_id].append((production_id, qty, finished_on))
            # What earlier exits already took, only for goods that were produced here.
            firsts = [
                (product.id,) + min(((d, m.id) for m, __, d in items))
                for product, items in company_items.items()
                if productions.get(product.id)
            ]
            if not firsts:
                continue
            batch_move_ids = [m.id for items in company_items.values() for m, __, __ in items]
            # Earlier exits, one row each (date, qty): what they matched depends on the
            # productions finished by their own dates (see _production_reach).
            for product_id, exit_date, qty in self.env.execute_query(
                SQL(
                    """
                        SELECT f.product_id, x.exit_date, x.qty
                          FROM unnest(%s::int[], %s::date[], %s::int[])
                               AS f(product_id, first_date, first_move)
                          JOIN LATERAL (
                               SELECT COALESCE(ped.entry_date, m.date::date) AS exit_date,
                                      m.quantity * mu.factor / pu.factor AS qty, m.id
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
                      ORDER BY f.product_id, x.exit_date, x.id
                    """,
                    [f[0] for f in firsts],
                    [f[1] for f in firsts],
                    [f[2] for f in firsts],
                    company.id,
                    batch_move_ids,
                )
            ):
                shipped.setdefault(product_id, []).append((exit_date, qty))
        for product, items in finished.items():
            if not productions.get(product.id):
                result[product] = [(m, q, d, [], q) for m, q, d in items]
                continue
            made = productions[product.id]
            reach = self._production_reach(made)
            matched = 0.0
            for exit_date, qty in shipped.get(product.id, ()):
                # what earlier exits matched: only production finished by their dates
                matched = max(min(matched + qty, reach(exit_date)), matched)
            out = []
            # a cursor over the productions: the matched position only moves forward
            index, end_of = 0, made[0][1] if made else 0.0
            for move, qty, date in sorted(items, key=lambda item: (item[2], item[0].id)):
                slices, need = [], min(qty, max(reach(date) - matched, 0.0))
                rest = qty - need
                while need > 1e-9 and index < len(made):
                    take = min(end_of - matched, need)
                    if take > 1e-9:
                        slices.append((made[index][0], take))
                        need -= take
                        matched += take
                    if end_of - matched <= 1e-9:
                        index += 1
                        if index < len(made):
                            end_of += made[index][1]
                out.append((move, qty, date, slices, max(rest + max(need, 0.0), 0.0)))
            result[product] = out
        return result

    @api.model
    def _production_reach(self, made):
        """``reach(date)``: cumulative production finished on or before ``date``.

        ``made`` is ``[(production_id, qty, date finished)]`` in finishing order; one
        bisection per call, so matching a long history stays linear-logarithmic.
        """
        dates, totals, total = [], [], 0.0
        for __, p_qty, done_on in made:
            if done_on:
                total += p_qty
                dates.append(done_on)
                totals.append(total)

        def reach(date):
            k = bisect.bisect_right(dates, date)
            return totals[k - 1] if k else 0.0

        return reach

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
            [("production_id", "in", list(production_ids)), ("unbuild_id", "=", False)],
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
    def _imported_content(self, company, product, controlled=None):
        """``{component_id: qty per unit}``: the temporarily imported material one unit of a
        good made in the plant holds, or None when ``product`` is not made here (an
        imported material itself, or a good with neither productions nor a BOM).

        The average of its latest productions (``CONTENT_PRODUCTIONS``), weighted by what
        each produced: one production counts once, whatever its number of usage rows;
        national content is excluded (it discharges nothing). Without recorded productions,
        the BOM in force (net + merma), without the components the plant only buys in Mexico.
        Used for sub-assemblies, scrap of finished goods or work in progress, and losses.
        """
        if controlled is None:
            controlled = self._controlled_product_ids()
        if product.id in controlled:
            return None
        self.env["l10n_mx_immex.material.usage"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                WITH latest AS (
                    SELECT production_id, MAX(qty_produced) AS produced
                      FROM l10n_mx_immex_material_usage
                     WHERE finished_product_id = %(product)s AND company_id = %(company)s
                       AND unbuild_id IS NULL
                  GROUP BY production_id
                  ORDER BY MAX(date) DESC, production_id DESC
                     LIMIT %(limit)s
                )
                SELECT u.component_id, SUM(u.qty_consumed - u.qty_national),
                       (SELECT SUM(produced) FROM latest)
                  FROM l10n_mx_immex_material_usage u
                  JOIN latest ON latest.production_id = u.production_id
                 WHERE u.unbuild_id IS NULL
              GROUP BY u.component_id
                """,
                product=product.id,
                company=company.id,
                limit=CONTENT_PRODUCTIONS,
            )
        )
        if rows:
            return {cid: qty / produced for cid, qty, produced in rows if produced}
        boms = self._bom_structures(product, stop=controlled, company=company)
        if product.id not in boms:
            return None
        leaves = bom_lib.explode(product.id, 1.0, boms, stop=controlled.__contains__)
        national_only = self._national_only_product_ids(company, leaves)
        return {
            cid: net + merma
            for cid, (net, merma, __) in leaves.items()
            if cid in controlled and cid not in national_only
        }

    @api.model
    def _national_only_product_ids(self, company, product_ids):
        """Ids of ``product_ids`` that ``company`` only ever got in Mexico (or definitively).

        Received from suppliers under the national or definitive regime, and never under a
        temporary import (no temporary receipt, no temporary pedimento line): no pedimento
        can hold them, so their consumption or exit is never a pending discharge. Goods of
        unknown origin (no receipt at all) are not in it: they stay controlled.
        """
        product_ids = sorted(set(product_ids))
        if not product_ids:
            return set()
        self.env["l10n_mx_immex.pedimento.line"].flush_model(
            ["product_id", "company_id", "is_temporary"]
        )
        # Goods on a temporary import are never national-only: most of an export's goods
        # are, and for them the moves (a validation's pending writes) are not flushed.
        candidates = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT p.id FROM unnest(%s::int[]) AS p(id)
                     WHERE NOT EXISTS (
                           SELECT 1 FROM l10n_mx_immex_pedimento_line l
                            WHERE l.product_id = p.id AND l.company_id = %s AND l.is_temporary)
                    """,
                    array_literal(product_ids),
                    company.id,
                )
            )
        ]
        if not candidates:
            return set()
        self.env["stock.move"].flush_model(
            ["product_id", "company_id", "state", "location_id", "l10n_mx_immex_regime"]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.product_id
                  FROM stock_move m
                  JOIN stock_location sl ON sl.id = m.location_id
                 WHERE m.product_id = ANY(%s) AND m.company_id = %s
                   AND m.state = 'done' AND sl.usage = 'supplier'
              GROUP BY m.product_id
                HAVING BOOL_AND(m.l10n_mx_immex_regime IN ('national', 'definitive'))
                """,
                candidates,
                company.id,
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _stock_by_regime(self, company, product_ids, exclude_production_ids=()):
        """``{product_id: {"temporary": qty, "national": qty, "temporary_known": bool}}``.

        What of each product is still on hand by regime, in the product's unit, from what
        really came in minus what was consumed or left: temporary = temporary-import lines
        (a receipt's line, or a partida declared before its goods) plus temporary receipts
        under no pedimento, minus the temporary part of the materials used and what left in
        the same state (direct discharges); national = national and definitive receipts net
        of returns to the supplier, minus the national part of the materials used.
        ``temporary_known``: the product was ever imported temporarily by the company;
        ``national_known``: it was ever received under the national or definitive regime.
        """
        product_ids = sorted(set(product_ids))
        if not product_ids:
            return {}
        for model in (
            "stock.move",
            "l10n_mx_immex.pedimento.line",
            "l10n_mx_immex.material.usage",
            "l10n_mx_immex.discharge",
        ):
            self.env[model].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                WITH p AS (SELECT unnest(%(products)s::int[]) AS product_id),
                receipts AS (
                    SELECT m.product_id,
                           SUM(CASE WHEN m.l10n_mx_immex_regime = 'temporary'
                                     AND m.l10n_mx_immex_pedimento_line_id IS NULL
                                    THEN sign * qty ELSE 0 END) AS temporary,
                           SUM(CASE WHEN m.l10n_mx_immex_regime IN ('national', 'definitive')
                                    THEN sign * qty ELSE 0 END) AS national,
                           BOOL_OR(m.l10n_mx_immex_regime IN ('national', 'definitive')
                                   AND sign = 1) AS national_in
                      FROM (SELECT m.*, m.quantity * mu.factor / pu.factor AS qty,
                                   CASE WHEN sl.usage = 'supplier' THEN 1 ELSE -1 END AS sign
                              FROM stock_move m
                              JOIN stock_location sl ON sl.id = m.location_id
                              JOIN stock_location dl ON dl.id = m.location_dest_id
                              JOIN uom_uom mu ON mu.id = m.product_uom
                              JOIN product_product pp ON pp.id = m.product_id
                              JOIN product_template pt ON pt.id = pp.product_tmpl_id
                              JOIN uom_uom pu ON pu.id = pt.uom_id
                             WHERE m.product_id = ANY(%(products)s)
                               AND m.company_id = %(company)s AND m.state = 'done'
                               AND (sl.usage = 'supplier') != (dl.usage = 'supplier')) m
                  GROUP BY m.product_id
                ),
                lines AS (
                    SELECT product_id, SUM(quantity_product) AS qty
                      FROM l10n_mx_immex_pedimento_line
                     WHERE product_id = ANY(%(products)s) AND company_id = %(company)s
                       AND is_temporary
                  GROUP BY product_id
                ),
                used AS (
                    SELECT component_id AS product_id,
                           SUM(qty_consumed - qty_national) AS temporary,
                           SUM(qty_national) AS national
                      FROM l10n_mx_immex_material_usage
                     WHERE component_id = ANY(%(products)s) AND company_id = %(company)s
                       AND COALESCE(production_id, 0) != ALL(%(exclude)s)
                       -- a sub-assembly's content is counted by its own production
                       AND via_product_id IS NULL
                  GROUP BY component_id
                ),
                direct AS (
                    SELECT product_id, SUM(quantity) AS qty
                      FROM l10n_mx_immex_discharge
                     WHERE product_id = ANY(%(products)s) AND company_id = %(company)s
                       AND finished_product_id IS NULL AND production_id IS NULL
                  GROUP BY product_id
                )
                SELECT p.product_id,
                       COALESCE(lines.qty, 0) + COALESCE(receipts.temporary, 0)
                           - COALESCE(used.temporary, 0) - COALESCE(direct.qty, 0),
                       COALESCE(receipts.national, 0) - COALESCE(used.national, 0),
                       lines.qty IS NOT NULL OR COALESCE(receipts.temporary, 0) > 0,
                       COALESCE(receipts.national_in, FALSE)
                  FROM p
             LEFT JOIN receipts ON receipts.product_id = p.product_id
             LEFT JOIN lines ON lines.product_id = p.product_id
             LEFT JOIN used ON used.product_id = p.product_id
             LEFT JOIN direct ON direct.product_id = p.product_id
                """,
                products=product_ids,
                company=company.id,
                exclude=list(exclude_production_ids),
            )
        )
        return {
            product_id: {
                "temporary": max(temporary or 0.0, 0.0),
                "national": max(national or 0.0, 0.0),
                "temporary_known": bool(known),
                "national_known": bool(national_known),
            }
            for product_id, temporary, national, known, national_known in rows
        }

    @api.model
    def _bom_structures(self, products, stop=(), company=None, date=None):
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
            found = self._boms_in_force(todo, company, date=date)
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
                     -- a line without attribute values applies to every variant: the
                     -- hashed look-up spares most lines the grouped check below
                     WHERE (bl.id NOT IN (
                           SELECT r0.mrp_bom_line_id
                             FROM mrp_bom_line_product_template_attribute_value_rel r0)
                        OR NOT EXISTS (
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
                               OR COUNT(c.product_product_id) = 0))
                  ORDER BY f.product_id, bl.sequence, bl.id
                    """,
                    array_literal([product_id for product_id, __ in pairs]),
                    array_literal([bom_id for __, (bom_id, __, __) in pairs]),
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
    def _boms_in_force(self, product_ids, company=None, date=None):
        """``{product_id: (bom_id, product_qty in the product's unit, type)}``.

        The choice of ``mrp.bom._bom_find``, in SQL: for each product the first active BOM
        of its variant or of its template, by sequence, a variant's own BOM before its
        template's, then id; of ``company`` or shared. Products without a BOM are left out.
        With ``date`` (an exit's), the BOM in force that day comes first: the latest
        ``l10n_mx_immex_date_from`` on or before it (archived dated versions included), then
        undated active BOMs; BOMs dated after it are not in force yet.
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
                       ON (b.product_id = pp.id
                          OR b.product_id IS NULL AND b.product_tmpl_id = pp.product_tmpl_id)
                  JOIN uom_uom bu ON bu.id = b.product_uom_id
                 WHERE pp.id = ANY(%s::int[]) AND pt.type != 'service' AND %s AND %s
              ORDER BY pp.id, %s b.sequence, b.product_id IS NULL, b.id
                """,
                array_literal(sorted(product_ids)),
                SQL("(b.company_id IS NULL OR b.company_id = %s)", company.id)
                if company
                else SQL("TRUE"),
                SQL(
                    """(b.l10n_mx_immex_date_from IS NULL AND b.active
                        OR b.l10n_mx_immex_date_from <= %s)""",
                    date,
                )
                if date
                else SQL("b.active"),
                SQL("b.l10n_mx_immex_date_from DESC NULLS LAST,") if date else SQL(""),
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    @api.model
    def _prefer_returned_lines(self, moves, demands):
        """Goods returned to the supplier abroad are the very goods of their receipt: its
        pedimento line is taken first (FIFO takes the rest), unless a lot already names one.
        """
        receipt_lines = {}
        for move in moves:
            if move.location_dest_id.usage != "supplier":
                continue
            origin = move.origin_returned_move_id
            # a return of a return of ... walks back to the receipt that opened the balance
            while origin and not origin.l10n_mx_immex_pedimento_line_id.is_temporary:
                origin = origin.origin_returned_move_id
            if origin:
                receipt_lines[move.id] = origin.l10n_mx_immex_pedimento_line_id.id
        if not receipt_lines:
            return
        for demand in demands:
            line_id = receipt_lines.get(demand["move_id"])
            if line_id and not demand.get("line_id") and not demand["finished_product_id"]:
                demand["line_id"] = line_id
