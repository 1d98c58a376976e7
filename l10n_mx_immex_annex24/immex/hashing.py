"""Tamper-evident hash chain for the append-only Annex 24 ledger.

Every ledger row stores ``sha256(previous row's hash + canonical(row values))``. Editing,
deleting or reordering a row breaks every hash after it, which :func:`verify_chain` detects.
It does not stop someone with database access from recomputing the whole chain; it proves
that the application never silently edited a record, which is what an auditor asks.

The canonical text must never change once rows are stored, so its rules are explicit:

- values are joined with ``|``; ``|`` and ``\\`` inside strings are escaped with ``\\``;
- None -> ``""``; True/False -> ``"true"``/``"false"``;
- numbers (int, float, Decimal) are rounded to 6 decimals and written so that ``1``,
  ``1.0`` and ``1.0000001`` all give ``"1"`` and ``-0.0`` gives ``"0"`` (the database
  returns floats where the code wrote ints; the hash must not depend on that);
- datetime -> ISO 8601 (``2026-01-15T10:30:00``), date -> ``2026-01-15``;
- anything else -> ``str(value)``.

The chained text is ``prev_hash + "\\n" + canonical`` (``prev_hash`` is ``""`` for the first
row): the newline keeps a row's values from being read as part of the previous hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

__all__ = ["canonical", "chain_hash", "verify_chain"]


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return repr(value)
    value = round(value, 6)
    if value == int(value):
        # Integral: 1.0 -> "1"; int() also turns -0.0 into 0.
        return str(int(value))
    return repr(value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        return _number(float(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|")


def canonical(values: Sequence[object]) -> bytes:
    """Stable UTF-8 text of a row's values (see the module docstring for the rules)."""
    return "|".join(map(_text, values)).encode("utf-8")


def chain_hash(prev_hash: str | None, values: Sequence[object]) -> str:
    """SHA-256 hex digest of ``prev_hash`` (or ``""``), a newline and ``canonical(values)``."""
    digest = hashlib.sha256((prev_hash or "").encode("utf-8") + b"\n")
    digest.update(canonical(values))
    return digest.hexdigest()


def verify_chain(
    rows: Iterable[tuple[Sequence[object], str]], prev_hash: str | None = None
) -> int | None:
    """Return the index of the first row whose stored hash is wrong, or None if all match.

    ``rows`` are ``(values, stored_hash)`` in chain order. ``prev_hash`` is the hash of the row
    before the first one given, to verify a window of a longer chain.
    """
    for index, (values, stored_hash) in enumerate(rows):
        if chain_hash(prev_hash, values) != stored_hash:
            return index
        prev_hash = stored_hash
    return None
