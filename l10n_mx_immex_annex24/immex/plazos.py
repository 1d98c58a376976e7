"""Time limits (plazos) of temporary imports under IMMEX.

| Goods | Limit |
|---|---|
| inputs, parts, components, packaging, labels, fuels (Ley Aduanera art. 108-I) | 18 months |
| the same for AEO-certified companies | 36 months |
| containers and trailer boxes | 24 months |
| fixed assets | while the IMMEX program is valid (``program_end``) |
| goods received by virtual transfer (key V1) | 6 months |

The clock starts at customs clearance (the closing date for consolidated pedimentos): the
caller passes that date as ``start``.

Design choices:

- Months are calendar months with a month-end clamp (2025-08-31 + 18 months = 2027-02-28),
  the way a person counts "18 months" on a calendar.
- Finished goods imported temporarily are treated like inputs.
- Goods received by virtual transfer (key V1) keep 6 months, also for AEO companies. RGCE
  rule 4.3.21 (transfers of temporarily imported goods between IMMEX companies, the V1
  pedimentos) gives the receiving company its own temporary import with the 6-month
  permanence of the transferred goods; the 36 months of art. 108-I for AEO companies are a
  benefit of the certification on the company's own temporary imports of inputs and are not
  extended by that rule to what it receives by transfer. The longer limit wins nowhere:
  the transferred goods carry their own, shorter one. (Settled for issue 9; the limit is
  data on the V1 key, ``months_limit``, so a company whose authorisation says otherwise
  changes the key, not the code.)
- After the IMMEX program is cancelled the goods have 60 calendar days (``cancelled_on`` +
  :data:`DAYS_AFTER_CANCELLATION`) unless their own limit ends sooner: the cancellation
  shortens limits, never lengthens them. Fixed assets, whose limit is the program itself,
  get the 60 days too.
- The last valid day is the expiry date itself: a balance is expired when
  ``expiry < today`` (:func:`days_left` returns a negative number).
- Unknown material types or certifications raise ``ValueError`` instead of returning None,
  because None means "no limit" and must not be produced by a typo.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

__all__ = [
    "CERTIFICATIONS",
    "MATERIAL_TYPES",
    "MONTHS",
    "MONTHS_CONTAINER",
    "MONTHS_INPUT",
    "MONTHS_INPUT_AEO",
    "MONTHS_VIRTUAL_TRANSFER",
    "DAYS_AFTER_CANCELLATION",
    "add_months",
    "days_left",
    "expiry_date",
]

MONTHS_INPUT = 18
MONTHS_INPUT_AEO = 36
MONTHS_CONTAINER = 24
MONTHS_VIRTUAL_TRANSFER = 6
# Calendar days the goods may stay after the IMMEX program is cancelled (``cancelled_on``).
DAYS_AFTER_CANCELLATION = 60

MONTHS = {
    "input": MONTHS_INPUT,
    "input_aeo": MONTHS_INPUT_AEO,
    "container": MONTHS_CONTAINER,
    "virtual_transfer": MONTHS_VIRTUAL_TRANSFER,
}

MATERIAL_TYPES = ("input", "packaging", "fixed_asset", "container", "finished", "none")
CERTIFICATIONS = ("none", "vat", "aeo")


def _as_date(value: date) -> date:
    # datetime is a subclass of date; keep only the calendar day.
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    return value


def add_months(d: date, months: int) -> date:
    """Add calendar months, clamping to the last day of the target month."""
    d = _as_date(d)
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def expiry_date(
    start: date,
    material_type: str,
    certification: str = "none",
    key_code: str | None = None,
    program_end: date | None = None,
    cancelled_on: date | None = None,
    months: int | None = None,
) -> date | None:
    """Return the last day the temporary import may stay in Mexico, or None (no limit).

    ``material_type`` is one of :data:`MATERIAL_TYPES`, ``certification`` one of
    :data:`CERTIFICATIONS`, ``key_code`` the pedimento key of the entry (``"V1"`` for goods
    received by virtual transfer), ``program_end`` the IMMEX program end date (fixed assets),
    ``cancelled_on`` the date the program was cancelled (60 days from it at most),
    ``months`` a limit the pedimento key itself sets (not for fixed assets).
    ``None`` and ``False`` (Odoo's empty value) both mean "not given".
    """
    limit = _expiry_date(start, material_type, certification, key_code, program_end, months)
    if not cancelled_on or limit is None and material_type == "none":
        return limit
    cap = _as_date(cancelled_on) + timedelta(days=DAYS_AFTER_CANCELLATION)
    return min(limit, cap) if limit else cap


def _expiry_date(start, material_type, certification, key_code, program_end, months):
    if material_type not in MATERIAL_TYPES:
        raise ValueError(f"unknown material type {material_type!r}")
    if certification not in CERTIFICATIONS:
        raise ValueError(f"unknown certification {certification!r}")
    if material_type == "fixed_asset":
        return _as_date(program_end) if program_end else None
    if months:
        # the key's own limit (V1: 6 months), whatever the goods' classification says now
        if not start:
            raise ValueError("a start date is required")
        return add_months(start, months)
    if material_type == "none":
        return None
    if not start:
        raise ValueError("a start date is required")
    if material_type == "container":
        return add_months(start, MONTHS_CONTAINER)
    # input, packaging, finished
    key = (key_code or "").strip().upper()
    if key == "V1":
        return add_months(start, MONTHS_VIRTUAL_TRANSFER)
    return add_months(start, MONTHS_INPUT_AEO if certification == "aeo" else MONTHS_INPUT)


def days_left(expiry: date | None, today: date) -> int | None:
    """Days until ``expiry`` (0 on the last day, negative once expired); None if no limit."""
    if not expiry:  # None, or False from an empty Odoo field
        return None
    return (_as_date(expiry) - _as_date(today)).days
