"""Tariff fraction (fracción arancelaria) + NICO keys.

Since December 2020 Mexico classifies goods with an 8-digit fraction of the TIGIE plus a
2-digit NICO (número de identificación comercial). The 10-digit concatenation is the key of
the OCA ``l10n_mx_catalogs.c_fraccion`` catalog and the granularity of Annex 24 section A
balances, so it is the form stored everywhere; ``8544.42.99.01`` is only for display.

Design choices:

- Separators (whitespace, ``.``, ``-``) are ignored wherever they are, because fractions are
  typed in many shapes (``8544.42.99.01``, ``85444299 01``, ``8544.42.99-01``); what must hold
  is the digit count.
- An 8-digit fraction without NICO gets its own error code (``nico_missing``): it is the most
  common mistake and the user needs a specific hint, not a generic "bad format".
- Chapter ``00`` does not exist in the Harmonized System and is rejected as ``format``.
"""

from __future__ import annotations

import re

__all__ = ["FractionError", "format_fraction", "normalize_fraction", "split_fraction"]

_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]+")


class FractionError(ValueError):
    """A tariff fraction problem: ``code`` is ``format`` or ``nico_missing``."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        details = ", ".join(f"{key}={value!r}" for key, value in params.items())
        super().__init__(f"{code}: {details}" if details else code)


def normalize_fraction(text: str) -> str:
    """Return the 10-digit key (8-digit fraction + 2-digit NICO).

    Raise ``FractionError("nico_missing", value=text)`` for 8 digits alone and
    ``FractionError("format", value=text)`` for anything that is not 10 digits.
    """
    if not isinstance(text, str):
        raise FractionError("format", value=text)
    compact = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(compact):
        raise FractionError("format", value=text)
    if len(compact) == 8 and compact[:2] != "00":
        raise FractionError("nico_missing", value=text)
    if len(compact) != 10 or compact[:2] == "00":
        raise FractionError("format", value=text)
    return compact


def split_fraction(code: str) -> tuple[str, str]:
    """Return ``(fraction8, nico2)`` of any accepted spelling of a fraction + NICO."""
    key = normalize_fraction(code)
    return key[:8], key[8:]


def format_fraction(code: str) -> str:
    """Return the display form ``"8544.42.99.01"``."""
    key = normalize_fraction(code)
    return f"{key[0:4]}.{key[4:6]}.{key[6:8]}.{key[8:10]}"
