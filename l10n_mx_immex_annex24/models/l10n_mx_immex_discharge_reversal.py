# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reversals: ledger rows that give back what earlier rows took.

Returns, cancellations of exit pedimentos and events, and re-runs of a period call it.

Dating: a reversal is a correction of what its row said, so it is **effective at the date
of the row it reverses** (``date``) and recorded when it is made (``create_date``): a
return validated in December of an April exit restores the April balance, and says
December. Only in a closed period (the company's Annex 24 lock date) the row takes effect
the day after the lock date, naming in ``corrects_date`` the date it corrects, so a closed
period's reports never change and the correction stays visible (see ``_apply_lock_date``).

Partial give-backs (a return of part of a delivery) follow LIFO over the exit's own rows:
what the exit could not cover (its open pending) shrinks first, then the balances latest in
FIFO order go back first, so what stands is what FIFO gives on the goods that really left.
"""

import json
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..immex import fifo
from ..immex.quantities import DIGITS, TOLERANCE, fifo_order_sql
from . import l10n_mx_immex_guard as guard


class L10nMxImmexDischargeReversal(models.AbstractModel):
    _name = "l10n_mx_immex.discharge.reversal"
    _description = "Annex 24 Discharge Reversals"

    @api.model
    def _reverse(self, discharges, date=None, ratio=1.0):
        """Reversal rows (negative quantities) restoring exactly what ``discharges`` took.

        ``ratio`` reverses the same share of every row (pro rata; a partial return of goods
        uses :meth:`_give_back`, LIFO, instead); a row is never reversed beyond what still
        stands of it. Without ``date`` (the rule) a reversal is effective at the date of its
        row; a ``date`` is for a correction that by nature takes effect later.
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
        Rectification adjustments stay too: they are declared facts, not FIFO's choices.
        """
        guard.check_companies(self.env, company)
        return self._reverse_where(
            SQL(
                "d.company_id = %s AND d.date BETWEEN %s AND %s AND d.corrects_date IS NULL"
                " AND d.kind <> 'adjustment'",
                company.id,
                date_from,
                date_to,
            )
        )

    @api.model
    def _reverse_where(self, condition, date=None, ratio=1.0, amounts=None):
        """Reversal rows of the standing rows matching ``condition``, written like any batch.

        The rows are read in one query (what stands of each, ``ratio`` of it), then written
        through :meth:`_insert_ledger` so that they are hash-chained and the period lock
        applies to them as to every other row; the balances follow incrementally.
        """
        self.env["l10n_mx_immex.discharge"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        # a re-run reads a million rows here: no cyclic collection over their tuples
        with fifo.gc_paused():
            return self._reverse_rows(condition, date, ratio, amounts)

    @api.model
    def _reverse_rows(self, condition, date, ratio, amounts=None):
        """``amounts`` (``{row_id: qty}``) gives back those quantities instead of ``ratio``."""
        if amounts:
            want = SQL(
                "COALESCE((%s::jsonb ->> t.id::text)::float8, 0)",
                json.dumps({str(row_id): qty for row_id, qty in amounts.items()}),
            )
        else:
            want = SQL("t.quantity * %s", ratio)
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
                    SELECT t.*, LEAST(ROUND((%s)::numeric, 6),
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
                want,
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
        self.env["l10n_mx_immex.discharge.service"]._apply_lock_date(
            cols, corrected_dates=reversed_dates
        )
        count = self.env["l10n_mx_immex.discharge.service"]._insert_ledger(cols)
        self.env["l10n_mx_immex.discharge.service"]._add_to_balances(
            cols["import_line_id"], cols["quantity"]
        )
        # A settlement given back: the goods that settled the pending never left, so that
        # part of the pending is cancelled, never open again (it does not come back to life).
        cancelled = defaultdict(float)
        for pending_id, qty in zip(cols["pending_id"], cols["quantity"], strict=True):
            if pending_id:
                cancelled[pending_id] -= qty
        if cancelled:
            self.env["l10n_mx_immex.discharge.pending"]._refresh_pendings(
                set(cancelled), cancelled=cancelled
            )
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

    # ------------------------------------------------------------------
    # Partial give-backs: LIFO over an exit's own rows
    # ------------------------------------------------------------------
    @api.model
    def _give_back(self, discharges, amounts, pendings=None, lines_first=None):
        """Give back ``amounts`` (``{product_id: qty}``) of what ``discharges`` took, LIFO.

        Per product: ``lines_first`` (``{product_id: {line_id: qty}}``, the lines of the
        lots that came back: the goods name them) gives back from rows of those lines
        first; then the open part of ``pendings`` shrinks (the shortfall is the last of an
        exit's FIFO: nothing covered it), newest pending first; then the rest goes back
        from the rows whose import lines are latest in FIFO order (rows of one line: newest
        first). Nothing goes back beyond what stands of a row. Returns the rows written.
        """
        companies = discharges.sudo().company_id
        if pendings:
            companies |= pendings.sudo().company_id
        guard.check_companies(self.env, companies)
        amounts = {pid: qty for pid, qty in amounts.items() if qty >= TOLERANCE}
        if not amounts:
            return 0
        # an exit nothing covered has no rows: only its pending shrinks
        rows = self._standing_lifo(discharges) if discharges else []
        per_row = defaultdict(float)

        def take_from(row_id, product_id, standing, limit):
            take = min(amounts.get(product_id, 0.0), standing - per_row[row_id], limit)
            if take < TOLERANCE:
                return 0.0
            per_row[row_id] += take
            amounts[product_id] = round(amounts[product_id] - take, DIGITS)
            return take

        for product_id, lot_lines in (lines_first or {}).items():
            lot_lines = dict(lot_lines)
            for row_id, row_product, line_id, standing in rows:
                if row_product == product_id and lot_lines.get(line_id, 0.0) >= TOLERANCE:
                    taken = take_from(row_id, product_id, standing, lot_lines[line_id])
                    lot_lines[line_id] = round(lot_lines[line_id] - taken, DIGITS)
        cancelled = defaultdict(float)
        newest_first = pendings.sorted(lambda p: (p.date, p.id), reverse=True) if pendings else []
        for pending in newest_first:
            need = amounts.get(pending.product_id.id, 0.0)
            take = min(need, pending.qty_open)
            if pending.state != "pending" or take < TOLERANCE:
                continue
            cancelled[pending.id] += take
            amounts[pending.product_id.id] = round(need - take, DIGITS)
        if cancelled:
            self.env["l10n_mx_immex.discharge.pending"]._refresh_pendings(
                set(cancelled), cancelled=cancelled
            )
        for row_id, product_id, __, standing in rows:
            take_from(row_id, product_id, standing, standing)
        per_row = {row_id: qty for row_id, qty in per_row.items() if qty >= TOLERANCE}
        if not per_row:
            return 0
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        with fifo.gc_paused():
            return self._reverse_rows(
                SQL("d.id = ANY(%s)", sorted(per_row)), None, 1.0, amounts=per_row
            )

    @api.model
    def _standing_lifo(self, discharges):
        """``(row_id, product_id, line_id, standing)`` of ``discharges``' standing rows,
        latest consumed first: import lines in reverse FIFO order, then newest row first."""
        self.env["l10n_mx_immex.discharge"].flush_model()
        return self.env.execute_query(
            SQL(
                """
                SELECT d.id, d.product_id, d.import_line_id,
                       d.quantity + COALESCE(
                           (SELECT SUM(r.quantity) FROM l10n_mx_immex_discharge r
                             WHERE r.reversed_id = d.id), 0) AS standing
                  FROM l10n_mx_immex_discharge d
                  JOIN l10n_mx_immex_pedimento_line l ON l.id = d.import_line_id
                  JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                 WHERE d.id = ANY(%s) AND d.kind != 'reversal'
              ORDER BY ROW_NUMBER() OVER (PARTITION BY d.product_id ORDER BY %s, d.id) DESC
                """,
                discharges.ids,
                SQL(fifo_order_sql("l", "p")),
            )
        )

    @api.model
    def _reverse_returned(self, returns):
        """Done return moves of goods that had not crossed: give back what their exit took.

        Goods that left in the same state give back the quantity that came back. For the
        components of finished goods the share of each return is of the exit's quantity
        (``returned / delivered``), so returns never compound (two 30 % returns leave
        40 %): what stands of a component before the return is ``(1 - earlier share) x``
        its demand, so the give-back is ``standing x share / (1 - earlier share)``. Lots
        that came back give back their own lines; pendings shrink first, then LIFO (see
        :meth:`_give_back`). The exit's
        pending waste follows the same shares (``l10n_mx_immex.waste._return_share``).
        """
        Pending = self.env["l10n_mx_immex.discharge.pending"].sudo()
        Discharge = self.env["l10n_mx_immex.discharge"].sudo()
        count = 0
        # in id order: a return validated with another counts it as earlier
        for move in returns.sorted("id"):
            origin = move.origin_returned_move_id
            if not origin.quantity:
                continue
            uom = origin.product_uom
            earlier = sum(
                r.product_uom._compute_quantity(r.quantity, uom)
                for r in origin.returned_move_ids
                if r.state == "done" and r != move and r.id < move.id
            )
            back = move.product_uom._compute_quantity(move.quantity, uom)
            share_before = min(earlier / origin.quantity, 1.0)
            share = min(back / origin.quantity, 1.0 - share_before)
            if share <= 0:
                continue
            rows = Discharge.search([("move_id", "=", origin.id), ("kind", "!=", "reversal")])
            pendings = Pending.search([("move_id", "=", origin.id), ("state", "=", "pending")])
            factor = share / (1.0 - share_before)
            standing = defaultdict(float)
            for __, product_id, __, qty in self._standing_lifo(rows):
                standing[product_id] += qty
            for pending in pendings:
                standing[pending.product_id.id] += pending.qty_open
            amounts = {pid: round(qty * factor, DIGITS) for pid, qty in standing.items()}
            if origin.product_id.id in amounts:
                # goods that left in the same state: what came back is known exactly
                same = origin.product_id.uom_id
                amounts[origin.product_id.id] = min(
                    round(move.product_uom._compute_quantity(move.quantity, same), DIGITS),
                    standing[origin.product_id.id],
                )
            count += self._give_back(
                rows, amounts, pendings=pendings, lines_first=self._returned_lots(move)
            )
            self.env["l10n_mx_immex.waste"].sudo()._return_share(origin, share_before + share)
        return count

    @api.model
    def _returned_lots(self, move):
        """``{product_id: {line_id: qty}}``: the pedimento lines of the lots that came back
        (in the product's unit), for goods returned in the same state."""
        product = move.product_id
        lots = defaultdict(float)
        for ml in move.move_line_ids:
            line = ml.lot_id.l10n_mx_immex_pedimento_line_id
            if line and line.product_id == product:
                lots[line.id] += ml.product_uom_id._compute_quantity(
                    ml.quantity, product.uom_id, rounding_method="HALF-UP"
                )
        return {product.id: dict(lots)} if lots else {}

    @api.model
    def _net_move_demands(self, items, ratio, lots):
        """One returned exit's demands, in place: ``ratio`` of them still stands; lots that
        came back (``{line_id: qty}``) leave their own lines first."""
        total_after = sum(d["qty"] for d in items) * ratio
        named_after = 0.0
        for demand in items:
            line_id = demand.get("line_id")
            if line_id and lots.get(line_id, 0.0) >= TOLERANCE:
                take = min(lots[line_id], demand["qty"])
                lots[line_id] -= take
                demand["qty"] -= take
            if line_id:
                named_after += demand["qty"]
        free = [d for d in items if not d.get("line_id")]
        free_before = sum(d["qty"] for d in free)
        if free_before >= TOLERANCE:
            scale = max(0.0, total_after - named_after) / free_before
            for demand in free:
                demand["qty"] *= scale
        # a named line that is no lot (a returned receipt's own line) gives back too when
        # the free demands cannot absorb what came back
        excess = named_after + min(free_before, max(0.0, total_after - named_after))
        excess -= total_after
        if excess >= TOLERANCE and named_after >= TOLERANCE:
            scale = max(0.0, named_after - excess) / named_after
            for demand in items:
                if demand.get("line_id"):
                    demand["qty"] *= scale

    @api.model
    def _net_of_returns(self, moves, demands, wastes):
        """Demands and waste of exit ``moves`` as they stand after their done returns, in
        place (a re-run discharges only what really left, as the returns left the ledger).

        Demands naming a lot's line lose what came back of that lot; the others keep the
        rest of the move's share: ``demand x (1 - returned / delivered)`` in all.
        """

        # most exits were never returned: one read finds those that were. Goods brought back
        # under a new temporary import did leave (the new import opens their balance):
        # nothing of the exit is subtracted for them.
        def came_back(ret):
            return ret.state == "done" and not ret._l10n_mx_immex_is_temporary_receipt()

        returned = moves.returned_move_ids.filtered(came_back)
        if not returned:
            return demands, wastes
        moves = returned.origin_returned_move_id & moves
        returned_ids = set(moves.ids)
        by_move = defaultdict(list)
        for demand in demands:
            if demand["move_id"] in returned_ids:
                by_move[demand["move_id"]].append(demand)
        kept = {}
        for move in moves:
            done = move.returned_move_ids.filtered(came_back)
            if not move.quantity:
                continue
            back = sum(r.product_uom._compute_quantity(r.quantity, move.product_uom) for r in done)
            ratio = max(0.0, 1.0 - back / move.quantity)
            kept[move.id] = ratio
            lots = defaultdict(float)
            for ret in done:
                for line_id, qty in self._returned_lots(ret).get(move.product_id.id, {}).items():
                    lots[line_id] += qty
            self._net_move_demands(by_move.get(move.id, []), ratio, lots)
        for waste in wastes:
            if waste["move_id"] in kept:
                waste["quantity"] *= kept[waste["move_id"]]
        return demands, wastes
