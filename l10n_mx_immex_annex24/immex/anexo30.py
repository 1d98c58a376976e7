"""Anexo 30 text files (VAT/IEPS-certified companies, SCCCyG): the record layouts used.

Companies with the VAT/IEPS certification report to the SAT's control of credits and
guarantees an **initial inventory** and **periodic discharge reports** per pedimento key,
period and tariff fraction, with the value discharged. The SAT publishes no machine-readable
layout of these files; the layouts below are the ones this addon writes, kept in this one
place so that a change of the SAT's format is a change of this module only.

Common rules (design choices):

- one record per line, fields separated by ``|``, every line ending with ``|`` and CRLF
  (the habit of the SAT's other text files), ASCII only;
- pedimento numbers as 15 digits without spaces (``YYAAPPPPNNNNNNN``);
- tariff fraction + NICO as 10 digits;
- dates ``AAAAMMDD``; quantities with 3 decimals, values in MXN with 2 decimals, half-up,
  dot decimal, no thousands separator; a value is rounded once, on its total.

Layouts:

``01`` initial inventory, one record per open import line at go-live::

    01|pedimento|partida|fraccion+nico|fecha entrada|saldo UMT|UMT|valor MXN|activo S/N|

``02`` header of a discharge report, one per pedimento key and period::

    02|clave de pedimento|año AAAA|periodo MM|

``03`` fraction of the report above, value discharged in the period::

    03|fraccion+nico|valor MXN|activo fijo S/N|

``04`` destination pedimento (the exit that discharged) of the fraction above::

    04|pedimento de destino|
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["EOL", "discharge_report", "initial_inventory", "money", "quantity"]

EOL = "\r\n"


def money(value: float) -> str:
    """``1234.5`` -> ``"1234.50"`` (half-up, from the decimal text of the float)."""
    return str(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def quantity(value: float) -> str:
    return str(Decimal(repr(float(value))).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _digits(text: str) -> str:
    return "".join(ch for ch in str(text or "") if ch.isdigit())


def _field(value: object) -> str:
    text = str(value if value is not None else "")
    # a separator, a line end or a non-ASCII character would break the record
    return "".join(ch for ch in text if ch.isascii() and ch not in "|\r\n").strip()


def _record(*values: object) -> str:
    return "|".join(_field(v) for v in values) + "|" + EOL


def _flag(value: object) -> str:
    return "S" if value else "N"


def initial_inventory(rows: Iterable[dict]) -> bytes:
    """The ``01`` file. ``rows``: dicts with ``pedimento``, ``sequence``, ``fraction``
    (10 digits), ``date`` (entry date), ``quantity_tariff`` (open balance in UMT),
    ``uom_tariff`` (Anexo 22 appendix 7 code), ``value`` (MXN of the balance),
    ``fixed_asset``. Sorted by pedimento and partida."""
    ordered = sorted(rows, key=lambda r: (_digits(r["pedimento"]), int(r["sequence"])))
    lines = [
        _record(
            "01",
            _digits(r["pedimento"]),
            int(r["sequence"]),
            _digits(r["fraction"]),
            r["date"].strftime("%Y%m%d") if isinstance(r["date"], date) else "",
            quantity(r["quantity_tariff"]),
            r.get("uom_tariff") or "",
            money(r["value"]),
            _flag(r.get("fixed_asset")),
        )
        for r in ordered
    ]
    return "".join(lines).encode("ascii")


def discharge_report(rows: Iterable[dict]) -> bytes:
    """The ``02``/``03``/``04`` file. ``rows``: one per discharge, dicts with ``key`` (of the
    exit pedimento), ``date`` (effective date), ``fraction`` (10 digits of the import line),
    ``value`` (MXN: the import line's value per unit x quantity discharged),
    ``fixed_asset`` and ``destination`` (the exit pedimento number, may be empty).

    Grouped by key, year and month (``02``), fraction and fixed-asset flag (``03``, the sum
    of the values, rounded once) and destination pedimento (``04``, each once), all sorted.
    """
    groups: dict[tuple, dict[tuple, dict]] = {}
    for r in rows:
        when = r["date"]
        head = (str(r["key"]).upper(), when.year, when.month)
        fraction = (_digits(r["fraction"]), bool(r.get("fixed_asset")))
        entry = groups.setdefault(head, {}).setdefault(
            fraction, {"value": Decimal(0), "destinations": set()}
        )
        entry["value"] += Decimal(repr(float(r["value"])))
        if r.get("destination"):
            entry["destinations"].add(_digits(r["destination"]))
    out = []
    for (key, year, month), fractions in sorted(groups.items()):
        out.append(_record("02", key, f"{year:04d}", f"{month:02d}"))
        for (fraction, fixed_asset), entry in sorted(fractions.items()):
            total = entry["value"].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out.append(_record("03", fraction, str(total), _flag(fixed_asset)))
            out.extend(_record("04", dest) for dest in sorted(entry["destinations"]))
    return "".join(out).encode("ascii")
