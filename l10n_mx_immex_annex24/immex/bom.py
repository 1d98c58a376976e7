"""Bill-of-materials explosion with merma (consumed waste) and desperdicio (scrap).

Annex 24 discharges exported finished goods by the *real consumption* of the imported
materials they contain, merma included, while desperdicio is discharged later at its own
event (destruction, donation, transfer, regime change, return). The explosion therefore
returns, for each leaf material, three quantities: ``[net, merma, desperdicio]``.

Design choices:

- ``merma_pct`` and ``desperdicio_pct`` are percentages of the line's NET quantity:
  ``merma = net * merma_pct / 100`` and ``desperdicio = net * desperdicio_pct / 100``, so
  the gross consumption of a line is ``net * (1 + (merma_pct + desperdicio_pct) / 100)``.
  (Percentages of the gross would make 100% merma mean "infinite consumption".)
- A sub-assembly's gross consumption (net + merma + desperdicio of the sub-assembly line) is
  what gets exploded further down. The material inside the sub-assembly keeps the *channel*
  of the sub-assembly quantity it went into: material that ended up in sub-assemblies lost as
  merma is merma, material in scrapped sub-assemblies is desperdicio, and only what is in the
  good actually produced is net. The leaf's own merma/desperdicio percentages then add to the
  merma/desperdicio channels. Totals equal a plain gross explosion; the split is what keeps
  scrap from being discharged together with the export (a classic audit finding).

  Example: 1 A needs 2 S (10% merma, 5% desperdicio); 1 S needs 1 kg M (no losses).
  Exploding 1 A gives M = [2.0, 0.2, 0.1]: 2.3 kg consumed, of which 0.2 kg left as merma
  inside lost S and 0.1 kg inside scrapped S.
- Components with a BOM are exploded unless ``stop(component)`` is true; ``stop`` marks the
  IMMEX-controlled imported materials that are discharged as they are (an imported
  sub-assembly must not be exploded into parts that were never imported). Components without
  a BOM are leaves. ``Bom.kind`` (``"normal"``, ``"phantom"`` for kits, ...) is carried for
  the caller; both kinds describe what the parent is made of and explode the same way.
- The requested product itself is always exploded (``stop`` is not asked about it) and must
  have a BOM, otherwise ``BomError("no_bom")``: a finished good without a BOM cannot be
  discharged and that must show.
- Intermediate quantities stay unrounded; rounding to ``digits`` happens once at the end so
  per-level rounding errors do not compound across levels or runs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import NamedTuple

__all__ = ["Bom", "BomError", "BomLine", "consumption_per_unit", "explode"]


class BomError(ValueError):
    """A BOM problem: ``code`` in ``cycle``, ``no_bom``, ``product_qty``, ``line_qty``,
    ``pct``; details in ``params``."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        details = ", ".join(f"{key}={value!r}" for key, value in params.items())
        super().__init__(f"{code}: {details}" if details else code)


class BomLine(NamedTuple):
    """``qty`` of ``component`` (net, in its unit) per ``Bom.product_qty`` of the parent."""

    component: Hashable
    qty: float
    merma_pct: float = 0.0
    desperdicio_pct: float = 0.0


class Bom(NamedTuple):
    """A bill of materials: ``lines`` make ``product_qty`` units of ``product``."""

    product: Hashable
    product_qty: float
    lines: Sequence[BomLine]
    kind: str = "normal"


def explode(
    product: Hashable,
    qty: float,
    boms: Mapping[Hashable, Bom],
    stop: Callable[[Hashable], bool] | None = None,
    digits: int = 6,
) -> dict[Hashable, list[float]]:
    """Explode ``qty`` of ``product`` into its leaf materials.

    Return ``{component: [net, merma, desperdicio]}`` rounded to ``digits`` (see the module
    docstring for the meaning of each quantity). Raise ``BomError("cycle", path=[...])`` when
    a product is (indirectly) made of itself.
    """
    if product not in boms:
        raise BomError("no_bom", product=product)
    totals: dict[Hashable, list[float]] = {}
    _walk(boms, stop, totals, [], set(), product, float(qty), 0.0, 0.0)
    # "+ 0.0" turns -0.0 into 0.0.
    return {
        component: [round(n, digits) + 0.0, round(m, digits) + 0.0, round(s, digits) + 0.0]
        for component, (n, m, s) in totals.items()
    }


def _walk(boms, stop, totals, path, on_path, parent, net, merma, scrap) -> None:
    """Add what ``net`` (+ ``merma``, ``scrap``) of ``parent`` takes of each leaf material.

    A module function rather than a closure of :func:`explode`: a nested function that
    calls itself holds itself through its closure, so every explosion would leave a
    reference cycle (with its totals) to the cyclic collector.
    """
    bom = boms[parent]
    per = bom.product_qty
    if not per > 0:
        raise BomError("product_qty", product=parent, product_qty=per)
    path.append(parent)
    on_path.add(parent)
    for component, line_qty, merma_pct, scrap_pct in bom.lines:
        if line_qty < 0 or merma_pct < 0 or scrap_pct < 0:
            _raise_line(parent, component, line_qty, merma_pct, scrap_pct)
        ratio = line_qty / per
        c_net = net * ratio
        c_merma = merma * ratio
        c_scrap = scrap * ratio
        # The line's own net is everything the parent quantity (all channels) requires.
        own = c_net + c_merma + c_scrap
        if merma_pct:
            c_merma += own * merma_pct / 100.0
        if scrap_pct:
            c_scrap += own * scrap_pct / 100.0
        if component in boms and (stop is None or not stop(component)):
            if component in on_path:
                raise BomError("cycle", path=[*path, component])
            _walk(boms, stop, totals, path, on_path, component, c_net, c_merma, c_scrap)
            continue
        acc = totals.get(component)
        if acc is None:
            totals[component] = [c_net, c_merma, c_scrap]
        else:
            acc[0] += c_net
            acc[1] += c_merma
            acc[2] += c_scrap
    path.pop()
    on_path.discard(parent)


def _raise_line(parent, component, line_qty, merma_pct, scrap_pct) -> None:
    if line_qty < 0:
        raise BomError("line_qty", product=parent, component=component, qty=line_qty)
    raise BomError(
        "pct",
        product=parent,
        component=component,
        merma_pct=merma_pct,
        desperdicio_pct=scrap_pct,
    )


def consumption_per_unit(
    product: Hashable,
    boms: Mapping[Hashable, Bom],
    stop: Callable[[Hashable], bool] | None = None,
    digits: int = 6,
) -> dict[Hashable, list[float]]:
    """Leaf consumption for one unit of ``product`` (``explode`` with ``qty=1``)."""
    return explode(product, 1.0, boms, stop=stop, digits=digits)
