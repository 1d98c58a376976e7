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
- The V1 rule (6 months) wins over the AEO extension: the transferred goods carry their own,
  shorter limit.
- The last valid day is the expiry date itself: a balance is expired when
  ``expiry < today`` (:func:`days_left` returns a negative number).
- Unknown material types or certifications raise ``ValueError`` instead of returning None,
  because None means "no limit" and must not be produced by a typo.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

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
# Not used by expiry_date (the cancellation date is an event, not a property of the balance),
# exported so alerts can use the same constant.
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
) -> date | None:
    """Return the last day the temporary import may stay in Mexico, or None (no limit).

    ``material_type`` is one of :data:`MATERIAL_TYPES`, ``certification`` one of
    :data:`CERTIFICATIONS`, ``key_code`` the pedimento key of the entry (``"V1"`` for goods
    received by virtual transfer), ``program_end`` the IMMEX program end date (fixed assets).
    ``None`` and ``False`` (Odoo's empty value) both mean "not given".
    """
    if material_type not in MATERIAL_TYPES:
        raise ValueError(f"unknown material type {material_type!r}")
    if certification not in CERTIFICATIONS:
        raise ValueError(f"unknown certification {certification!r}")
    if material_type == "none":
        return None
    if material_type == "fixed_asset":
        return _as_date(program_end) if program_end else None
    if not start:
        raise ValueError("a start date is required")
    if material_type == "container":
        return add_months(start, MONTHS_CONTAINER)
    # input, packaging, finished
    key = (key_code or "").strip().upper()
    if key == "V1":
        return add_months(start, MONTHS_VIRTUAL_TRANSFER)
    months = MONTHS_INPUT_AEO if certification == "aeo" else MONTHS_INPUT
    return add_months(start, months)


def days_left(expiry: date | None, today: date) -> int | None:
    """Days until ``expiry`` (0 on the last day, negative once expired); None if no limit."""
    if not expiry:  # None, or False from an empty Odoo field
        return None
    return (_as_date(expiry) - _as_date(today)).days
