"""Customs declaration (pedimento) numbers.

A pedimento number has 15 digits::

    YY  AA  PPPP  NNNNNNN
    |   |   |     `- document: last digit of the year (1) + sequence of the broker (6)
    |   |   `------- broker (agente/agencia aduanal) patent
    |   `----------- customs office (the first two digits of the 3-digit office/section code)
    `--------------- last two digits of the year of payment

Design choices:

- Input is forgiving about separators (spaces, ``-``, ``.``, ``/``) because numbers are typed
  by hand, copied from PDFs or built from Data Stage fields, but strict about content: exactly
  15 ASCII digits, nothing else. ``str.isdigit`` is avoided on purpose, it accepts other
  scripts' digits and superscripts. Control and invisible characters (tabs, line breaks,
  zero-width spaces, byte-order marks...) are refused, not read as separators: a number that
  looks right on screen but is not is a number nobody can search for.
- Structurally impossible numbers are refused: broker patent ``0000`` and sequence ``000000``
  are never issued; a customs office missing from the catalog is reported by
  :func:`validate_number` when the caller hands the catalog's codes.
- Error parameters quote at most :data:`QUOTE_LENGTH` characters of the input (invisible
  characters shown as ``\ufffd``), so a pasted document never floods a message.
- The canonical text form is the one Odoo core and the CFDI use, four groups separated by
  two spaces, so a stored number flows into invoices unchanged.
- Structural problems raise; consistency problems (year, patent, office) are *returned* by
  :func:`validate_number` so the caller decides whether they block or only warn.
- Errors carry a machine code plus named parameters instead of an English message, so the
  Odoo layer can translate them with ``env._("... %(value)s", **err.params)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

__all__ = [
    "PedimentoError",
    "PedimentoNumber",
    "QUOTE_LENGTH",
    "normalize_number",
    "normalize_patent",
    "parse_number",
    "quote",
    "validate_number",
]

# Separators people use when typing or pasting a number (plain and no-break spaces only).
_SEPARATORS = re.compile(r"[ \u00a0\-./]+")
# Longest part of the input quoted back in an error.
QUOTE_LENGTH = 30
# Unicode categories never allowed in a number: controls, format (zero-width, BOM...),
# surrogates, private use, unassigned, line and paragraph separators.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_DIGITS15 = re.compile(r"[0-9]{15}")
_PATENT = re.compile(r"[0-9]{1,4}")
_OFFICE = re.compile(r"[0-9]{1,3}")


class PedimentoError(ValueError):
    """A pedimento number problem identified by ``code`` with details in ``params``.

    Codes: ``format``, ``invalid_characters``, ``patent_zero``, ``sequence_zero``,
    ``year_mismatch``, ``year_digit_mismatch``, ``patent_mismatch``, ``office_mismatch``,
    ``office_unknown``, ``patent_format``. A ``value`` parameter holds at most
    :data:`QUOTE_LENGTH` characters of the input (see :func:`quote`).
    """

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        details = ", ".join(f"{key}={value!r}" for key, value in params.items())
        super().__init__(f"{code}: {details}" if details else code)

    def __eq__(self, other: object) -> bool:
        # Value semantics make lists of problems easy to compare in callers and tests.
        if not isinstance(other, PedimentoError):
            return NotImplemented
        return (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)


class PedimentoNumber(NamedTuple):
    """The parts of a 15-digit pedimento number (all strings, leading zeros kept)."""

    year2: str
    office: str
    patent: str
    document: str
    year_digit: str
    sequence: str
    formatted: str

    @property
    def compact(self) -> str:
        """The 15 digits without separators."""
        return self.year2 + self.office + self.patent + self.document


def quote(value: object) -> object:
    """``value`` as an error may show it: strings cut to :data:`QUOTE_LENGTH` characters with
    invisible characters replaced by ``\ufffd``; bytes cut likewise; other values as they are."""
    if isinstance(value, bytes):
        return value[:QUOTE_LENGTH]
    if not isinstance(value, str):
        return value
    return "".join("\ufffd" if _is_invisible(char) else char for char in value[:QUOTE_LENGTH])


def _is_invisible(char: str) -> bool:
    if char in " \u00a0":
        return False
    category = unicodedata.category(char)
    return category in _INVISIBLE_CATEGORIES or category == "Zs"


def _digits15(text: str) -> str:
    if not isinstance(text, str):
        raise PedimentoError("format", value=quote(text))
    if any(_is_invisible(char) for char in text):
        raise PedimentoError("invalid_characters", value=quote(text))
    compact = _SEPARATORS.sub("", text)
    if not _DIGITS15.fullmatch(compact):
        raise PedimentoError("format", value=quote(text))
    if compact[4:8] == "0000":
        raise PedimentoError("patent_zero", value=quote(text))
    if compact[9:15] == "000000":
        raise PedimentoError("sequence_zero", value=quote(text))
    return compact


def normalize_number(text: str) -> str:
    """Return ``"YY  AA  PPPP  NNNNNNN"`` (two spaces between groups, 21 characters).

    Raise ``PedimentoError("format", value=text)`` unless ``text`` holds exactly 15 digits once
    spaces, ``-``, ``.`` and ``/`` are removed; ``invalid_characters`` when it holds control
    or invisible characters; ``patent_zero`` / ``sequence_zero`` for patent ``0000`` or
    sequence ``000000``.
    """
    d = _digits15(text)
    return f"{d[0:2]}  {d[2:4]}  {d[4:8]}  {d[8:15]}"


def parse_number(text: str) -> PedimentoNumber:
    """Split a pedimento number into its parts (see :class:`PedimentoNumber`)."""
    d = _digits15(text)
    return PedimentoNumber(
        year2=d[0:2],
        office=d[2:4],
        patent=d[4:8],
        document=d[8:15],
        year_digit=d[8],
        sequence=d[9:15],
        formatted=f"{d[0:2]}  {d[2:4]}  {d[4:8]}  {d[8:15]}",
    )


def normalize_patent(text: str | int) -> str:
    """Return the broker patent as 4 digits (``"42"`` -> ``"0042"``).

    Raise ``PedimentoError("patent_format", value=text)`` unless it is 1 to 4 digits
    (surrounding spaces are ignored), ``patent_zero`` for an all-zero patent.
    """
    value = str(text).strip(" ") if isinstance(text, (str, int)) else None
    if value is None or not _PATENT.fullmatch(value):
        raise PedimentoError("patent_format", value=quote(text))
    if value.strip("0") == "":
        raise PedimentoError("patent_zero", value=quote(text))
    return value.zfill(4)


def _office2(office_code: str | int) -> str | None:
    """First two digits of a customs office code (``"240"`` or ``"24"`` -> ``"24"``).

    A 1-digit code is zero-filled to 2 (``"1"`` -> ``"01"``). Return None when the code is
    not 1 to 3 digits.
    """
    value = str(office_code).strip()
    if not _OFFICE.fullmatch(value):
        return None
    return value.zfill(2)[:2]


def validate_number(
    text: str,
    entry_year: int | date | None = None,
    patent: str | int | None = None,
    office_code: str | int | None = None,
    offices: Iterable[str] | None = None,
) -> list[PedimentoError]:
    """Return the consistency problems of a pedimento number (empty list when fine).

    - ``year_digit_mismatch`` (always checked): the document's first digit is not the last
      digit of the year.
    - ``year_mismatch``: ``entry_year`` (an int such as 2026, or a date) given and its last two
      digits differ from the number's year.
    - ``patent_mismatch``: ``patent`` given and, zero-filled to 4 digits, differs from the
      number's patent. A ``patent`` that is not 1-4 digits yields ``patent_format``.
    - ``office_mismatch``: ``office_code`` given (catalog codes look like ``"240"``: office 24,
      section 0; ``"24"`` and ``"010"`` are accepted too) and its first two digits differ
      from the number's office. A code that is not 1-3 digits is reported as a mismatch.
    - ``office_unknown``: ``offices`` (the codes of the customs-office catalog, e.g.
      ``["240", "470"]``) given and none of them is the number's office.

    A number that cannot be parsed raises ``PedimentoError("format")``: it is not a
    consistency problem but an unusable value. ``None`` and ``False`` (Odoo's empty value)
    both mean "not given" for the optional arguments.
    """
    number = parse_number(text)
    # Odoo hands False for empty fields; never read it as year 0 or patent "0000".
    entry_year = None if entry_year is False else entry_year
    patent = None if patent is False else patent
    office_code = None if office_code is False else office_code
    problems: list[PedimentoError] = []
    if number.year_digit != number.year2[1]:
        problems.append(
            PedimentoError(
                "year_digit_mismatch",
                value=number.formatted,
                expected=number.year2[1],
                found=number.year_digit,
            )
        )
    if entry_year is not None:
        year = entry_year.year if isinstance(entry_year, date) else int(entry_year)
        expected = f"{year % 100:02d}"
        if number.year2 != expected:
            problems.append(
                PedimentoError(
                    "year_mismatch",
                    value=number.formatted,
                    expected=expected,
                    found=number.year2,
                )
            )
    if patent is not None:
        try:
            expected_patent = normalize_patent(patent)
        except PedimentoError as error:
            problems.append(error)
        else:
            if expected_patent != number.patent:
                problems.append(
                    PedimentoError(
                        "patent_mismatch",
                        value=number.formatted,
                        expected=expected_patent,
                        found=number.patent,
                    )
                )
    if office_code is not None:
        expected_office = _office2(office_code)
        if expected_office != number.office:
            problems.append(
                PedimentoError(
                    "office_mismatch",
                    value=number.formatted,
                    expected=expected_office if expected_office is not None else office_code,
                    found=number.office,
                )
            )
    if offices is not None and number.office not in {
        _office2(code) for code in offices if code is not None
    }:
        problems.append(
            PedimentoError("office_unknown", value=number.formatted, found=number.office)
        )
    return problems
