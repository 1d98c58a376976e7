"""Pure-Python domain logic for IMMEX Annex 24 inventory control.

Nothing in this package imports Odoo: it is plain standard-library code so that it can be
unit-tested and benchmarked without a database, and so that the ORM layer stays thin. The
Odoo models call these functions with plain values (strings, floats, dates, tuples, dicts).

Modules:

- ``pedimento``: parse, normalise and cross-check 15-digit customs declaration numbers.
- ``fraction``: tariff fraction + NICO keys (10 digits).
- ``units``: commercial unit (UMC) <-> tariff unit (UMT) conversion with half-up rounding.
- ``plazos``: time limits of temporary imports.
- ``fifo``: the PEPS (FIFO) discharge allocator, the hot path.
- ``bom``: bill-of-materials explosion with merma and desperdicio.
- ``hashing``: hash chain that makes the append-only ledger tamper-evident.
- ``datastage``: reading the SAT Data Stage deliveries, staging rows, the reconciliation.
- ``opening``: the initial inventory file (open balances at go-live).
- ``anexo30``: the Anexo 30 text files (initial inventory, discharge reports).
"""

from . import anexo30, bom, datastage, fifo, fraction, hashing, opening, pedimento, plazos, units

__all__ = [
    "anexo30",
    "bom",
    "datastage",
    "fifo",
    "fraction",
    "hashing",
    "opening",
    "pedimento",
    "plazos",
    "units",
]
