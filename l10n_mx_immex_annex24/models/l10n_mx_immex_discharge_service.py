# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The discharge service: allocation of demands over balances, and the ledger writes.

Stock moves, manufacturing orders, scraps, exit events and the reconstruction wizard call
it; every method is private (no RPC reaches it) and each entry point refuses companies the
real user may not act for, also under ``sudo()``. Its seams live in their own models:
demands (``l10n_mx_immex.discharge.demand``: what an exit takes, in imported components),
pendings (``l10n_mx_immex.discharge.pending``) and reversals
(``l10n_mx_immex.discharge.reversal``). The allocation is the pure :mod:`..immex.fifo`,
ledger rows are written with one COPY, then the stored balances of the touched lines are
refreshed with one UPDATE.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, clean_context, float_round

from ..immex import fifo, hashing
from ..immex.pgarray import array_literal
from ..immex.quantities import DIGITS, TOLERANCE, balance_sql, fifo_order_sql
from . import l10n_mx_immex_guard as guard
from .l10n_mx_immex_log import CHAIN_LEDGER

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


# the one balance formula (immex.quantities), for a line ``l`` discharged ``d.qty`` more
BALANCE_AFTER_SQL = balance_sql("l", "l.qty_discharged + d.qty")

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
        demands = [d for d in demands if d["qty"] >= TOLERANCE]
        if not demands:
            return 0
        for demand in demands:
            demand.setdefault("exit_pedimento_id", exit_pedimento.id if exit_pedimento else None)
            demand.setdefault("event_id", event.id if event else None)
            demand.setdefault("kind", kind)
        demands = self._direct_demands(demands)
        exit_lines = self._exit_lines(
            {d["exit_pedimento_id"] for d in demands if d["exit_pedimento_id"]}
        )
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
            self.env["l10n_mx_immex.discharge.pending"]._create_pendings(demands, pendings, company)
        self._add_to_balances(columns["import_line_id"], columns["quantity"])
        pending_ids = {pid for pid in columns["pending_id"] if pid}
        if pending_ids:
            self.env["l10n_mx_immex.discharge.pending"]._refresh_pendings(pending_ids)
        return count

    @api.model
    def _exit_lines(self, exit_pedimento_ids):
        """``{(exit pedimento id, product id): line id}``: the first line of each product
        (in the lines' order) an exit row names; read in one query, not as records."""
        if not exit_pedimento_ids:
            return {}
        self.env["l10n_mx_immex.pedimento.line"].flush_model(
            ["pedimento_id", "product_id", "sequence"]
        )
        exit_lines = {}
        for ped_id, product_id, line_id in self.env.execute_query(
            SQL(
                """
                SELECT pedimento_id, product_id, id FROM l10n_mx_immex_pedimento_line
                 WHERE pedimento_id = ANY(%s::int[])
              ORDER BY sequence, id
                """,
                array_literal(sorted(exit_pedimento_ids)),
            )
        ):
            exit_lines.setdefault((ped_id, product_id), line_id)
        return exit_lines

    @api.model
    def _fetch_balances(self, company, product_ids, max_date, lock=True, nowait=False):
        """Open balances per product in FIFO order, locked for this transaction."""
        # what the query reads; the rest of a validation's writes can wait for the commit
        self.env["l10n_mx_immex.pedimento"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        query = SQL(
            """
            SELECT l.id, l.product_id, l.qty_balance,
                   -- goods of a consolidated pedimento's remesas may leave from its entry
                   -- date; FIFO still orders it by its closing date (fifo_date)
                   CASE WHEN p.is_consolidated AND p.entry_date < l.fifo_date
                        THEN p.entry_date ELSE l.fifo_date END,
                   l.expiry_date,
                   CASE WHEN l.quantity_product > 0
                        THEN l.quantity_tariff / l.quantity_product ELSE 0 END,
                   l.pedimento_id
              FROM l10n_mx_immex_pedimento_line l
              JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
             WHERE l.company_id = %s AND l.product_id = ANY(%s::int[]) AND l.is_temporary
               AND l.qty_balance >= %s
               AND (l.fifo_date <= %s OR p.is_consolidated AND p.entry_date <= %s)
          ORDER BY l.product_id, %s
            %s
            """,
            company.id,
            array_literal(product_ids),
            TOLERANCE,
            max_date,
            max_date,
            SQL(fifo_order_sql("l", "p")),
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
                     WHERE id = ANY(%s::int[]) ORDER BY id %s
                    """,
                    array_literal(sorted(line_ids)),
                    SQL("FOR UPDATE NOWAIT" if nowait else "FOR UPDATE"),
                )
            )
        )
        read = balances["read"]
        return all(abs(current.get(line_id, 0.0) - read[line_id]) < 1e-9 for line_id in line_ids)

    @api.model
    def _allocate(self, demands, balances):
        """FIFO allocation honouring dates, expiry, lots, directed lines and A3.

        The pure :func:`..immex.fifo.allocate_exits` decides. A demand may name its line:
        ``directed_line_id`` (a declared descargo, strict: short is pending ``directed``)
        prevails over ``line_id`` (a lot's or a returned receipt's line, then FIFO); demands
        of kind ``regularization`` (A3) take expired balances only; ``pending_reason`` (a lot
        that may not follow its line) goes pending without allocation. Returns ``(rows,
        pendings)`` where a row is ``(demand_index, line_id, qty)`` and a pending is
        ``(demand_index, qty, reason)``.
        """
        pendings = []
        todo = []
        for i, d in enumerate(demands):
            directed = d.get("directed_line_id")
            if d.get("pending_reason") and not directed:
                # its lot's line cannot take it (not cleared yet, expired): no FIFO pick
                pendings.append((i, d["qty"], d["pending_reason"]))
                continue
            todo.append(
                (
                    i,
                    d["product_id"],
                    d["qty"],
                    d["date"],
                    # a declaration prevails over the line a lot or a returned receipt names
                    directed or d.get("line_id") or None,
                    bool(directed),
                    # only an A3 regularisation takes expired balances, and nothing else
                    d["kind"] == "regularization",
                )
            )
        allocations, shortfalls, __ = fifo.allocate_exits(
            balances["by_product"], todo, digits=DIGITS, tolerance=TOLERANCE
        )
        info = balances["info"]
        for i, __, qty, reason in shortfalls:
            demand = demands[i]
            if reason == fifo.DIRECTED:
                # a declared line that expired needs an A3, it is not a short declaration
                expiry = (info.get(demand["directed_line_id"]) or (0, 0, None))[2]
                expired = expiry and expiry < demand["date"] and demand["kind"] != "regularization"
                reason = "expired" if expired else "directed"
            elif demand["kind"] == "regularization":
                reason = "not_expired"
            pendings.append((i, qty, reason))
        return allocations, pendings

    @api.model
    def _direct_demands(self, demands):
        """Split the demands an exit pedimento declares (its descargo records) into one
        directed demand per declared import line, in declaration order; what exceeds the
        declared quantities stays a FIFO demand. Settlements of pendings are not split. The
        declaration prevails over the line a lot or a returned receipt would take.

        Each declared line gives what its declaration still holds: the declared quantity
        minus what directed rows of the same exit pedimento already took from it (net of
        reversals), so several deliveries under one pedimento share the declaration."""
        ped_ids = {d["exit_pedimento_id"] for d in demands if d["exit_pedimento_id"]}
        if not ped_ids:
            return demands
        descargos = (
            self.env["l10n_mx_immex.pedimento.descargo"]
            .sudo()
            .search([("pedimento_id", "in", sorted(ped_ids))])
        )
        if not descargos:
            return demands
        self.env["l10n_mx_immex.discharge"].flush_model()
        taken = {
            (ped_id, line_id): qty
            for ped_id, line_id, qty in self.env.execute_query(
                SQL(
                    """
                    SELECT exit_pedimento_id, import_line_id, SUM(quantity)
                      FROM l10n_mx_immex_discharge
                     WHERE is_directed AND exit_pedimento_id = ANY(%s)
                  GROUP BY exit_pedimento_id, import_line_id
                    """,
                    sorted(ped_ids),
                )
            )
        }
        declared = defaultdict(list)  # (exit pedimento, product) -> [[line id, open qty]]
        for descargo in descargos:
            line = descargo._l10n_mx_immex_import_line()
            product = descargo.product_id or line.product_id
            if not line or not product:
                continue
            key = (descargo.pedimento_id.id, line.id)
            left = descargo.quantity - taken.get(key, 0.0)
            taken[key] = max(taken.get(key, 0.0) - descargo.quantity, 0.0)
            if left > 0.5 * 10**-DIGITS:
                declared[(descargo.pedimento_id.id, product.id)].append([line.id, left])
        if not declared:
            return demands
        result = []
        for demand in demands:
            lines = declared.get((demand["exit_pedimento_id"], demand["product_id"]))
            if not lines or demand.get("pending_id"):
                result.append(demand)
                continue
            need = demand["qty"]
            for entry in lines:
                if need <= 0.5 * 10**-DIGITS:
                    break
                take = min(need, entry[1])
                if take <= 0.5 * 10**-DIGITS:
                    continue
                entry[1] -= take
                need -= take
                result.append(
                    dict(
                        demand, qty=take, directed_line_id=entry[0], is_directed=True, line_id=False
                    )
                )
            if need > 0.5 * 10**-DIGITS:
                result.append(dict(demand, qty=need))
        return result

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
    def _write_rows(self, rows, kind, corrected_dates=None):
        """Ledger rows of ``kind`` from plain dicts (missing columns are empty), written as
        every batch is: period lock, chain, one COPY, balances updated. Server code only.
        """
        if not rows:
            return 0
        cols = {name: [row.get(name) for row in rows] for name in LEDGER_COLUMNS}
        cols["kind"] = [kind] * len(rows)
        cols["is_directed"] = [bool(d) for d in cols["is_directed"]]
        self._apply_lock_date(cols, corrected_dates=corrected_dates)
        count = self._insert_ledger(cols)
        self._add_to_balances(cols["import_line_id"], cols["quantity"])
        return count

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
                # "10.0", as it reads back; each one (-0.0 equals 0.0 but reads "-0.0")
                column = [str(float(v)) for v in column]
            elif name in BOOL_COLUMNS:
                column = ["t" if v else "f" for v in column]  # as COPY writes them back
            else:
                if name not in REQUIRED_COLUMNS:
                    column = ["\\N" if not v else v for v in column]
                # ids and dates repeat down a batch: each distinct one is written once
                texts = {value: str(value) for value in set(column)}
                column = [texts[value] for value in column]
            columns.append(column)
        columns.append([str(int(uid))] * len(columns[0]))
        return map("\t".join, zip(*columns, strict=True))

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

        For the batches a validation writes (exit and receipt pedimento lines from moves:
        ``create`` costs more than the rows, see the discharge benchmark): the caller gives
        the values of its model's own fields (all with the same keys), converted as
        ``create`` converts them (rounding, selections). The fields a module extending the
        model adds are filled as ``create`` would fill them: their defaults (never from the
        context) go into the same statement, their stored computations are queued for the
        next flush. Constraints and caches are the caller's business.
        """
        if not vals_list:
            return []
        Model = self.env[model_name].with_context(clean_context(self.env.context))
        Model.flush_model()
        names = list(vals_list[0])
        missing, to_compute = self._insert_missing_fields(Model, names)
        if missing:
            defaults = Model.default_get(missing)
            defaults = {
                name: Model._fields[name].convert_to_write(value, Model)
                for name, value in defaults.items()
            }
            if defaults:
                vals_list = [dict(defaults, **vals) for vals in vals_list]
                names += [name for name in defaults if name not in names]
        model_fields = [Model._fields[name] for name in names]
        now = fields.Datetime.now()
        arrays = []
        for field in model_fields:
            convert, plain = self._column_converter(field)
            column = [convert(vals[field.name]) for vals in vals_list]
            arrays.append(
                SQL(
                    "%s::%s[]",
                    # plain values (ids, numbers, dates, text) travel as one array text
                    array_literal(column) if plain else column,
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
        ids = [row[0] for row in rows]
        records = Model.browse(ids)
        for field in to_compute:
            self.env.add_to_compute(field, records)
        return ids

    @api.model
    def _insert_missing_fields(self, Model, names):
        """Stored fields of ``Model`` a set-based insert of ``names`` leaves out:
        ``(names with a column and no computation, computed fields to queue)``."""
        skip = set(names) | {"id", "create_uid", "write_uid", "create_date", "write_date"}
        plain, computed = [], []
        for name, field in Model._fields.items():
            if not field.store or name in skip or not field.column_type:
                continue
            if field.compute:
                computed.append(field)
            else:
                plain.append(name)
        return plain, computed

    @api.model
    def _column_converter(self, field):
        """``(convert, plain)``: ``field.convert_to_column_insert`` for a whole column (the
        same values, resolved once per column: digits, selection, instead of once per value)
        and whether its values are plain ones :func:`..immex.pgarray.array_literal` writes
        (others, such as JSON, are left to the driver's adapters)."""
        if field.type == "float" and not field.company_dependent:
            digits = field.get_digits(self.env)
            if digits:
                scale = digits[1]
                return lambda value: float_round(value or 0.0, precision_digits=scale), True
            return lambda value: float(value or 0.0), True
        if field.type in ("many2one", "date", "datetime", "char", "selection") and not (
            field.translate or field.company_dependent
        ):
            return lambda value: value or None, True
        if field.type == "boolean" and not field.company_dependent:
            return bool, True
        Model = self.env[field.model_name]
        return lambda value: field.convert_to_column_insert(value, Model), False

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
        ids = array_literal(list(totals))
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_pedimento_line l
                   SET qty_discharged = l.qty_discharged + d.qty,
                       qty_balance = %s,
                       qty_balance_tariff = %s
                  FROM unnest(%s::int[], %s::float8[]) AS d(line_id, qty)
                 WHERE l.id = d.line_id AND l.id = ANY(%s::int[])
                """,
                *(SQL(expr) for expr in BALANCE_AFTER_SQL),
                ids,
                array_literal([round(q, 9) for q in totals.values()]),
                # the plain id filter spares a hash of every line of the company
                ids,
            )
        )
        # balance_state is computed (not stored) from the balance: it goes stale with it
        self.env["l10n_mx_immex.pedimento.line"].invalidate_model(
            ["qty_discharged", "qty_balance", "qty_balance_tariff", "balance_state"]
        )
