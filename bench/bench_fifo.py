"""Benchmark of the FIFO (PEPS) allocator: ``python3 bench/bench_fifo.py``.

Synthetic but realistic shape of a monthly discharge run of a mid-size maquiladora:
5,000 imported materials, 20,000 open pedimento-line balances (4 per material on average,
skewed: a few materials have many), 1,000,000 discharge demands of small quantities, so most
demands are covered by one balance and some cross into the next one. Total supply is set a
little below total demand for 3% of the materials, to exercise shortfalls.

Prints allocations per second, total seconds (allocation only, the dataset build is not
timed), and peak memory (process max RSS, and the tracemalloc peak of one extra run).
Options: ``--products``, ``--balances``, ``--demands``, ``--repeat``, ``--seed``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "l10n_mx_immex_annex24"))

from immex.fifo import allocate, allocate_dated, allocate_exits  # noqa: E402


def build(products: int, balances: int, demands: int, seed: int):
    rng = random.Random(seed)
    # Demand weights per product follow a long tail (Pareto-ish), like real BOM usage.
    weights = [1.0 / (k + 1) ** 0.6 for k in range(products)]
    total_weight = sum(weights)
    demand_rows = []
    demand_total = [0.0] * products
    picks = rng.choices(range(products), weights=weights, k=demands)
    for demand_id, product in enumerate(picks):
        qty = round(rng.uniform(0.5, 40.0), 3)
        demand_total[product] += qty
        demand_rows.append((demand_id, product, qty))
    # Balances: at least one per product, the rest spread by the same weights.
    counts = [1] * products
    for product in rng.choices(range(products), weights=weights, k=balances - products):
        counts[product] += 1
    short_products = set(rng.sample(range(products), k=max(1, products * 3 // 100)))
    balance_id = 0
    dated = {}
    for product in range(products):
        cover = 0.9 if product in short_products else 1.05
        supply = demand_total[product] * cover
        n = counts[product]
        cuts = sorted(rng.random() for _ in range(n - 1))
        shares = [b - a for a, b in zip([0.0] + cuts, cuts + [1.0], strict=True)]
        rows = []
        for share in shares:
            # dated rows: [id, qty, entry ordinal, expiry ordinal]
            entry = 738000 + rng.randrange(0, 400)
            rows.append([balance_id, round(supply * share, 3), entry, entry + 548])
            balance_id += 1
        rows.sort(key=lambda r: (r[2], r[0]))
        dated[product] = rows
    print(
        f"dataset: {products:,} products, {balance_id:,} balances, {len(demand_rows):,} demands, "
        f"weights sum {total_weight:.1f}"
    )
    return dated, demand_rows


def fresh(dated):
    return {p: [[r[0], r[1]] for r in rows] for p, rows in dated.items()}


def fresh_dated(dated):
    return {p: [list(r) for r in rows] for p, rows in dated.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--balances", type=int, default=20_000)
    parser.add_argument("--demands", type=int, default=1_000_000)
    # best of several runs, as timeit does: noise on a shared machine only adds time
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=24)
    args = parser.parse_args()

    t0 = time.perf_counter()
    dated, demands = build(args.products, args.balances, args.demands, args.seed)
    print(f"build: {time.perf_counter() - t0:.2f} s (not timed below)")

    best = None
    for run in range(args.repeat):
        balances = fresh(dated)
        start = time.perf_counter()
        allocations, shortfalls = allocate(balances, demands)
        elapsed = time.perf_counter() - start
        rate = len(allocations) / elapsed
        print(
            f"allocate run {run + 1}: {len(allocations):,} allocations, "
            f"{len(shortfalls):,} shortfalls in {elapsed:.3f} s = {rate:,.0f} allocations/s"
        )
        if best is None or elapsed < best[0]:
            best = (elapsed, len(allocations), rate)
        del allocations, shortfalls, balances

    # Dated variant: demand dates spread over a year after the first entries, sorted.
    rng = random.Random(args.seed + 1)
    days = sorted(rng.randrange(738100, 738700) for _ in demands)
    dated_demands = [(d, p, q, day) for (d, p, q), day in zip(demands, days, strict=True)]
    balances = fresh_dated(dated)
    start = time.perf_counter()
    allocations, shortfalls, expired = allocate_dated(balances, dated_demands)
    elapsed = time.perf_counter() - start
    print(
        f"allocate_dated: {len(allocations):,} allocations, {len(shortfalls):,} shortfalls, "
        f"{len(expired):,} expired in {elapsed:.3f} s = {len(allocations) / elapsed:,.0f} "
        "allocations/s"
    )
    # The discharge service's allocator (dates, expiry, lots, directed, A3): same demands.
    exit_demands = [(d, p, q, day, None, False, False) for d, p, q, day in dated_demands]
    balances = fresh_dated(dated)
    start = time.perf_counter()
    allocations, shortfalls, expired = allocate_exits(balances, exit_demands)
    elapsed = time.perf_counter() - start
    print(
        f"allocate_exits (the service's): {len(allocations):,} allocations, "
        f"{len(shortfalls):,} shortfalls, {len(expired):,} expired in {elapsed:.3f} s = "
        f"{len(allocations) / elapsed:,.0f} allocations/s"
    )
    del allocations, shortfalls, expired, balances, dated_demands, exit_demands

    # Memory: tracemalloc slows Python down, so it gets its own untimed run.
    balances = fresh(dated)
    tracemalloc.start()
    allocations, shortfalls = allocate(balances, demands)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    elapsed, count, rate = best
    print("---")
    print(f"best allocate: {count:,} allocations in {elapsed:.3f} s")
    print(f"allocations per second: {rate:,.0f}")
    print(f"peak memory of one allocate() call (tracemalloc): {peak / 2**20:.1f} MiB")
    print(f"process peak RSS (dataset + results): {maxrss_kb / 1024:.1f} MiB")
    print(f"target 2,000,000 allocations/s: {'met' if rate >= 2_000_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
