# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one query layer of the Annex 24 reports: screens, files and tests read it.

Every figure comes from the ledger and the pedimento lines at the asked date:

- **as of** a cut-off D: a line counts once its pedimento cleared on or before D, minus the
  ledger rows whose (effective) ``date`` is on or before D;
- **as known at** K: only what was recorded (``create_date``) up to the end of day K, in the
  user's time zone, so the report says exactly what the system said then.

Stored balances (``qty_balance``) are never read: they are a cache the tests compare with
this layer.
"""

from datetime import date, datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.tools import SQL

from . import report_layouts as layouts

MATERIAL_TYPES_ES = {
    "input": "insumo",
    "packaging": "envase",
    "fixed_asset": "activo fijo",
    "finished": "producto terminado",
    "container": "contenedor",
    "none": "no controlado",
}
KINDS_ES = {
    "export": "retorno (exportación)",
    "return": "retorno",
    "transfer": "transferencia",
    "regime_change": "cambio de régimen",
    "destruction": "destrucción",
    "donation": "donación",
    "regularization": "regularización",
    "packaging": "envase (exportación nacional)",
    "opening": "saldo inicial",
    "adjustment": "ajuste",
    "reversal": "reversión",
}
ORIGINS_ES = {
    "broker": "manual (agente aduanal)",
    "receipt": "recepción",
    "later_receipt": "recepción posterior",
    "datastage": "Data Stage",
}
REASONS_ES = {"no_balance": "sin saldo", "expired": "solo saldos vencidos"}
WASTE_SOURCES_ES = {
    "scrap": "orden de desecho",
    "production": "desecho de producción",
    "bom": "lista de materiales (teórico)",
}
RULES_ES = {
    "lot": "lote / pedimento",
    "temporary_first": "temporales primero",
    "national_first": "nacionales primero",
}
# Kinds that count as value returned for the certification ratio (RGCE 7.1.2).
RETURN_KINDS = ("export", "return", "transfer", "regime_change")
RATIO_THRESHOLDS = (60.0, 80.0)
EXPIRY_BUCKETS = (30, 60, 90)


class L10nMxImmexReportQuery(models.AbstractModel):
    _name = "l10n_mx_immex.report.query"
    _description = "Annex 24 Report Queries"

    # ------------------------------------------------------------------ parameters
    @api.model
    def _known_until(self, known_at):
        """End of day ``known_at`` in the user's time zone, as a naive UTC datetime (the
        ``create_date`` columns are UTC), or None for 'now'."""
        if not known_at:
            return None
        tz = pytz.timezone(self.env.user.tz or "America/Mexico_City")
        local = tz.localize(datetime.combine(known_at + timedelta(days=1), time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _name_sql(self, alias, column="name"):
        """A translated (jsonb) name in the report language, English as fallback.

        Files are in Spanish even where es_MX is not installed: the language is a plain
        jsonb key here, not the environment's (which must be an installed language)."""
        lang = self.env.context.get("l10n_mx_immex_report_lang") or self.env.lang or "en_US"
        col = SQL.identifier(alias, column)
        return SQL("COALESCE(%s->>%s, %s->>'en_US')", col, lang, col)

    @api.model
    def _line_filters(self, alias, filters):
        """Optional filters on import lines: ``product_ids``, ``fraction_ids``."""
        clauses = [SQL("TRUE")]
        if filters.get("product_ids"):
            clauses.append(
                SQL("%s = ANY(%s)", SQL.identifier(alias, "product_id"), filters["product_ids"])
            )
        if filters.get("fraction_ids"):
            clauses.append(
                SQL("%s = ANY(%s)", SQL.identifier(alias, "fraction_id"), filters["fraction_ids"])
            )
        return SQL(" AND ").join(clauses)

    # ------------------------------------------------------------------ balances
    @api.model
    def _balance_lines_sql(self, company_ids, date_at, known_at=None, filters=None):
        """One row per temporary-import line cleared on or before ``date_at``: declared,
        discharged and balance as of ``date_at`` (as known at ``known_at``)."""
        until = self._known_until(known_at)
        known_ledger = SQL("AND d.create_date < %s", until) if until else SQL()
        # A pedimento cancelled after K still held its balance at K.
        held = (
            SQL(
                "(p.state = 'confirmed' OR (p.state = 'cancelled' AND p.cancel_date >= %s))"
                " AND COALESCE(p.registered_at, l.create_date) < %s AND l.create_date < %s",
                until,
                until,
                until,
            )
            if until
            else SQL("p.state = 'confirmed'")
        )
        return SQL(
            """
            SELECT l.id AS line_id, l.company_id, l.pedimento_id, l.product_id, l.fraction_id,
                   l.key_id, l.material_type, l.uom_id, l.uom_tariff_id, l.origin_country_id,
                   l.expiry_date, l.entry_date, l.sequence, p.name AS pedimento_name,
                   CASE WHEN p.is_consolidated AND p.closing_date IS NOT NULL
                        THEN p.closing_date ELSE p.entry_date END AS clearance_date,
                   l.quantity AS imported,
                   COALESCE(d.qty, 0.0) AS discharged,
                   l.quantity - COALESCE(d.qty, 0.0) AS balance,
                   COALESCE(l.quantity_tariff, 0.0) AS imported_tariff,
                   CASE WHEN l.quantity <> 0
                        THEN (l.quantity - COALESCE(d.qty, 0.0))
                             * COALESCE(l.quantity_tariff, 0.0) / l.quantity
                        ELSE 0.0 END AS balance_tariff,
                   COALESCE(l.value_usd, 0.0)::float8 AS imported_usd,
                   CASE WHEN l.quantity <> 0
                        THEN (l.quantity - COALESCE(d.qty, 0.0))
                             * COALESCE(l.value_usd, 0.0)::float8 / l.quantity
                        ELSE 0.0 END AS balance_usd,
                   CASE WHEN l.quantity <> 0
                        THEN (l.quantity - COALESCE(d.qty, 0.0))
                             * COALESCE(l.value_mxn, 0.0)::float8 / l.quantity
                        ELSE 0.0 END AS balance_mxn
              FROM l10n_mx_immex_pedimento_line l
              JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
              LEFT JOIN (
                    SELECT d.import_line_id, SUM(d.quantity) AS qty
                      FROM l10n_mx_immex_discharge d
                     WHERE %(ledger_company)s AND d.date <= %(date_at)s %(known_ledger)s
                  GROUP BY d.import_line_id
              ) d ON d.import_line_id = l.id
             WHERE l.company_id = ANY(%(companies)s) AND p.opens_balance AND %(held)s
               AND CASE WHEN p.is_consolidated AND p.closing_date IS NOT NULL
                        THEN p.closing_date ELSE p.entry_date END <= %(date_at)s
               AND %(filters)s
            """,
            companies=list(company_ids),
            # one company (the files): a plain equality lets the planner use the ledger's
            # covering (company, date) index, which '= ANY(array)' keeps it from
            ledger_company=(
                SQL("d.company_id = %s", list(company_ids)[0])
                if len(company_ids) == 1
                else SQL("d.company_id = ANY(%s)", list(company_ids))
            ),
            date_at=date_at,
            known_ledger=known_ledger,
            held=held,
            filters=self._line_filters("l", filters or {}),
        )

    @api.model
    def _balances_by_line(self, company, date_at, known_at=None, filters=None, only_open=False):
        """Sheet B rows (dicts keyed as :data:`report_layouts.BALANCES_LINE`)."""
        base = self._balance_lines_sql(company.ids, date_at, known_at, filters)
        where = SQL("WHERE b.balance > 0.000001") if only_open else SQL()
        return self._rows(
            SQL(
                """
                WITH b AS (%(base)s)
                SELECT b.line_id, b.pedimento_name AS pedimento, b.entry_date,
                       k.code AS key, b.sequence, pp.default_code AS part_number,
                       %(product_name)s AS description,
                       LEFT(f.code, 8) AS fraction, SUBSTRING(f.code FROM 9 FOR 2) AS nico,
                       b.imported AS imported_umc, b.discharged AS discharged_umc,
                       b.balance AS balance_umc, %(uom)s AS umc,
                       b.balance_tariff AS balance_umt, %(umt)s AS umt,
                       b.balance_usd, b.balance_mxn, c.code AS origin_country,
                       b.material_type, b.expiry_date,
                       CASE WHEN b.expiry_date IS NOT NULL
                            THEN (EXTRACT(YEAR FROM AGE(b.expiry_date, b.clearance_date)) * 12
                                  + EXTRACT(MONTH FROM AGE(b.expiry_date, b.clearance_date)))::int
                       END AS months_limit,
                       (b.expiry_date - %(date_at)s) AS days_to_expiry,
                       lots.names AS lots,
                       b.product_id, b.fraction_id
                  FROM b
                  JOIN product_product pp ON pp.id = b.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN l10n_mx_immex_pedimento_key k ON k.id = b.key_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = b.fraction_id
                  LEFT JOIN uom_uom u ON u.id = b.uom_id
                  LEFT JOIN uom_uom ut ON ut.id = b.uom_tariff_id
                  LEFT JOIN res_country c ON c.id = b.origin_country_id
                  LEFT JOIN LATERAL (
                        SELECT string_agg(sl.name, ', ' ORDER BY sl.name) AS names
                          FROM stock_lot sl WHERE sl.l10n_mx_immex_pedimento_line_id = b.line_id
                  ) lots ON TRUE
                  %(where)s
              ORDER BY b.clearance_date, b.pedimento_name, b.sequence, b.line_id
                """,
                base=base,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                umt=self._name_sql("ut"),
                date_at=date_at,
                where=where,
            ),
            material_type=MATERIAL_TYPES_ES,
        )

    @api.model
    def _balances_by_fraction(self, company, date_at, known_at=None, filters=None):
        """Sheet A rows: the legal grain (tariff fraction + NICO, in UMT)."""
        base = self._balance_lines_sql(company.ids, date_at, known_at, filters)
        return self._rows(
            SQL(
                """
                WITH b AS (%(base)s)
                SELECT b.fraction_id, LEFT(f.code, 8) AS fraction,
                       SUBSTRING(f.code FROM 9 FOR 2) AS nico, MIN(f.name) AS description,
                       string_agg(DISTINCT %(umt)s, ', ') AS umt,
                       SUM(b.imported_tariff) AS imported_umt,
                       SUM(b.imported_tariff - b.balance_tariff) AS discharged_umt,
                       SUM(b.balance_tariff) AS balance_umt,
                       SUM(b.imported_usd) AS imported_usd,
                       SUM(b.imported_usd - b.balance_usd) AS discharged_usd,
                       SUM(b.balance_usd) AS balance_usd, SUM(b.balance_mxn) AS balance_mxn,
                       CASE WHEN SUM(b.imported_tariff) <> 0
                            THEN 100.0 * SUM(b.imported_tariff - b.balance_tariff)
                                 / SUM(b.imported_tariff) END AS discharged_percent,
                       COUNT(*) FILTER (WHERE b.balance > 0.000001) AS open_lines,
                       MIN(b.expiry_date) FILTER (
                           WHERE b.balance > 0.000001 AND b.expiry_date >= %(date_at)s
                       ) AS next_expiry,
                       COALESCE(SUM(b.balance_tariff) FILTER (
                           WHERE b.balance > 0.000001 AND b.expiry_date < %(date_at)s
                       ), 0.0) AS expired_umt
                  FROM b
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = b.fraction_id
                  LEFT JOIN uom_uom ut ON ut.id = b.uom_tariff_id
              GROUP BY b.fraction_id, f.code
              ORDER BY f.code
                """,
                base=base,
                umt=self._name_sql("ut"),
                date_at=date_at,
            )
        )

    @api.model
    def _balances_by_product(self, company, date_at, known_at=None, filters=None):
        """Sheet C rows: the same sums per part number."""
        base = self._balance_lines_sql(company.ids, date_at, known_at, filters)
        return self._rows(
            SQL(
                """
                WITH b AS (%(base)s)
                SELECT b.product_id, pp.default_code AS part_number,
                       MIN(%(product_name)s) AS description,
                       MIN(LEFT(f.code, 8)) AS fraction,
                       MIN(SUBSTRING(f.code FROM 9 FOR 2)) AS nico,
                       SUM(b.imported) AS imported_umc, SUM(b.discharged) AS discharged_umc,
                       SUM(b.balance) AS balance_umc, MIN(%(uom)s) AS umc,
                       SUM(b.balance_tariff) AS balance_umt, MIN(%(umt)s) AS umt,
                       SUM(b.balance_usd) AS balance_usd, SUM(b.balance_mxn) AS balance_mxn,
                       COUNT(*) FILTER (WHERE b.balance > 0.000001) AS open_lines,
                       MIN(b.expiry_date) FILTER (
                           WHERE b.balance > 0.000001 AND b.expiry_date >= %(date_at)s
                       ) AS next_expiry
                  FROM b
                  JOIN product_product pp ON pp.id = b.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = b.fraction_id
                  LEFT JOIN uom_uom u ON u.id = b.uom_id
                  LEFT JOIN uom_uom ut ON ut.id = b.uom_tariff_id
              GROUP BY b.product_id, pp.default_code
              ORDER BY pp.default_code, b.product_id
                """,
                base=base,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                umt=self._name_sql("ut"),
                date_at=date_at,
            )
        )

    # ------------------------------------------------------------------ entries / exits
    @api.model
    def _entries(self, company, date_from, date_to, known_at=None, filters=None):
        until = self._known_until(known_at)
        known = (
            SQL(
                "AND COALESCE(p.registered_at, l.create_date) < %s AND l.create_date < %s",
                until,
                until,
            )
            if until
            else SQL()
        )
        balances = self._balance_lines_sql(company.ids, date_to, known_at, filters)
        return self._rows(
            SQL(
                """
                WITH b AS (%(balances)s)
                SELECT l.id AS line_id, p.name AS pedimento, a.code AS customs_office,
                       p.patent, k.code AS key, p.regime, p.entry_date, p.payment_date,
                       p.exchange_rate::float8 AS exchange_rate, rp.name AS partner,
                       sc.code AS seller_country, l.sequence, pp.default_code AS part_number,
                       %(product_name)s AS description,
                       LEFT(f.code, 8) AS fraction, SUBSTRING(f.code FROM 9 FOR 2) AS nico,
                       l.quantity AS qty_umc, %(uom)s AS umc, l.quantity_tariff AS qty_umt,
                       %(umt)s AS umt, l.value_usd::float8 AS value_usd,
                       l.value_mxn::float8 AS value_mxn, oc.code AS origin_country,
                       l.material_type,
                       CASE WHEN l.expiry_date IS NOT NULL
                            THEN (EXTRACT(YEAR FROM AGE(l.expiry_date, b.clearance_date)) * 12
                                  + EXTRACT(MONTH FROM AGE(l.expiry_date, b.clearance_date)))::int
                       END AS months_limit,
                       l.expiry_date, COALESCE(l.registered_at, p.registered_at) AS registered_at,
                       (COALESCE(l.registered_at, p.registered_at) IS NOT NULL
                        AND NOT COALESCE(l.is_late_registration OR p.is_late_registration, FALSE))
                           AS within_48h,
                       b.balance AS balance_umc, l.origin AS data_origin
                  FROM l10n_mx_immex_pedimento_line l
                  JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN b ON b.line_id = l.id
                  LEFT JOIN l10n_mx_catalogs_c_aduana a ON a.id = p.customs_office_id
                  LEFT JOIN l10n_mx_immex_pedimento_key k ON k.id = p.key_id
                  LEFT JOIN res_partner rp ON rp.id = p.partner_id
                  LEFT JOIN res_country sc ON sc.id = l.seller_country_id
                  LEFT JOIN res_country oc ON oc.id = l.origin_country_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = l.fraction_id
                  LEFT JOIN uom_uom u ON u.id = l.uom_id
                  LEFT JOIN uom_uom ut ON ut.id = l.uom_tariff_id
                 WHERE p.company_id = %(company)s AND p.operation = 'import'
                   AND (p.state = 'confirmed' %(cancelled_later)s)
                   AND CASE WHEN p.is_consolidated AND p.closing_date IS NOT NULL
                            THEN p.closing_date ELSE p.entry_date END
                       BETWEEN %(date_from)s AND %(date_to)s
                   AND %(filters)s %(known)s
              ORDER BY p.entry_date, p.name, l.sequence, l.id
                """,
                balances=balances,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                umt=self._name_sql("ut"),
                company=company.id,
                cancelled_later=(
                    SQL("OR (p.state = 'cancelled' AND p.cancel_date >= %s)", until)
                    if until
                    else SQL()
                ),
                date_from=date_from,
                date_to=date_to,
                filters=self._line_filters("l", filters or {}),
                known=known,
            ),
            material_type=MATERIAL_TYPES_ES,
            data_origin=ORIGINS_ES,
        )

    @api.model
    def _exits(self, company, date_from, date_to, known_at=None, filters=None):
        """Exit pedimento lines and exit events of the period, with their discharge state
        (from the ledger up to ``date_to``) and the quantity still pending."""
        until = self._known_until(known_at)
        known_d = SQL("AND d.create_date < %s", until) if until else SQL()
        known_p = (
            SQL("AND COALESCE(p.registered_at, l.create_date) < %s", until) if until else SQL()
        )
        known_e = SQL("AND e.create_date < %s", until) if until else SQL()
        known_pd = SQL("AND pd.create_date < %s", until) if until else SQL()
        return self._rows(
            SQL(
                """
                SELECT COALESCE(k.discharge_kind, 'export') AS exit_type, p.name AS document,
                       a.code AS customs_office, k.code AS key, p.entry_date AS date,
                       rp.name AS partner, rp.vat AS partner_vat, dc.code AS destination_country,
                       NULL AS invoice, l.sequence, pp.default_code AS part_number,
                       %(product_name)s AS description,
                       LEFT(f.code, 8) AS fraction, SUBSTRING(f.code FROM 9 FOR 2) AS nico,
                       l.quantity AS qty_umc, %(uom)s AS umc, l.quantity_tariff AS qty_umt,
                       %(umt)s AS umt, l.value_usd::float8 AS value_usd,
                       CASE WHEN COALESCE(pend.qty, 0) > 0.000001 AND COALESCE(led.n, 0) > 0
                                 THEN 'parcial'
                            WHEN COALESCE(pend.qty, 0) > 0.000001 THEN 'pendiente'
                            ELSE 'descargado' END AS discharge_state,
                       COALESCE(pend.qty, 0.0) AS qty_pending
                  FROM l10n_mx_immex_pedimento_line l
                  JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                  JOIN product_product pp ON pp.id = l.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN l10n_mx_immex_pedimento_key k ON k.id = p.key_id
                  LEFT JOIN l10n_mx_catalogs_c_aduana a ON a.id = p.customs_office_id
                  LEFT JOIN res_partner rp ON rp.id = p.partner_id
                  LEFT JOIN res_country dc ON dc.id = rp.country_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = l.fraction_id
                  LEFT JOIN uom_uom u ON u.id = l.uom_id
                  LEFT JOIN uom_uom ut ON ut.id = l.uom_tariff_id
                  LEFT JOIN LATERAL (
                        SELECT COUNT(*) AS n FROM l10n_mx_immex_discharge d
                         WHERE d.exit_line_id = l.id AND d.date <= %(date_to)s %(known_d)s
                  ) led ON TRUE
                  LEFT JOIN LATERAL (
                        SELECT SUM(pd.quantity - COALESCE(st.qty, 0.0)) AS qty
                          FROM l10n_mx_immex_discharge_pending pd
                          JOIN stock_move m ON m.id = pd.move_id
                          LEFT JOIN LATERAL (
                                SELECT SUM(d.quantity) AS qty FROM l10n_mx_immex_discharge d
                                 WHERE d.pending_id = pd.id AND d.date <= %(date_to)s %(known_d)s
                          ) st ON TRUE
                         WHERE m.l10n_mx_immex_pedimento_line_id = l.id
                           AND pd.state <> 'cancelled' AND pd.date <= %(date_to)s %(known_pd)s
                  ) pend ON TRUE
                 WHERE p.company_id = %(company)s AND p.operation = 'export'
                   AND p.state = 'confirmed'
                   AND p.entry_date BETWEEN %(date_from)s AND %(date_to)s
                   AND %(filters)s %(known_p)s
                UNION ALL
                SELECT e.kind, e.name || COALESCE(' / ' || ep.name, ''), ea.code, ek.code, e.date,
                       NULL, NULL, NULL, e.reference, el.id, pp.default_code,
                       %(product_name)s, LEFT(f.code, 8), SUBSTRING(f.code FROM 9 FOR 2),
                       el.quantity, %(uom)s, led.qty_tariff, %(umt)s, led.value_usd,
                       CASE WHEN el.quantity - COALESCE(led.qty, 0) > 0.000001
                                 AND COALESCE(led.qty, 0) > 0 THEN 'parcial'
                            WHEN el.quantity - COALESCE(led.qty, 0) > 0.000001 THEN 'pendiente'
                            ELSE 'descargado' END,
                       GREATEST(el.quantity - COALESCE(led.qty, 0), 0.0)
                  FROM l10n_mx_immex_exit_event_line el
                  JOIN l10n_mx_immex_exit_event e ON e.id = el.event_id
                  JOIN product_product pp ON pp.id = el.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN l10n_mx_immex_pedimento ep ON ep.id = e.pedimento_id
                  LEFT JOIN l10n_mx_catalogs_c_aduana ea ON ea.id = ep.customs_office_id
                  LEFT JOIN l10n_mx_immex_pedimento_key ek ON ek.id = ep.key_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = pt.l10n_mx_immex_fraction_id
                  LEFT JOIN uom_uom u ON u.id = pt.uom_id
                  LEFT JOIN uom_uom ut ON ut.id = pt.l10n_mx_immex_uom_tariff_id
                  LEFT JOIN LATERAL (
                        SELECT SUM(d.quantity) AS qty, SUM(d.quantity_tariff) AS qty_tariff,
                               SUM(CASE WHEN il.quantity <> 0
                                        THEN d.quantity * il.value_usd::float8 / il.quantity
                                        ELSE 0 END) AS value_usd
                          FROM l10n_mx_immex_discharge d
                          JOIN l10n_mx_immex_pedimento_line il ON il.id = d.import_line_id
                         WHERE d.event_id = e.id AND d.product_id = el.product_id
                           AND d.date <= %(date_to)s %(known_d)s
                  ) led ON TRUE
                 WHERE e.company_id = %(company)s AND e.state = 'done'
                   AND e.date BETWEEN %(date_from)s AND %(date_to)s
                   AND %(event_filters)s %(known_e)s
              ORDER BY 5, 2, 10
                """,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                umt=self._name_sql("ut"),
                company=company.id,
                date_from=date_from,
                date_to=date_to,
                filters=self._line_filters("l", filters or {}),
                event_filters=self._line_filters(
                    "el", {"product_ids": (filters or {}).get("product_ids")}
                ),
                known_d=known_d,
                known_p=known_p,
                known_e=known_e,
                known_pd=known_pd,
            ),
            exit_type=KINDS_ES,
        )

    # ------------------------------------------------------------------ discharges
    @api.model
    def _discharges_sql(self, company, date_from, date_to, known_at=None, filters=None):
        """Ledger rows of the period with the balance of their import line before and
        after each row (running over the line's whole history, in ledger order)."""
        until = self._known_until(known_at)
        known = SQL("AND d.create_date < %s", until) if until else SQL()
        known_r = SQL("AND r.create_date < %s", until) if until else SQL()
        return SQL(
            """
            WITH period AS (
                SELECT d.id, d.date, d.kind, d.import_line_id, d.product_id, d.quantity,
                       d.quantity_tariff, d.exit_pedimento_id, d.exit_line_id, d.move_id,
                       d.production_id, d.finished_product_id, d.reversed_id, d.corrects_date,
                       d.is_directed, d.event_id
                  FROM l10n_mx_immex_discharge d
                  JOIN l10n_mx_immex_pedimento_line il ON il.id = d.import_line_id
                 WHERE d.company_id = %(company)s
                   AND d.date BETWEEN %(date_from)s AND %(date_to)s %(known)s
                   AND %(filters)s
            ), earlier AS (
                -- what the period's lines had discharged before it: one sum per line, so
                -- the running balance only walks the period's rows
                SELECT d.import_line_id, SUM(d.quantity) AS qty
                  FROM l10n_mx_immex_discharge d
                 WHERE d.company_id = %(company)s AND d.date < %(date_from)s %(known)s
                   AND d.import_line_id IN (SELECT DISTINCT import_line_id FROM period)
              GROUP BY d.import_line_id
            ), led AS (
                SELECT period.*,
                       il.quantity - COALESCE(earlier.qty, 0.0) - SUM(period.quantity) OVER (
                           PARTITION BY period.import_line_id ORDER BY period.date, period.id
                       ) AS balance_after
                  FROM period
                  JOIN l10n_mx_immex_pedimento_line il ON il.id = period.import_line_id
                  LEFT JOIN earlier ON earlier.import_line_id = period.import_line_id
            )
            SELECT led.id AS discharge_id, led.date, led.kind,
                   COALESCE(xp.name, ev.name) AS exit_pedimento, xk.code AS exit_key,
                   xl.sequence AS exit_sequence, NULL AS invoice, xr.name AS partner,
                   fp.default_code AS finished_product,
                   COALESCE(xl.quantity, m.product_uom_qty) AS qty_exported,
                   mo.name AS production, pp.default_code AS material,
                   %(product_name)s AS description, %(uom)s AS umc,
                   led.quantity AS qty_umc, led.quantity_tariff AS qty_umt, %(umt)s AS umt,
                   il.pedimento_name AS import_pedimento, il.sequence AS import_sequence,
                   ik.code AS import_key, il.entry_date, il.expiry_date,
                   LEFT(f.code, 8) AS fraction,
                   led.balance_after + led.quantity AS balance_before, led.balance_after,
                   CASE WHEN il.quantity <> 0
                        THEN led.quantity * il.value_usd::float8 / il.quantity ELSE 0 END
                       AS value_usd,
                   CASE WHEN led.kind = 'reversal'
                            THEN 'reversión del descargo ' || led.reversed_id
                        WHEN rev.date IS NOT NULL
                            THEN 'revertido el ' || to_char(rev.date, 'YYYY-MM-DD')
                                 || ' (descargo ' || rev.id || ')'
                        ELSE 'vigente' END
                   || CASE WHEN led.is_directed THEN ', dirigido' ELSE '' END
                   || CASE WHEN led.corrects_date IS NOT NULL
                           THEN ', corrige ' || to_char(led.corrects_date, 'YYYY-MM-DD')
                           ELSE '' END AS status,
                   NULL AS run
              FROM led
              JOIN l10n_mx_immex_pedimento_line il ON il.id = led.import_line_id
              JOIN product_product pp ON pp.id = led.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN l10n_mx_immex_pedimento_key ik ON ik.id = il.key_id
              LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = il.fraction_id
              LEFT JOIN uom_uom u ON u.id = il.uom_id
              LEFT JOIN uom_uom ut ON ut.id = il.uom_tariff_id
              LEFT JOIN l10n_mx_immex_pedimento xp ON xp.id = led.exit_pedimento_id
              LEFT JOIN l10n_mx_immex_pedimento_key xk ON xk.id = xp.key_id
              LEFT JOIN res_partner xr ON xr.id = xp.partner_id
              LEFT JOIN l10n_mx_immex_pedimento_line xl ON xl.id = led.exit_line_id
              LEFT JOIN l10n_mx_immex_exit_event ev ON ev.id = led.event_id
              LEFT JOIN stock_move m ON m.id = led.move_id
              LEFT JOIN mrp_production mo ON mo.id = led.production_id
              LEFT JOIN product_product fp ON fp.id = led.finished_product_id
              LEFT JOIN LATERAL (
                    SELECT r.id, r.date FROM l10n_mx_immex_discharge r
                     WHERE r.reversed_id = led.id AND r.date <= %(date_to)s %(known_r)s
                     ORDER BY r.id LIMIT 1
              ) rev ON TRUE
          ORDER BY led.date, led.id
            """,
            company=company.id,
            date_from=date_from,
            date_to=date_to,
            known=known,
            known_r=known_r,
            filters=self._line_filters("il", filters or {}),
            product_name=self._name_sql("pt"),
            uom=self._name_sql("u"),
            umt=self._name_sql("ut"),
        )

    @api.model
    def _discharges(self, company, date_from, date_to, known_at=None, filters=None):
        return self._rows(
            self._discharges_sql(company, date_from, date_to, known_at, filters), kind=KINDS_ES
        )

    # ------------------------------------------------------------------ production
    @api.model
    def _materials_used(self, company, date_from, date_to, known_at=None, filters=None):
        until = self._known_until(known_at)
        return self._rows(
            SQL(
                """
                SELECT to_char(mu.date, 'YYYY-MM') AS period, mo.name AS production,
                       fp.default_code AS product, %(fp_name)s AS product_description,
                       LEFT(ff.code, 8) AS product_fraction, mu.qty_produced,
                       %(fu_name)s AS product_umc,
                       COALESCE(bom.code, %(bom_name)s) AS bom,
                       cp.default_code AS material, %(cp_name)s AS material_description,
                       LEFT(cf.code, 8) AS fraction, %(cu_name)s AS umc, mu.qty_per_unit,
                       bl.merma AS merma_percent, bl.desperdicio AS desperdicio_percent,
                       mu.qty_consumed / (1 + COALESCE(bl.merma, 0) / 100.0) AS qty_incorporated,
                       mu.qty_consumed - mu.qty_consumed / (1 + COALESCE(bl.merma, 0) / 100.0)
                           AS qty_merma,
                       mu.qty_scrapped AS qty_desperdicio,
                       mu.qty_consumed + COALESCE(mu.qty_scrapped, 0) AS qty_total,
                       mu.qty_tariff AS qty_umt, %(ct_name)s AS umt,
                       mu.qty_theoretical, mu.qty_drift, mu.regime_rule
                  FROM l10n_mx_immex_material_usage mu
                  JOIN mrp_production mo ON mo.id = mu.production_id
                  JOIN product_product fp ON fp.id = mu.finished_product_id
                  JOIN product_template fpt ON fpt.id = fp.product_tmpl_id
                  JOIN product_product cp ON cp.id = mu.component_id
                  JOIN product_template cpt ON cpt.id = cp.product_tmpl_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion ff ON ff.id = fpt.l10n_mx_immex_fraction_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion cf ON cf.id = cpt.l10n_mx_immex_fraction_id
                  LEFT JOIN uom_uom fu ON fu.id = fpt.uom_id
                  LEFT JOIN uom_uom cu ON cu.id = cpt.uom_id
                  LEFT JOIN uom_uom ct ON ct.id = cpt.l10n_mx_immex_uom_tariff_id
                  LEFT JOIN mrp_bom bom ON bom.id = mo.bom_id
                  LEFT JOIN product_template bpt ON bpt.id = bom.product_tmpl_id
                  LEFT JOIN LATERAL (
                        SELECT b.l10n_mx_immex_merma_percent AS merma,
                               b.l10n_mx_immex_desperdicio_percent AS desperdicio
                          FROM mrp_bom_line b
                         WHERE b.bom_id = mo.bom_id AND b.product_id = mu.component_id
                         ORDER BY b.id LIMIT 1
                  ) bl ON TRUE
                 WHERE mu.company_id = %(company)s
                   AND mu.date BETWEEN %(date_from)s AND %(date_to)s %(known)s
                   AND %(filters)s
              ORDER BY mu.date, mo.name, cp.default_code, mu.id
                """,
                fp_name=self._name_sql("fpt"),
                cp_name=self._name_sql("cpt"),
                fu_name=self._name_sql("fu"),
                cu_name=self._name_sql("cu"),
                ct_name=self._name_sql("ct"),
                bom_name=self._name_sql("bpt"),
                company=company.id,
                date_from=date_from,
                date_to=date_to,
                known=SQL("AND mu.create_date < %s", until) if until else SQL(),
                filters=(
                    SQL("mu.component_id = ANY(%s)", (filters or {})["product_ids"])
                    if (filters or {}).get("product_ids")
                    else SQL("TRUE")
                ),
            ),
            regime_rule=RULES_ES,
        )

    @api.model
    def _bom_drift(self, company, date_from, date_to, known_at=None, filters=None):
        rows = self._materials_used(company, date_from, date_to, known_at, filters)
        result = []
        for row in rows:
            theoretical = row["qty_theoretical"] or 0.0
            drift = row["qty_drift"] or 0.0
            percent = 100.0 * drift / theoretical if theoretical else 0.0
            result.append(
                {
                    "period": row["period"],
                    "production": row["production"],
                    "product": row["product"],
                    "material": row["material"],
                    "description": row["material_description"],
                    "umc": row["umc"],
                    "qty_real": row["qty_total"] - (row["qty_desperdicio"] or 0.0),
                    "qty_theoretical": theoretical,
                    "qty_drift": drift,
                    "drift_percent": percent,
                    "alert": abs(percent) > 5.0,
                }
            )
        # the largest drifts first: what the compliance manager must look at
        result.sort(key=lambda r: (not r["alert"], r["period"], -abs(r["drift_percent"])))
        return result

    # ------------------------------------------------------------------ section 6
    @api.model
    def _pending(self, company, date_at, known_at=None, filters=None):
        """Pending discharges open at ``date_at``: settlements are ledger rows, dated."""
        until = self._known_until(known_at)
        known = SQL("AND d.create_date < %s", until) if until else SQL()
        return self._rows(
            SQL(
                """
                SELECT pd.id AS pending_id, pd.date, pd.kind, xp.name AS exit_pedimento,
                       ev.name AS event, fp.default_code AS finished_product,
                       pp.default_code AS material, %(product_name)s AS description,
                       %(uom)s AS umc, pd.quantity, COALESCE(st.qty, 0.0) AS qty_settled,
                       pd.quantity - COALESCE(st.qty, 0.0) AS qty_open, pd.reason,
                       (%(date_at)s - pd.date) AS age_days
                  FROM l10n_mx_immex_discharge_pending pd
                  JOIN product_product pp ON pp.id = pd.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN uom_uom u ON u.id = pt.uom_id
                  LEFT JOIN l10n_mx_immex_pedimento xp ON xp.id = pd.exit_pedimento_id
                  LEFT JOIN l10n_mx_immex_exit_event ev ON ev.id = pd.event_id
                  LEFT JOIN product_product fp ON fp.id = pd.finished_product_id
                  LEFT JOIN LATERAL (
                        SELECT SUM(d.quantity) AS qty FROM l10n_mx_immex_discharge d
                         WHERE d.pending_id = pd.id AND d.date <= %(date_at)s %(known)s
                  ) st ON TRUE
                 WHERE pd.company_id = %(company)s AND pd.state <> 'cancelled'
                   AND pd.date <= %(date_at)s %(known_pd)s
                   AND pd.quantity - COALESCE(st.qty, 0.0) > 0.000001
                   AND %(filters)s
              ORDER BY pd.date, pd.id
                """,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                date_at=date_at,
                known=known,
                known_pd=SQL("AND pd.create_date < %s", until) if until else SQL(),
                company=company.id,
                filters=self._line_filters(
                    "pd", {"product_ids": (filters or {}).get("product_ids")}
                ),
            ),
            kind=KINDS_ES,
            reason=REASONS_ES,
        )

    @api.model
    def _waste(self, company, date_at, known_at=None, filters=None):
        """Pending waste at ``date_at``: waste an event disposed of later is still pending."""
        until = self._known_until(known_at)
        return self._rows(
            SQL(
                """
                SELECT w.id AS waste_id, w.date, pp.default_code AS material,
                       %(product_name)s AS description, LEFT(f.code, 8) AS fraction,
                       %(uom)s AS umc, w.source, mo.name AS production,
                       fp.default_code AS finished_product, w.quantity,
                       CASE WHEN done.id IS NOT NULL THEN w.qty_discharged ELSE 0.0 END
                           AS qty_discharged,
                       w.quantity - CASE WHEN done.id IS NOT NULL THEN w.qty_discharged
                                         ELSE 0.0 END AS qty_pending,
                       fifo.name AS import_line, (%(date_at)s - w.date) AS age_days
                  FROM l10n_mx_immex_waste w
                  JOIN product_product pp ON pp.id = w.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = pt.l10n_mx_immex_fraction_id
                  LEFT JOIN uom_uom u ON u.id = pt.uom_id
                  LEFT JOIN mrp_production mo ON mo.id = w.production_id
                  LEFT JOIN product_product fp ON fp.id = w.finished_product_id
                  LEFT JOIN l10n_mx_immex_exit_event done
                         ON done.id = w.event_id AND done.date <= %(date_at)s %(known_e)s
                  LEFT JOIN LATERAL (
                        SELECT l.pedimento_name || ' / ' || l.sequence AS name
                          FROM l10n_mx_immex_pedimento_line l
                         WHERE l.company_id = w.company_id AND l.product_id = w.product_id
                           AND l.is_temporary AND l.qty_balance > 0
                      ORDER BY l.fifo_date, l.pedimento_name, l.sequence, l.id LIMIT 1
                  ) fifo ON TRUE
                 WHERE w.company_id = %(company)s AND w.state <> 'superseded'
                   AND w.date <= %(date_at)s %(known)s
                   AND w.quantity - CASE WHEN done.id IS NOT NULL THEN w.qty_discharged
                                         ELSE 0.0 END > 0.000001
                   AND %(filters)s
              ORDER BY pp.default_code, w.date, w.id
                """,
                product_name=self._name_sql("pt"),
                uom=self._name_sql("u"),
                date_at=date_at,
                known=SQL("AND w.create_date < %s", until) if until else SQL(),
                known_e=SQL("AND done.write_date < %s", until) if until else SQL(),
                company=company.id,
                filters=self._line_filters(
                    "w", {"product_ids": (filters or {}).get("product_ids")}
                ),
            ),
            source=WASTE_SOURCES_ES,
        )

    @api.model
    def _expiring(self, company, date_at, known_at=None, filters=None):
        """Open balances at ``date_at`` expiring within 90 days, and expired ones."""
        rows = []
        for row in self._balances_by_line(company, date_at, known_at, filters, only_open=True):
            days = row["days_to_expiry"]
            if row["expiry_date"] is None or days > EXPIRY_BUCKETS[-1]:
                continue
            if days < 0:
                row["bucket"] = "vencido"
            else:
                limit = next(b for b in EXPIRY_BUCKETS if days <= b)
                row["bucket"] = f"{limit} días"
            rows.append(row)
        rows.sort(key=lambda r: (r["expiry_date"], r["pedimento"], r["sequence"]))
        return rows

    @api.model
    def _registration(self, company, date_from, date_to, known_at=None, filters=None):
        """Entries of the period and their registration delay; late ones first."""
        until = self._known_until(known_at)
        return self._rows(
            SQL(
                """
                SELECT p.id AS pedimento_id, p.name AS pedimento, k.code AS key, p.entry_date,
                       COALESCE(p.clearance_datetime,
                                p.entry_date + TIME '23:59:59') AS clearance,
                       p.registration_deadline AS deadline, p.registered_at,
                       EXTRACT(EPOCH FROM p.registered_at - COALESCE(
                           p.clearance_datetime, p.entry_date + TIME '23:59:59')) / 3600.0
                           AS delay_hours,
                       COALESCE(p.is_late_registration, FALSE) AS late,
                       (SELECT COUNT(*) FROM l10n_mx_immex_pedimento_line l
                         WHERE l.pedimento_id = p.id) AS lines
                  FROM l10n_mx_immex_pedimento p
                  LEFT JOIN l10n_mx_immex_pedimento_key k ON k.id = p.key_id
                 WHERE p.company_id = %(company)s AND p.operation = 'import'
                   AND p.state <> 'draft'
                   AND p.entry_date BETWEEN %(date_from)s AND %(date_to)s %(known)s
              ORDER BY COALESCE(p.is_late_registration, FALSE) DESC,
                       p.registered_at - COALESCE(p.clearance_datetime, p.entry_date) DESC
                       NULLS LAST, p.entry_date, p.name
                """,
                company=company.id,
                date_from=date_from,
                date_to=date_to,
                known=SQL("AND p.registered_at < %s", until) if until else SQL(),
            )
        )

    @api.model
    def _return_ratio(self, company, date_to, known_at=None, filters=None):
        """The 12 months ending with ``date_to``'s month: value temporarily imported (inputs
        and packaging, not fixed assets) vs value returned (exports, returns, transfers,
        regime changes, net of their reversals), per month and over the rolling 12 months,
        against the 60 % and 80 % thresholds (RGCE 7.1.2)."""
        until = self._known_until(known_at)
        last = date(date_to.year, date_to.month, 1)
        first = _add_months(last, -23)
        known_d = SQL("AND d.create_date < %s", until) if until else SQL()
        known_l = (
            SQL("AND COALESCE(p.registered_at, l.create_date) < %s", until) if until else SQL()
        )
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
                WITH months AS (
                    SELECT generate_series(%(first)s::date, %(last)s::date, '1 month')::date AS m
                ), imp AS (
                    SELECT date_trunc('month', CASE WHEN p.is_consolidated AND p.closing_date
                                                    IS NOT NULL THEN p.closing_date
                                                    ELSE p.entry_date END)::date AS m,
                           SUM(l.value_usd)::float8 AS usd
                      FROM l10n_mx_immex_pedimento_line l
                      JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                     WHERE l.company_id = %(company)s AND p.opens_balance
                       AND p.state = 'confirmed'
                       AND COALESCE(l.material_type, 'input') <> 'fixed_asset'
                       AND p.entry_date BETWEEN %(first)s AND %(date_to)s %(known_l)s
                  GROUP BY 1
                ), ret AS (
                    SELECT date_trunc('month', d.date)::date AS m,
                           SUM(CASE WHEN il.quantity <> 0
                                    THEN d.quantity * il.value_usd::float8 / il.quantity
                                    ELSE 0 END) AS usd
                      FROM l10n_mx_immex_discharge d
                      JOIN l10n_mx_immex_pedimento_line il ON il.id = d.import_line_id
                      LEFT JOIN l10n_mx_immex_discharge o ON o.id = d.reversed_id
                     WHERE d.company_id = %(company)s
                       AND d.date BETWEEN %(first)s AND %(date_to)s %(known_d)s
                       AND COALESCE(il.material_type, 'input') <> 'fixed_asset'
                       AND COALESCE(o.kind, d.kind) IN %(kinds)s
                  GROUP BY 1
                )
                SELECT months.m, COALESCE(imp.usd, 0.0) AS imported_usd,
                       COALESCE(ret.usd, 0.0) AS returned_usd
                  FROM months
                  LEFT JOIN imp ON imp.m = months.m
                  LEFT JOIN ret ON ret.m = months.m
              ORDER BY months.m
                """,
                first=first,
                last=last,
                date_to=date_to,
                company=company.id,
                known_d=known_d,
                known_l=known_l,
                kinds=RETURN_KINDS,
            )
        )
        result = []
        for index, row in enumerate(rows):
            if index < 12:
                continue
            window = rows[index - 11 : index + 1]
            imported = sum(r["imported_usd"] for r in window)
            returned = sum(r["returned_usd"] for r in window)
            ratio = 100.0 * returned / imported if imported else None
            result.append(
                {
                    "month": row["m"].strftime("%Y-%m"),
                    "month_start": row["m"],
                    "imported_usd": row["imported_usd"],
                    "returned_usd": row["returned_usd"],
                    "month_ratio": (
                        100.0 * row["returned_usd"] / row["imported_usd"]
                        if row["imported_usd"]
                        else None
                    ),
                    "rolling_imported_usd": imported,
                    "rolling_returned_usd": returned,
                    "rolling_ratio": ratio,
                    "threshold_60": ratio is not None and ratio >= RATIO_THRESHOLDS[0],
                    "threshold_80": ratio is not None and ratio >= RATIO_THRESHOLDS[1],
                }
            )
        return result

    # ------------------------------------------------------------------ dispatch
    @api.model
    def _report_sheets(self, report_type, company, params):
        """``[(sheet key, name_es, name_en, columns, rows)]`` of a report.

        ``params``: ``date_from``, ``date_to``, ``date_at``, ``known_at``, ``group_by``,
        ``filters``. Rows are lists of dicts, or a generator for the discharges (streamed
        into files).
        """
        p = params
        k, f = p.get("known_at"), p.get("filters")
        builders = {
            "entries": lambda key: self._entries(company, p["date_from"], p["date_to"], k, f),
            "exits": lambda key: self._exits(company, p["date_from"], p["date_to"], k, f),
            "materials_used": lambda key: self._materials_used(
                company, p["date_from"], p["date_to"], k, f
            ),
            "discharges": lambda key: self._stream(
                self._discharges_sql(company, p["date_from"], p["date_to"], k, f),
                kind=KINDS_ES,
            ),
            "pending": lambda key: self._pending(company, p["date_at"], k, f),
            "waste": lambda key: self._waste(company, p["date_at"], k, f),
            "expiring": lambda key: self._expiring(company, p["date_at"], k, f),
            "registration": lambda key: self._registration(
                company, p["date_from"], p["date_to"], k, f
            ),
            "bom_drift": lambda key: self._bom_drift(company, p["date_from"], p["date_to"], k, f),
            "return_ratio": lambda key: self._return_ratio(company, p["date_to"], k, f),
            "balances": lambda key: {
                "fraction": self._balances_by_fraction,
                "line": self._balances_by_line,
                "product": self._balances_by_product,
            }[key](company, p["date_at"], k, f),
        }
        return [
            (key, name_es, name_en, columns, builders[report_type](key))
            for key, name_es, name_en, columns in layouts.sheets(report_type, p.get("group_by"))
        ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _rows(self, sql, **labels):
        """All rows as dicts, selection values replaced by their Spanish labels."""
        # raw SQL declares no field to flush: everything pending is written first
        self.env.flush_all()
        rows = self.env.execute_query_dict(sql)
        if labels:
            for row in rows:
                for key, mapping in labels.items():
                    if row.get(key) is not None:
                        row[key] = mapping.get(row[key], row[key])
        return rows

    @api.model
    def _stream(self, sql, chunk=5000, **labels):
        """Rows of a large report one chunk at a time (dicts made per chunk, never all)."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(sql)
        names = [column.name for column in cr.description]
        while True:
            batch = cr.fetchmany(chunk)
            if not batch:
                break
            for values in batch:
                row = dict(zip(names, values, strict=True))
                for key, mapping in labels.items():
                    if row.get(key) is not None:
                        row[key] = mapping.get(row[key], row[key])
                yield row


def _add_months(day, months):
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)
