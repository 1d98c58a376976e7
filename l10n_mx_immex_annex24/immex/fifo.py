"""PEPS (FIFO) discharge allocation: which import balances an exit consumes.

Annex 24 allows only FIFO: take the pedimento line with the oldest temporary import that holds
the good; if its balance is short, take the rest from the next one in chronological order.

FIFO order (design choice, the law does not say which date makes a pedimento "oldest"),
produced by :func:`fifo_sort_key`:

1. entry date (for consolidated pedimentos, their closing date: the caller passes it),
2. payment date,
3. pedimento number (digits only, so ``26  24 ...`` and ``26-24-...`` compare equal; it
   is not chronological across brokers, it only makes the order deterministic),
4. line (partida) sequence,
5. record id, the final tie-break so two runs always produce the same discharges.

A missing value (None) sorts after every present value at the same level, so a balance with
an unknown entry date is consumed last rather than first.

Data shapes are plain lists and tuples on purpose: :func:`allocate` is the hot path of the
monthly discharge run (millions of allocations). The loop binds everything to locals, keeps
the balance being consumed per product so the common case (one balance covers the demand) is
one dict lookup, touches each exhausted balance once thanks to a per-product cursor
(amortised O(allocations)), and creates nothing per allocation except the result tuple and
the new remainder.

Quantities are floats with ``digits`` decimals. Any ``|x|`` below the tolerance
(:data:`.quantities.TOLERANCE` at the ledger's 6 digits) counts as zero, each allocated
quantity is rounded to ``digits``, a take that leaves a balance below the tolerance takes the
whole balance (no dust stays open), and balances never go negative: what the balances cannot
cover is returned as a shortfall (an audit finding to show, not to hide).

:func:`allocate_exits` is the allocator of the discharge service (dates, expiry, lots,
directed lines, A3 taking expired balances); :func:`allocate` and :func:`allocate_dated` are
its building blocks for callers with simpler needs. The order of the balances handed to them
is :data:`FIFO_ORDER` (the SQL side: :func:`.quantities.fifo_order_sql`).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from .quantities import DIGITS, FIFO_ORDER, TOLERANCE

__all__ = [
    "FIFO_ORDER",
    "allocate",
    "allocate_dated",
    "allocate_exits",
    "fifo_sort_key",
    "gc_paused",
]

_SEPARATORS = re.compile(r"[\s\-./]+")

Allocation = tuple[Any, Any, float]  # (demand_id, balance_id, qty)
Shortfall = tuple[Any, Hashable, float]  # (demand_id, product_key, missing_qty)


def _date_key(value: date | datetime | None) -> tuple[bool, float]:
    # Dates and datetimes do not compare with each other; map both to a day number.
    if value is None:
        return (True, 0.0)
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return (False, value.toordinal() + (seconds + value.microsecond / 1e6) / 86400.0)
    return (False, float(value.toordinal()))


def fifo_sort_key(
    entry_date: date | datetime | None,
    payment_date: date | datetime | None,
    pedimento_name: str | None,
    line_sequence: int | None,
    line_id: int | None,
) -> tuple:
    """Sort key putting import balances in FIFO order (see the module docstring)."""
    return (
        _date_key(entry_date),
        _date_key(payment_date),
        (True, "") if pedimento_name is None else (False, _SEPARATORS.sub("", pedimento_name)),
        (line_sequence is None, line_sequence or 0),
        (line_id is None, line_id or 0),
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its state even on error.

    The allocators create one small tuple per allocation and no reference cycles, yet every
    700 allocations the collector would walk the young objects (and periodically the whole
    heap, the caller's data included): about 15% of the run time for nothing to collect.
    The switch is process-wide, so another thread may see fewer collections for the duration
    of a call; concurrent calls leave the collector enabled at the end whatever the order.
    """
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _epsilon(digits: int, tolerance: float | None = None) -> float:
    """The zero of a call: the tolerance, never finer than half a unit of ``digits``."""
    if not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be an int >= 0, got {digits!r}")
    half = 0.5 * 10.0**-digits
    if tolerance is None:
        tolerance = TOLERANCE
    return max(half, tolerance)


def allocate(
    balances: dict[Hashable, list[list]],
    demands: Iterable[tuple[Any, Hashable, float]],
    digits: int = DIGITS,
    tolerance: float | None = None,
) -> tuple[list[Allocation], list[Shortfall]]:
    """Allocate demands to balances in FIFO order.

    ``balances`` maps a product key (product id, fraction, whatever the caller discharges
    by) to a list of ``[balance_id, available_qty]`` **already in FIFO order**. The lists are
    decremented in place, so a caller can chain calls (each call rescans exhausted balances
    once at most). Balances at or below zero are skipped, never consumed. Remaining balances
    are left unrounded (float noise far below ``10**-digits``): round them when storing.

    ``demands`` is an iterable of ``(demand_id, product_key, qty)`` processed in order. A
    zero quantity yields nothing; a negative or non-finite one raises ``ValueError``
    (reversals are separate ledger entries, not negative discharges); balances touched
    before that demand stay decremented, so validate first if the caller needs all-or-nothing.

    Return ``(allocations, shortfalls)``: ``allocations`` is a list of
    ``(demand_id, balance_id, qty)`` in demand order, then FIFO order; ``shortfalls`` a list
    of ``(demand_id, product_key, missing_qty)`` for what no balance covers. Every returned
    quantity is rounded half-up to ``digits``.

    ``tolerance`` (default :data:`.quantities.TOLERANCE`, at least half a unit of
    ``digits``): quantities below it are zero; a take leaving less than it in a balance
    takes the whole balance.

    The cyclic garbage collector is paused during the call (see :func:`_gc_paused`).
    """
    eps = _epsilon(digits, tolerance)
    with _gc_paused():
        return _allocate(balances, demands, digits, eps)


# Public name for callers that build large batches around the allocator (the ORM layer).
gc_paused = _gc_paused


def _allocate(
    balances: dict[Hashable, list[list]],
    demands: Iterable[tuple[Any, Hashable, float]],
    digits: int,
    eps: float,
) -> tuple[list[Allocation], list[Shortfall]]:
    neg_eps = -0.5 * 10.0**-digits  # below it a demand is negative, not dust
    scale = 10.0**digits
    allocations: list[Allocation] = []
    shortfalls: list[Shortfall] = []
    # Local bindings: attribute and global lookups dominate a loop this tight.
    add = allocations.append
    short = shortfalls.append
    get_rows = balances.get
    # product -> the balance row being consumed: the fast path needs one dict lookup.
    current: dict[Hashable, list] = {}
    get_current = current.get
    # product -> [rows, cursor, len(rows)]: only the slow path (balance change) uses it.
    states: dict[Hashable, list] = {}
    get_state = states.get

    try:
        for demand_id, product, qty in demands:
            # Clean float noise (6.8999999999999995 -> 6.9). Half-up on the scaled binary
            # value is 3x cheaper than round() and identical for quantities that carry at most
            # ``digits`` decimals. Keeping the original object when it is unchanged saves
            # creating (and keeping alive in the result) one float per demand.
            rounded = int(qty * scale + 0.5) / scale
            if rounded != qty:
                # Negative quantities always land here (int() truncates towards zero).
                if qty < neg_eps:
                    raise ValueError(f"demand {demand_id!r} has a negative quantity {qty!r}")
                qty = rounded
            if qty >= eps:
                # Fast path: the balance being consumed covers the whole demand and keeps a
                # remainder. Most demands end here.
                row = get_current(product)
                if row is not None:
                    rest = row[1] - qty
                    if rest >= eps:
                        row[1] = rest
                        add((demand_id, row[0], qty))
                        continue
            else:
                continue  # zero
            # Slow path: first demand of the product in this call, or a balance runs out.
            state = get_state(product)
            if state is None:
                rows = get_rows(product)
                if rows is None:
                    short((demand_id, product, qty))
                    continue
                state = states[product] = [rows, 0, len(rows)]
            rows, i, n = state
            i, qty = _consume(rows, i, n, demand_id, qty, add, digits, eps)
            state[1] = i
            if i < n:
                current[product] = rows[i]
            elif product in current:
                del current[product]
            if qty >= eps:
                short((demand_id, product, qty))
    except OverflowError as error:  # int() of an infinite quantity
        raise ValueError("quantities must be finite") from error
    return allocations, shortfalls


def _consume(
    rows: list[list],
    i: int,
    n: int,
    demand_id: Any,
    qty: float,
    add: Callable[[Allocation], None],
    digits: int,
    eps: float,
) -> tuple[int, float]:
    """Consume ``qty`` from ``rows[i:n]`` in order; return the new cursor and what is missing.

    The slow path of :func:`allocate`, kept out of its loop so the fast path stays small.
    """
    scale = 10.0**digits
    while i < n:
        row = rows[i]
        avail = row[1]
        if avail < eps:  # exhausted (or negative: never consumed)
            i += 1
            continue
        rest = avail - qty
        if rest >= eps:
            row[1] = rest
            add((demand_id, row[0], qty))
            return i, 0.0
        if rest > -eps:
            # Covers the demand within the tolerance: the take is the whole balance, so
            # no dust stays open (nor goes negative).
            add((demand_id, row[0], int(avail * scale + 0.5) / scale))
            row[1] = 0.0
            return i + 1, 0.0
        # The balance is short: take all of it and go on with the next one.
        take = int(avail * scale + 0.5) / scale
        add((demand_id, row[0], take))
        row[1] = 0.0
        i += 1
        # Round the remainder so repeated subtraction does not drift (0.3 - 0.1).
        qty = int((qty - take) * scale + 0.5) / scale
    return i, qty


def allocate_dated(
    balances: dict[Hashable, list[list]],
    demands: Iterable[tuple[Any, Hashable, float, Any]],
    digits: int = DIGITS,
    tolerance: float | None = None,
) -> tuple[list[Allocation], list[Shortfall], list[tuple[Any, Any, float]]]:
    """FIFO allocation that respects entry dates and time limits.

    ``balances`` maps a product key to a list of
    ``[balance_id, available_qty, entry_date, expiry_date]`` in FIFO order, which implies
    non-decreasing ``entry_date`` (what :func:`fifo_sort_key` produces). ``expiry_date`` may
    be None (no time limit); ``entry_date`` is required. Dates may be ``date`` objects or any
    mutually comparable values (``toordinal()`` ints are faster), as long as balances and
    demands use the same kind.

    ``demands`` is an iterable of ``(demand_id, product_key, qty, demand_date)`` and must be
    in non-decreasing date order for each product (a discharge run is chronological);
    otherwise ``ValueError`` is raised.

    A balance is eligible for a demand when ``entry_date <= demand_date`` (the goods had
    entered) and not ``expiry_date < demand_date`` (the last valid day is the expiry date
    itself). Because balances are in entry-date order, the scan stops at the first balance
    that entered after the demand date. Because demands are in date order, a balance found
    expired stays expired, so the cursor moves past it for good.

    Return ``(allocations, shortfalls, expired)``. The first two are as in :func:`allocate`.
    ``expired`` lists ``(demand_id, balance_id, available_qty)`` once per expired balance
    with an open quantity, the first time a demand has to skip it in this call: those
    balances need regularisation (key A3). Expired balances are not decremented.

    The cyclic garbage collector is paused during the call (see :func:`_gc_paused`).
    """
    eps = _epsilon(digits, tolerance)
    with _gc_paused():
        return _allocate_dated(balances, demands, digits, eps)


def _allocate_dated(
    balances: dict[Hashable, list[list]],
    demands: Iterable[tuple[Any, Hashable, float, Any]],
    digits: int,
    eps: float,
) -> tuple[list[Allocation], list[Shortfall], list[tuple[Any, Any, float]]]:
    neg_eps = -0.5 * 10.0**-digits
    scale = 10.0**digits
    allocations: list[Allocation] = []
    shortfalls: list[Shortfall] = []
    expired: list[tuple[Any, Any, float]] = []
    add = allocations.append
    short = shortfalls.append
    add_expired = expired.append
    get_rows = balances.get
    # product -> [rows, cursor, len(rows), date of the last demand]
    states: dict[Hashable, list] = {}
    get_state = states.get

    try:
        for demand_id, product, qty, when in demands:
            rounded = int(qty * scale + 0.5) / scale  # see allocate()
            if rounded != qty:
                if qty < neg_eps:
                    raise ValueError(f"demand {demand_id!r} has a negative quantity {qty!r}")
                qty = rounded
            if qty < eps:
                continue  # zero
            state = get_state(product)
            if state is None:
                rows = get_rows(product)
                if rows is None:
                    short((demand_id, product, qty))
                    continue
                state = states[product] = [rows, 0, len(rows), when]
            elif when < state[3]:
                raise ValueError(
                    f"demand {demand_id!r} dated {when!r} comes after one dated {state[3]!r} "
                    f"for product {product!r}: demands must be in date order"
                )
            else:
                state[3] = when
            rows, i, n, _last = state
            while i < n:
                row = rows[i]
                avail = row[1]
                if avail < eps:
                    i += 1
                    continue
                if row[2] > when:
                    break  # not entered yet, and every later balance entered even later
                expiry = row[3]
                if expiry is not None and expiry < when:
                    add_expired((demand_id, row[0], int(avail * scale + 0.5) / scale))
                    i += 1
                    continue
                rest = avail - qty
                if rest >= eps:
                    row[1] = rest
                    add((demand_id, row[0], qty))
                    qty = 0.0
                    break
                if rest > -eps:
                    add((demand_id, row[0], int(avail * scale + 0.5) / scale))
                    row[1] = 0.0
                    i += 1
                    qty = 0.0
                    break
                take = int(avail * scale + 0.5) / scale
                add((demand_id, row[0], take))
                row[1] = 0.0
                i += 1
                qty = int((qty - take) * scale + 0.5) / scale
            state[1] = i
            if qty >= eps:
                short((demand_id, product, qty))
    except OverflowError as error:  # int() of an infinite quantity
        raise ValueError("quantities must be finite") from error
    return allocations, shortfalls, expired


# Why a demand is (partly) not covered, as :func:`allocate_exits` reports it.
NO_BALANCE = "no_balance"
EXPIRED = "expired"
DIRECTED = "directed"

ExitDemand = tuple  # (demand_id, product, qty, date, line_id, strict, take_expired)
ExitShortfall = tuple[Any, Hashable, float, str]  # (demand_id, product, qty, reason)


def allocate_exits(
    balances: dict[Hashable, list[list]],
    demands: Iterable[ExitDemand],
    digits: int = DIGITS,
    tolerance: float | None = None,
) -> tuple[list[Allocation], list[ExitShortfall], list[tuple[Any, Any, float]]]:
    """The discharge allocator: FIFO with dates, expiry, lots, directed lines and A3.

    ``balances`` maps a product key to ``[balance_id, available_qty, entry_date,
    expiry_date]`` rows in FIFO order (:data:`FIFO_ORDER`), decremented in place.

    ``demands`` are ``(demand_id, product, qty, date, line_id, strict, take_expired)``:

    - ``line_id`` (or None): the balance the demand names, a lot's pedimento line or a line
      an exit pedimento declares (directed discharge). It is taken first, when it entered
      on or before the demand's date and is not expired at it (expired only, for
      ``take_expired``). What it cannot cover goes on by FIFO, or, when ``strict`` (a
      declared descargo), is a shortfall with reason :data:`DIRECTED`.
    - ``take_expired``: an A3 regularisation takes only balances expired at its date, oldest
      first; every other demand skips them.

    Demands naming a line are served first, then the others in date order (stable: equal
    dates keep their order). A balance is eligible when ``entry_date <= date`` and not
    ``expiry_date < date``.

    Return ``(allocations, shortfalls, expired)``: ``allocations`` as in :func:`allocate`;
    ``shortfalls`` are ``(demand_id, product, qty, reason)`` with reason
    :data:`NO_BALANCE`, :data:`EXPIRED` (only expired balances were left) or
    :data:`DIRECTED`; ``expired`` lists ``(demand_id, balance_id, available_qty)`` once per
    expired balance a FIFO demand skipped (they need an A3).
    """
    eps = _epsilon(digits, tolerance)
    with _gc_paused():
        return _allocate_exits(balances, demands, digits, eps)


def _allocate_exits(balances, demands, digits, eps):
    scale = 10.0**digits
    allocations: list[Allocation] = []
    shortfalls: list[ExitShortfall] = []
    expired: list[tuple[Any, Any, float]] = []
    add = allocations.append
    named, free = _split_demands(demands, scale, eps, -0.5 * 10.0**-digits)
    if named:
        free += _serve_named(balances, named, add, shortfalls, scale, eps)
    if any(free[k][3] > free[k + 1][3] for k in range(len(free) - 1)):
        free.sort(key=itemgetter(3))  # stable: equal dates keep their order
    # product -> the balance row being consumed (fast path: one lookup, as in allocate)
    current: dict[Hashable, list] = {}
    get_current = current.get
    # product -> [rows, cursor, expired rows passed by the cursor]
    states: dict[Hashable, list] = {}
    out = (add, shortfalls, expired, scale, eps)
    for demand in free:
        qty = demand[2]
        row = get_current(demand[1])
        if row is not None and not demand[6]:
            expiry = row[3]
            # the row entered before an earlier (or same-day) demand: only expiry to check
            if expiry is None or not expiry < demand[3]:
                rest = row[1] - qty
                if rest >= eps:
                    row[1] = rest
                    add((demand[0], row[0], qty))
                    continue
        _serve_slow(balances, states, current, demand, out)
    return allocations, shortfalls, expired


def _split_demands(demands, scale, eps, neg_eps):
    """Rounded demands, split into those naming a line and the others (zeros dropped)."""
    named, free = [], []
    add_named, add_free = named.append, free.append
    try:
        for demand in demands:
            qty = demand[2]
            rounded = int(qty * scale + 0.5) / scale
            if rounded != qty:
                if qty < neg_eps:
                    raise ValueError(f"demand {demand[0]!r} has a negative quantity {qty!r}")
                demand = (demand[0], demand[1], rounded) + tuple(demand[3:7])
            if rounded < eps:
                continue
            (add_free if demand[4] is None else add_named)(demand)
    except OverflowError as error:  # int() of an infinite quantity
        raise ValueError("quantities must be finite") from error
    return named, free


def _serve_slow(balances, states, current, demand, out):
    """A demand the current balance does not cover: FIFO from the product's cursor (A3:
    expired balances only); what is missing becomes a shortfall with its reason."""
    add, shortfalls, expired, scale, eps = out
    demand_id, product, qty, when, __, __, take_expired = demand
    state = states.get(product)
    if state is None:
        rows = balances.get(product)
        if rows is None:
            shortfalls.append((demand_id, product, qty, NO_BALANCE))
            return
        state = states[product] = [rows, 0, []]
    if take_expired:
        qty = _serve_expired(state[0], demand_id, qty, when, add, scale, eps)
        reason = NO_BALANCE
    else:
        qty = _serve_fifo(state, demand_id, qty, when, add, expired, scale, eps)
        rows, i = state[0], state[1]
        # the fast path may use the cursor's row only once it has entered (later demands
        # come later: it stays entered)
        if i < len(rows) and not rows[i][2] > when:
            current[product] = rows[i]
        else:
            current.pop(product, None)
        reason = EXPIRED if any(row[1] >= eps for row in state[2]) else NO_BALANCE
    if qty >= eps:
        shortfalls.append((demand_id, product, qty, reason))


def _serve_named(balances, named, add, shortfalls, scale, eps):
    """Demands naming a line take it first; return what goes on by FIFO."""
    by_id = {row[0]: row for rows in balances.values() for row in rows}
    rest = []
    for demand_id, product, qty, when, line_id, strict, take_expired in named:
        row = by_id.get(line_id)
        if row is not None and row[1] >= eps and row[2] <= when:
            expiry = row[3]
            if (expiry is not None and expiry < when) == bool(take_expired):
                qty = _take(row, demand_id, qty, add, scale, eps)
        if qty < eps:
            continue
        if strict:
            shortfalls.append((demand_id, product, qty, DIRECTED))
        else:
            rest.append((demand_id, product, qty, when, None, False, take_expired))
    return rest


def _serve_expired(rows, demand_id, qty, when, add, scale, eps):
    """A3: balances expired at ``when`` only, oldest first (rare: a plain scan)."""
    for row in rows:
        if row[1] < eps or row[3] is None or not row[3] < when or row[2] > when:
            continue
        qty = _take(row, demand_id, qty, add, scale, eps)
        if qty < eps:
            return 0.0
    return qty


def _serve_fifo(state, demand_id, qty, when, add, expired, scale, eps):
    """FIFO over one product's rows from its cursor; return what is still missing."""
    rows, i, passed = state
    n = len(rows)
    while i < n:
        row = rows[i]
        avail = row[1]
        if avail < eps:
            i += 1
            continue
        if row[2] > when:
            # not entered yet, nor any later balance, but for the remesas of a consolidated
            # pedimento (eligible from its entry date, ordered by its closing date)
            qty = _serve_entered_later(rows, i + 1, demand_id, qty, when, add, scale, eps)
            break
        expiry = row[3]
        if expiry is not None and expiry < when:
            # demands come in date order: a balance expired now stays expired
            expired.append((demand_id, row[0], int(avail * scale + 0.5) / scale))
            passed.append(row)
            i += 1
            continue
        rest = avail - qty
        if rest >= eps:
            row[1] = rest
            add((demand_id, row[0], qty))
            qty = 0.0
            break
        qty = _take(row, demand_id, qty, add, scale, eps)
        i += 1
        if qty < eps:
            break
    state[1] = i
    return qty


def _serve_entered_later(rows, start, demand_id, qty, when, add, scale, eps):
    """Balances after the cursor that entered by ``when`` anyway (consolidated remesas):
    taken in FIFO order without moving the cursor, which still waits at the first one."""
    n = len(rows)
    for j in range(start, n):
        row = rows[j]
        if row[1] < eps or row[2] > when or (row[3] is not None and row[3] < when):
            continue
        qty = _take(row, demand_id, qty, add, scale, eps)
        if qty < eps:
            return 0.0
    return qty


def _take(row: list, demand_id: Any, qty: float, add, scale: float, eps: float) -> float:
    """Take ``qty`` from one balance row; return what is still missing.

    A take that would leave less than the tolerance takes the whole balance (its rounding
    dust included), so no dust balance stays open and none goes negative.
    """
    avail = row[1]
    rest = avail - qty
    if rest >= eps:
        row[1] = rest
        add((demand_id, row[0], qty))
        return 0.0
    take = int(avail * scale + 0.5) / scale
    add((demand_id, row[0], take))
    row[1] = 0.0
    missing = int((qty - take) * scale + 0.5) / scale
    return missing if missing >= eps else 0.0
