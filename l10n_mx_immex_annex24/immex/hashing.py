"""Tamper-evident hash chain for the append-only Annex 24 ledger.

Every ledger row stores ``sha256(previous row's hash + canonical(row values))``. Editing,
deleting or reordering a row breaks every hash after it, which :func:`verify_chain` detects.
It does not stop someone with database access from recomputing the whole chain; it proves
that the application never silently edited a record, which is what an auditor asks.

The canonical text must never change once rows are stored, so its rules are explicit:

- values are joined with ``|``; ``|`` and ``\\`` inside strings are escaped with ``\\``;
- None -> ``""``; True/False -> ``"true"``/``"false"``;
- numbers (int, float, Decimal) are rounded to 6 decimals and written in fixed point without
  trailing zeros, so that ``1``, ``1.0`` and ``1.0000001`` all give ``"1"``, ``1e-05`` gives
  ``"0.00001"`` and ``-0.0`` gives ``"0"`` (the database returns floats where the code wrote
  ints; the hash must not depend on that);
- datetime -> ISO 8601 (``2026-01-15T10:30:00``), date -> ``2026-01-15``;
- anything else -> ``str(value)``.

The chained text is ``prev_hash + "\\n" + canonical`` (``prev_hash`` is ``""`` for the first
row): the newline keeps a row's values from being read as part of the previous hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "canonical",
    "canonical_columns",
    "canonical_from_copy",
    "line_from_copy",
    "canonical_json",
    "chain_batch",
    "chain_hash",
    "chain_lines",
    "iter_chain",
    "texts",
    "verify_chain",
    "verify_chains",
]


def _number(value: float) -> str:
    # fixed point, 6 decimals, trailing zeros dropped: 1.0 -> "1", -0.0 -> "0"; nan, inf
    text = ("%.6f" % value).rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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


def texts(values: Sequence[object]) -> list[str]:
    """The canonical text of each value (``canonical`` joins them with ``|``)."""
    return list(map(_text, values))


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


def canonical_columns(columns: Sequence[Sequence[object]]) -> list[bytes]:
    """``[canonical(row) for row in zip(*columns)]``, built column by column (faster).

    A batch of ledger rows is held as columns (one list per field). Each column is turned
    into values whose ``str`` is their canonical text (integers and dates as they are), so
    that one ``%`` per row formats them in C.
    """
    if not columns:
        return []
    by_column = [_column_values(column) for column in columns]
    template = "|".join(["%s"] * len(by_column))
    return [(template % row).encode("utf-8") for row in zip(*by_column, strict=True)]


def canonical_from_copy(fields: list[str], float_positions: Sequence[int] = ()) -> bytes:
    """``canonical`` of a row read back with PostgreSQL's ``COPY ... TO STDOUT`` (text).

    ``fields`` are the row's tab-separated texts: ``\\N`` is NULL (-> ``""``); integers,
    ISO dates and plain words read back as ``canonical`` writes them; the values at
    ``float_positions`` are floats, which PostgreSQL prints in their shortest exact form,
    so they give the same double as the one written and go through the same rounding.
    """
    values = []
    for text in fields:
        if text == "\\N":
            values.append("")
        elif "\\" in text or "|" in text:
            values.append(_text(text.replace("\\\\", "\\")))
        else:
            values.append(text)
    for position in float_positions:
        if values[position]:
            values[position] = _number(float(values[position]))
    return "|".join(values).encode("utf-8")


_NONE = type(None)


def line_from_copy(fields: list[str], float_positions: Sequence[int] = ()) -> bytes:
    """A tab-separated row as Python wrote it for ``COPY ... FROM``, from the row read back
    with ``COPY ... TO`` (text format).

    Python writes a float with ``str`` (``"10.0"``, ``"0.52"``); PostgreSQL prints the
    same double in its shortest exact form (``"10"``, ``"0.52"``), which gives back the same
    double and so the same ``str``. Every other value (integers, ISO dates, words, ``\\N``
    for NULL) reads back as written.
    """
    for position in float_positions:
        if fields[position] != "\\N":
            fields[position] = repr(float(fields[position]))
    return "\t".join(fields).encode("utf-8")


def _floats(column: Sequence[float]) -> list[str]:
    out = [("%.6f" % value).rstrip("0").rstrip(".") for value in column]
    return ["0" if text == "-0" else text for text in out]


def _column_values(column: Sequence[object]) -> Sequence[object]:
    """The column as values whose ``str`` is their canonical text (for one ``%`` per row)."""
    kinds = set(map(type, column))
    if kinds <= {_NONE}:
        return [""] * len(column)
    if kinds <= {int}:
        return column  # str(int) is canonical
    if kinds <= {int, _NONE}:
        return ["" if value is None else value for value in column]
    if kinds <= {float}:
        return _floats(column)
    if kinds <= {date}:
        return column  # str(date) is its ISO form
    if kinds <= {str} and not any("|" in v or "\\" in v for v in column):
        return column
    return list(map(_text, column))


def canonical_json(value: object) -> str:
    """Stable JSON text of a trail row's changes: sorted keys, no spaces, UTF-8 kept.

    ``default=str`` turns dates and other non-JSON values into text, so the value stored
    (and read back from the database) gives the same text as the value hashed.
    """
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def chain_batch(prev_hash: str | None, canonicals: Iterable[bytes]) -> list[str]:
    """Hashes of a batch of rows (their canonical texts, in chain order) after ``prev_hash``.

    The last hash returned is the new head of the chain.
    """
    sha256 = hashlib.sha256
    out = []
    append = out.append
    prev = (prev_hash or "").encode("utf-8")
    for text in canonicals:
        prev = sha256(prev + b"\n" + text).hexdigest().encode("ascii")
        append(prev)
    return [h.decode("ascii") for h in out]


def iter_chain(prev_hash: str | None, lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(line, hash)`` for rows given as text lines (UTF-8), chained after ``prev_hash``.

    Lazy, so that a writer can stream the rows to the database while it hashes them.
    """
    sha256 = hashlib.sha256
    prev = prev_hash or ""
    for line in lines:
        prev = sha256((prev + "\n" + line).encode("utf-8")).hexdigest()
        yield line, prev


def chain_lines(prev_hash: str | None, lines: Iterable[str]) -> list[str]:
    """``chain_batch`` of rows given as text lines (UTF-8)."""
    return [digest for __, digest in iter_chain(prev_hash, lines)]


def verify_chains(
    rows: Iterable[tuple[object, object, bytes, str | None]],
    heads: dict[object, str] | None = None,
) -> tuple[dict[object, tuple[object, str]], dict[object, tuple[object, str | None]]]:
    """Verify several interleaved chains in one pass; report the first break of each.

    ``rows`` are ``(chain_key, row_id, canonical_text, stored_hash)`` in chain order (rows
    of different chains may be interleaved: each chain keeps its own previous hash).
    ``heads`` maps a chain key to the head recorded apart (the last hash written), so a
    deleted last row or a fabricated row appended after it is caught as well.

    Returns ``(breaks, last)``: ``breaks`` maps a chain key to ``(row_id, reason)`` of its
    first broken row (``reason`` is ``"hash"``: the row's content or its predecessor
    changed, ``"missing_hash"``, or ``"head"``: the chain does not end at the recorded
    head); ``last`` maps each chain key to ``(last_row_id, last_hash)``.
    """
    sha256 = hashlib.sha256
    prev: dict[object, bytes] = {}
    last: dict[object, tuple[object, str | None]] = {}
    breaks: dict[object, tuple[object, str]] = {}
    for key, row_id, text, stored in rows:
        if key in breaks:
            last[key] = (row_id, stored)
            continue
        expected = sha256(prev.get(key, b"") + b"\n" + text).hexdigest()
        if not stored:
            breaks[key] = (row_id, "missing_hash")
        elif expected != stored:
            breaks[key] = (row_id, "hash")
        prev[key] = (stored or "").encode("ascii")
        last[key] = (row_id, stored)
    for key, head in (heads or {}).items():
        if key in breaks:
            continue
        last_id, last_hash = last.get(key, (None, None))
        if (last_hash or "") != (head or ""):
            breaks[key] = (last_id, "head")
    return breaks, last
