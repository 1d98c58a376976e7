"""Benchmark of the BOM explosion: ``python3 bench/bench_bom.py``.

Builds a multi-level catalogue shaped like an electronics/autoparts maquiladora: 200 finished
goods, each made of sub-assemblies over 4 levels (finished good -> 4 assemblies -> 3
sub-assemblies -> 3 modules -> 6 raw materials), drawing raw materials from a shared pool of
2,000 imported materials, with merma and desperdicio percentages on most lines, a few kits
(phantom BOMs) and some imported sub-assemblies that must not be exploded (``stop``).

Prints explosions per second and leaf entries produced per second.
Options: ``--goods``, ``--seconds`` (minimum measuring time), ``--seed``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "l10n_mx_immex_annex24"))

from immex.bom import Bom, BomLine, explode  # noqa: E402


def build(goods: int, seed: int):
    rng = random.Random(seed)
    raw = [f"RM{k:05d}" for k in range(2000)]
    boms: dict[str, Bom] = {}
    imported_subassemblies: set[str] = set()

    def pct() -> float:
        return rng.choice([0.0, 0.0, 0.5, 1.0, 2.5, 5.0])

    def node(name: str, level: int) -> None:
        if level == 3:
            lines = [
                BomLine(rng.choice(raw), round(rng.uniform(0.01, 5), 4), pct(), pct())
                for _ in range(6)
            ]
        else:
            fan_out = 4 if level == 0 else 3
            lines = []
            for k in range(fan_out):
                child = f"{name}.{k}"
                node(child, level + 1)
                lines.append(BomLine(child, rng.choice([1.0, 2.0, 4.0]), pct(), pct()))
                if level == 2 and rng.random() < 0.1:
                    imported_subassemblies.add(child)
        kind = "phantom" if level == 2 and rng.random() < 0.2 else "normal"
        boms[name] = Bom(name, rng.choice([1.0, 1.0, 10.0]), lines, kind)

    finished = [f"FG{k:04d}" for k in range(goods)]
    for name in finished:
        node(name, 0)
    return boms, finished, imported_subassemblies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--goods", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=24)
    args = parser.parse_args()

    boms, finished, imported = build(args.goods, args.seed)
    stop = imported.__contains__
    sample = explode(finished[0], 1000, boms, stop=stop)
    lines_per_good = sum(len(boms[name].lines) for name in boms) / len(finished)
    print(
        f"catalogue: {len(boms):,} BOMs, {len(finished)} finished goods, "
        f"{lines_per_good:.0f} BOM lines per finished good, {len(imported)} stopped "
        f"sub-assemblies; one explosion yields ~{len(sample)} leaves"
    )

    explosions = leaves = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < args.seconds:
        for name in finished:
            leaves += len(explode(name, 1000, boms, stop=stop))
        explosions += len(finished)
        elapsed = time.perf_counter() - start
    print(f"{explosions:,} explosions in {elapsed:.2f} s")
    print(f"explosions per second: {explosions / elapsed:,.0f}")
    print(f"leaf entries per second: {leaves / elapsed:,.0f}")


if __name__ == "__main__":
    main()
