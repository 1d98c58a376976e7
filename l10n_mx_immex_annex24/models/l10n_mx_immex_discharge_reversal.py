# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reversals: ledger rows that give back what earlier rows took.

Returns, cancellations of exit pedimentos and re-runs of a period call it.
"""

from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..immex import fifo
from . import l10n_mx_immex_guard as guard


class L10nMxImmexDischargeReversal(models.AbstractModel):
    _name = "l10n_mx_immex.discharge.reversal"
    _description = "Annex 24 Discharge Reversals"

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
        self.env["l10n_mx_immex.discharge.service"]._apply_lock_date(
            cols, corrected_dates=reversed_dates
        )
        count = self.env["l10n_mx_immex.discharge.service"]._insert_ledger(cols)
        self.env["l10n_mx_immex.discharge.service"]._add_to_balances(
            cols["import_line_id"], cols["quantity"]
        )
        pending_ids = {pid for pid in cols["pending_id"] if pid}
        if pending_ids:
            self.env["l10n_mx_immex.discharge.pending"]._refresh_pendings(pending_ids)
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
