# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Layouts of the Annex 24 reports: sheets, columns and their Spanish and English headers.

No Odoo import: the file writers (XLSX, XML, its XSD) and the pure test suite use it as is.
The column order is part of the contract (machines read these files): append, never reorder.

A column is ``(key, header_es, header_en, kind, total)``; ``kind`` is one of ``text``,
``date``, ``datetime``, ``qty`` (quantities), ``money``, ``percent``, ``int``, ``bool``;
``total`` says whether the column adds up (money, counts; never quantities of mixed units).
"""

TEXT, DATE, DATETIME, QTY, MONEY, PERCENT, INT, BOOL = (
    "text",
    "date",
    "datetime",
    "qty",
    "money",
    "percent",
    "int",
    "bool",
)


def _c(key, es, en, kind=TEXT, total=False):
    return (key, es, en, kind, total)


ENTRIES = [
    _c("pedimento", "Pedimento", "Pedimento"),
    _c("customs_office", "Aduana/Sección", "Customs office/section"),
    _c("patent", "Patente", "Patent"),
    _c("key", "Clave", "Key"),
    _c("regime", "Régimen", "Regime"),
    _c("entry_date", "Fecha de entrada", "Entry date", DATE),
    _c("payment_date", "Fecha de pago", "Payment date", DATE),
    _c("exchange_rate", "Tipo de cambio", "Exchange rate", QTY),
    _c("partner", "Proveedor", "Supplier"),
    _c("seller_country", "País vendedor", "Seller country"),
    _c("sequence", "Secuencia (partida)", "Sequence (partida)", INT),
    _c("part_number", "Número de parte", "Part number"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("nico", "NICO", "NICO"),
    _c("qty_umc", "Cantidad UMC", "Quantity UMC", QTY),
    _c("umc", "UMC", "UMC"),
    _c("qty_umt", "Cantidad UMT", "Quantity UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("value_usd", "Valor USD", "Value USD", MONEY, True),
    _c("value_mxn", "Valor aduana MXN", "Customs value MXN", MONEY, True),
    _c("origin_country", "País de origen", "Origin country"),
    _c("material_type", "Tipo de material", "Material type"),
    _c("months_limit", "Plazo (meses)", "Time limit (months)", INT),
    _c("expiry_date", "Fecha de vencimiento", "Expiry date", DATE),
    _c("registered_at", "Registrada en el sistema (fecha y hora)", "Registered at", DATETIME),
    _c("within_48h", "Dentro de 48 h", "Within 48 h", BOOL),
    _c("balance_umc", "Saldo UMC al corte", "Balance UMC at cut-off", QTY),
    _c("data_origin", "Origen del dato", "Data origin"),
]

EXITS = [
    _c("exit_type", "Tipo de salida", "Exit type"),
    _c("document", "Pedimento o documento", "Pedimento or document"),
    _c("customs_office", "Aduana/Sección", "Customs office/section"),
    _c("key", "Clave", "Key"),
    _c("date", "Fecha", "Date", DATE),
    _c("partner", "Cliente / destinatario", "Customer / recipient"),
    _c("partner_vat", "RFC o Tax ID", "RFC or Tax ID"),
    _c("destination_country", "País destino", "Destination country"),
    _c("invoice", "Factura / CFDI", "Invoice / CFDI"),
    _c("sequence", "Secuencia", "Sequence", INT),
    _c("part_number", "Número de parte", "Part number"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("nico", "NICO", "NICO"),
    _c("qty_umc", "Cantidad UMC", "Quantity UMC", QTY),
    _c("umc", "UMC", "UMC"),
    _c("qty_umt", "Cantidad UMT", "Quantity UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("value_usd", "Valor USD", "Value USD", MONEY, True),
    _c("discharge_state", "Estado de descargo", "Discharge status"),
    _c("qty_pending", "Cantidad pendiente", "Pending quantity", QTY),
]

BALANCES_FRACTION = [
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("nico", "NICO", "NICO"),
    _c("description", "Descripción", "Description"),
    _c("umt", "UMT", "UMT"),
    _c("imported_umt", "Importado UMT", "Imported UMT", QTY),
    _c("discharged_umt", "Descargado UMT", "Discharged UMT", QTY),
    _c("balance_umt", "Saldo UMT", "Balance UMT", QTY),
    _c("imported_usd", "Valor importado USD", "Imported value USD", MONEY, True),
    _c("discharged_usd", "Valor descargado USD", "Discharged value USD", MONEY, True),
    _c("balance_usd", "Saldo USD", "Balance USD", MONEY, True),
    _c("balance_mxn", "Saldo MXN", "Balance MXN", MONEY, True),
    _c("discharged_percent", "% descargado", "% discharged", PERCENT),
    _c("open_lines", "Partidas con saldo", "Lines with balance", INT, True),
    _c("next_expiry", "Próximo vencimiento", "Next expiry", DATE),
    _c("expired_umt", "Saldo vencido UMT", "Expired balance UMT", QTY),
]

BALANCES_LINE = [
    _c("pedimento", "Pedimento", "Pedimento"),
    _c("entry_date", "Fecha de entrada", "Entry date", DATE),
    _c("key", "Clave", "Key"),
    _c("sequence", "Secuencia", "Sequence", INT),
    _c("part_number", "Número de parte", "Part number"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("nico", "NICO", "NICO"),
    _c("imported_umc", "Cantidad importada UMC", "Imported quantity UMC", QTY),
    _c("discharged_umc", "Descargado UMC", "Discharged UMC", QTY),
    _c("balance_umc", "Saldo UMC", "Balance UMC", QTY),
    _c("umc", "UMC", "UMC"),
    _c("balance_umt", "Saldo UMT", "Balance UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("balance_usd", "Valor USD del saldo", "Balance value USD", MONEY, True),
    _c("balance_mxn", "Saldo MXN", "Balance MXN", MONEY, True),
    _c("origin_country", "País de origen", "Origin country"),
    _c("material_type", "Tipo de material", "Material type"),
    _c("months_limit", "Plazo (meses)", "Time limit (months)", INT),
    _c("expiry_date", "Fecha de vencimiento", "Expiry date", DATE),
    _c("days_to_expiry", "Días por vencer", "Days to expiry", INT),
    _c("pending_waste", "Desperdicio pendiente", "Pending waste", QTY),
    _c("lots", "Lote", "Lot"),
]

BALANCES_PRODUCT = [
    _c("part_number", "Número de parte", "Part number"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("nico", "NICO", "NICO"),
    _c("imported_umc", "Cantidad importada UMC", "Imported quantity UMC", QTY),
    _c("discharged_umc", "Descargado UMC", "Discharged UMC", QTY),
    _c("balance_umc", "Saldo UMC", "Balance UMC", QTY),
    _c("umc", "UMC", "UMC"),
    _c("balance_umt", "Saldo UMT", "Balance UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("balance_usd", "Valor USD del saldo", "Balance value USD", MONEY, True),
    _c("balance_mxn", "Saldo MXN", "Balance MXN", MONEY, True),
    _c("open_lines", "Partidas con saldo", "Lines with balance", INT, True),
    _c("next_expiry", "Próximo vencimiento", "Next expiry", DATE),
]

MATERIALS_USED = [
    _c("period", "Periodo", "Period"),
    _c("production", "Orden de producción", "Manufacturing order"),
    _c("product", "Producto", "Product"),
    _c("product_description", "Descripción", "Description"),
    _c("product_fraction", "Fracción del producto", "Product tariff fraction"),
    _c("qty_produced", "Cantidad producida", "Quantity produced", QTY),
    _c("product_umc", "UMC producto", "Product UMC"),
    _c("bom", "Lista de materiales", "Bill of materials"),
    _c("material", "Material (número de parte)", "Material (part number)"),
    _c("material_description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("umc", "UMC", "UMC"),
    _c("qty_per_unit", "Consumo por unidad", "Consumption per unit", QTY),
    _c("merma_percent", "% merma", "% merma", PERCENT),
    _c("desperdicio_percent", "% desperdicio", "% desperdicio", PERCENT),
    _c("qty_incorporated", "Cantidad incorporada", "Quantity incorporated", QTY),
    _c("qty_merma", "Cantidad merma", "Merma quantity", QTY),
    _c("qty_desperdicio", "Cantidad desperdicio", "Desperdicio quantity", QTY),
    _c("qty_total", "Total consumido", "Total consumed", QTY),
    _c("qty_umt", "Cantidad UMT", "Quantity UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("qty_theoretical", "Teórico (BOM)", "Theoretical (BOM)", QTY),
    _c("qty_drift", "Desviación", "Drift", QTY),
    _c("regime_rule", "Regla de existencias mixtas", "Mixed-stock rule"),
]

DISCHARGES = [
    _c("date", "Fecha", "Date", DATE),
    _c("kind", "Tipo", "Kind"),
    _c("exit_pedimento", "Pedimento de salida", "Exit pedimento"),
    _c("exit_key", "Clave salida", "Exit key"),
    _c("exit_sequence", "Partida salida", "Exit line", INT),
    _c("invoice", "Factura / CFDI", "Invoice / CFDI"),
    _c("partner", "Cliente", "Customer"),
    _c("finished_product", "Producto terminado", "Finished good"),
    _c("qty_exported", "Cantidad exportada", "Quantity exported", QTY),
    _c("production", "Orden de producción", "Manufacturing order"),
    _c("material", "Material", "Material"),
    _c("description", "Descripción", "Description"),
    _c("umc", "UMC", "UMC"),
    _c("qty_umc", "Cantidad descargada UMC", "Discharged quantity UMC", QTY),
    _c("qty_umt", "Cantidad UMT", "Quantity UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("import_pedimento", "Pedimento de entrada", "Import pedimento"),
    _c("import_sequence", "Secuencia entrada", "Import line", INT),
    _c("import_key", "Clave entrada", "Import key"),
    _c("entry_date", "Fecha de entrada", "Entry date", DATE),
    _c("expiry_date", "Fecha de vencimiento", "Expiry date", DATE),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("balance_before", "Saldo anterior", "Balance before", QTY),
    _c("balance_after", "Saldo posterior", "Balance after", QTY),
    _c("value_usd", "Valor descargado USD", "Discharged value USD", MONEY, True),
    _c("status", "Estado", "Status"),
    _c("run", "Corrida", "Run"),
]

PENDING = [
    _c("date", "Fecha", "Date", DATE),
    _c("kind", "Tipo", "Kind"),
    _c("exit_pedimento", "Pedimento de salida", "Exit pedimento"),
    _c("event", "Evento", "Exit event"),
    _c("finished_product", "Producto terminado", "Finished good"),
    _c("material", "Material", "Material"),
    _c("description", "Descripción", "Description"),
    _c("umc", "UMC", "UMC"),
    _c("quantity", "Cantidad", "Quantity", QTY),
    _c("qty_settled", "Cantidad conciliada", "Settled", QTY),
    _c("qty_open", "Cantidad pendiente", "Open quantity", QTY),
    _c("reason", "Motivo", "Reason"),
    _c("age_days", "Antigüedad (días)", "Age (days)", INT),
]

WASTE = [
    _c("date", "Fecha", "Date", DATE),
    _c("material", "Material", "Material"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("umc", "UMC", "UMC"),
    _c("source", "Origen", "Source"),
    _c("production", "Orden de producción", "Manufacturing order"),
    _c("finished_product", "Producto terminado", "Finished good"),
    _c("quantity", "Cantidad", "Quantity", QTY),
    _c("qty_discharged", "Descargado", "Discharged", QTY),
    _c("qty_pending", "Pendiente", "Pending", QTY),
    _c("import_line", "Pedimento y partida (PEPS)", "Pedimento line (FIFO)"),
    _c("age_days", "Antigüedad (días)", "Age (days)", INT),
]

EXPIRING = [
    _c("bucket", "Vencimiento", "Expiry"),
    _c("pedimento", "Pedimento", "Pedimento"),
    _c("sequence", "Secuencia", "Sequence", INT),
    _c("part_number", "Número de parte", "Part number"),
    _c("description", "Descripción", "Description"),
    _c("fraction", "Fracción", "Tariff fraction"),
    _c("material_type", "Tipo de material", "Material type"),
    _c("balance_umc", "Saldo UMC", "Balance UMC", QTY),
    _c("umc", "UMC", "UMC"),
    _c("balance_umt", "Saldo UMT", "Balance UMT", QTY),
    _c("umt", "UMT", "UMT"),
    _c("balance_usd", "Valor USD del saldo", "Balance value USD", MONEY, True),
    _c("balance_mxn", "Saldo MXN", "Balance MXN", MONEY, True),
    _c("expiry_date", "Fecha de vencimiento", "Expiry date", DATE),
    _c("days_to_expiry", "Días por vencer", "Days to expiry", INT),
]

REGISTRATION = [
    _c("pedimento", "Pedimento", "Pedimento"),
    _c("key", "Clave", "Key"),
    _c("entry_date", "Fecha de entrada", "Entry date", DATE),
    _c("clearance", "Despacho (fecha y hora)", "Clearance", DATETIME),
    _c("deadline", "Límite 48 h", "48-hour deadline", DATETIME),
    _c("registered_at", "Registrada en el sistema (fecha y hora)", "Registered at", DATETIME),
    _c("delay_hours", "Horas de registro", "Hours to register", QTY),
    _c("late", "Fuera de plazo", "Late", BOOL),
    _c("lines", "Partidas", "Lines", INT, True),
]

BOM_DRIFT = [
    _c("period", "Periodo", "Period"),
    _c("production", "Orden de producción", "Manufacturing order"),
    _c("product", "Producto", "Product"),
    _c("material", "Material (número de parte)", "Material (part number)"),
    _c("description", "Descripción", "Description"),
    _c("umc", "UMC", "UMC"),
    _c("qty_real", "Consumo real", "Real consumption", QTY),
    _c("qty_theoretical", "Teórico (BOM)", "Theoretical (BOM)", QTY),
    _c("qty_drift", "Desviación", "Drift", QTY),
    _c("drift_percent", "% desviación", "% drift", PERCENT),
    _c("alert", "Más de 5 %", "Over 5 %", BOOL),
]

RETURN_RATIO = [
    _c("month", "Mes", "Month"),
    _c(
        "imported_usd", "Valor importado temporalmente USD", "Temporarily imported USD", MONEY, True
    ),
    _c("returned_usd", "Valor retornado USD", "Returned value USD", MONEY, True),
    _c("month_ratio", "% del mes", "% of the month", PERCENT),
    _c("rolling_imported_usd", "Importado 12 meses USD", "Imported, 12 months USD", MONEY),
    _c("rolling_returned_usd", "Retornado 12 meses USD", "Returned, 12 months USD", MONEY),
    _c("rolling_ratio", "% 12 meses", "% 12 months", PERCENT),
    _c("threshold_60", "Umbral 60 %", "60 % threshold", BOOL),
    _c("threshold_80", "Umbral 80 %", "80 % threshold", BOOL),
]

# report type -> (title es, title en, [(sheet key, sheet name es, sheet name en, columns)])
REPORTS = {
    "entries": ("Entradas", "Entries", [("entries", "Entradas", "Entries", ENTRIES)]),
    "exits": ("Salidas", "Exits", [("exits", "Salidas", "Exits", EXITS)]),
    "balances": (
        "Saldos",
        "Balances",
        [
            ("fraction", "Saldos por fracción", "Balances by fraction", BALANCES_FRACTION),
            ("line", "Saldos por partida", "Balances by line", BALANCES_LINE),
            ("product", "Saldos por producto", "Balances by product", BALANCES_PRODUCT),
        ],
    ),
    "materials_used": (
        "Materiales utilizados",
        "Materials used",
        [("materials_used", "Materiales utilizados", "Materials used", MATERIALS_USED)],
    ),
    "discharges": (
        "Descargos",
        "Discharges",
        [("discharges", "Descargos", "Discharges", DISCHARGES)],
    ),
    "pending": (
        "Pendientes de descargo",
        "Pending discharges",
        [("pending", "Pendientes de descargo", "Pending discharges", PENDING)],
    ),
    "waste": (
        "Desperdicio pendiente",
        "Pending waste",
        [("waste", "Desperdicio pendiente", "Pending waste", WASTE)],
    ),
    "expiring": (
        "Vencimientos",
        "Expiring balances",
        [("expiring", "Vencimientos", "Expiry", EXPIRING)],
    ),
    "registration": (
        "Cumplimiento 48 horas",
        "48-hour compliance",
        [("registration", "Cumplimiento 48 horas", "48-hour compliance", REGISTRATION)],
    ),
    "bom_drift": (
        "Desviación de BOM",
        "BOM drift",
        [("bom_drift", "Desviación de BOM", "BOM drift", BOM_DRIFT)],
    ),
    "return_ratio": (
        "Índice de retorno",
        "Return ratio",
        [("return_ratio", "Índice de retorno", "Return ratio", RETURN_RATIO)],
    ),
}
REPORT_TYPES = list(REPORTS)
# Balances: ``group_by`` picks one sheet (the file always starts with the legal grain).
GROUP_BY_SHEET = {"fraction": "fraction", "line": "line", "product": "product"}

# Header block (first sheet of every file, top of every PDF page): (key, es, en).
HEADER_FIELDS = [
    ("company", "Empresa", "Company"),
    ("rfc", "RFC", "RFC"),
    ("program", "Programa IMMEX", "IMMEX program"),
    ("modality", "Modalidad", "Modality"),
    ("report", "Reporte", "Report"),
    ("period", "Periodo o fecha de corte", "Period or cut-off date"),
    ("known_at", "Según lo registrado hasta", "As recorded up to"),
    ("filters", "Filtros", "Filters"),
    ("produced_at", "Generado el", "Produced at"),
    ("produced_by", "Generado por", "Produced by"),
]


def sheets(report_type, group_by=None):
    """``[(key, name_es, name_en, columns)]`` of a report; balances keep the chosen grain
    (all three sheets when ``group_by`` is empty)."""
    title_es, title_en, all_sheets = REPORTS[report_type]
    if report_type == "balances" and group_by:
        return [s for s in all_sheets if s[0] == GROUP_BY_SHEET[group_by]]
    return all_sheets


def all_column_keys():
    """Every column key with its kind (the XSD declares one element per key)."""
    kinds = {}
    for __, __, report_sheets in REPORTS.values():
        for __, __, __, columns in report_sheets:
            for key, __, __, kind, __ in columns:
                if kinds.setdefault(key, kind) != kind:
                    raise ValueError(f"column {key} has two kinds")
    return kinds
