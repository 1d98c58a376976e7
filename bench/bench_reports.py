"""Benchmark of the Annex 24 reports on the discharge benchmark's database.

Run: ``python3 bench/bench_reports.py [--db bench_discharge] [--rounds 5]``

It needs the database ``python3 bench/bench_discharge.py`` builds and keeps (about 1,000,000
ledger rows after its initial discharge); build it once with that script, then this one
reuses it and changes nothing in it (every measure runs in a transaction rolled back).

It prints, best and median of ``--rounds`` runs each:

1. the bare SQL aggregate of the ledger as of the cut-off (one SUM per import line, the
   base of the ratios below);
2. balances by tariff fraction as of 31 March 2026 (query layer, ledger + declared
   quantities), and the same "as recorded up to" today;
3. balances by pedimento line (sheet B, with its joins), as of the same date;
4. the XLSX of the discharges report over the first days of March holding at least
   100,000 ledger rows (streamed from the query layer into xlsxwriter's constant-memory
   workbook): time and peak RSS growth of this process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_discharge as bd  # noqa: E402

CUT_OFF = date(2026, 3, 31)
XLSX_ROWS = 100_000


def rss_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, rounds):
    times = []
    result = None
    for __ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_discharge")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bd.pg_env()
    bd.write_conf()
    if not bd.db_exists(args.db):
        sys.exit(f"{args.db} does not exist: build it first with python3 bench/bench_discharge.py")

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", bd.CONF, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env, company = bd.bench_env(cr)
        env = env(context=dict(env.context, tz="America/Mexico_City"))
        query = env["l10n_mx_immex.report.query"]
        cr.execute(
            "SELECT COUNT(*) FROM l10n_mx_immex_discharge WHERE company_id = %s", [company.id]
        )
        total = cr.fetchone()[0]
        if total < 500_000:
            sys.exit(f"{args.db} holds {total:,} ledger rows: run bench/bench_discharge.py first")
        bd.log(f"ledger: {total:,} rows; cut-off {CUT_OFF}")

        # 4 first, while this process is small: its RSS peak growth is the XLSX's
        cr.execute(
            """
            SELECT date, SUM(COUNT(*)) OVER (ORDER BY date) FROM l10n_mx_immex_discharge
             WHERE company_id = %s GROUP BY date ORDER BY date
            """,
            [company.id],
        )
        days = cr.fetchall()
        date_from = days[0][0]
        date_to, rows = next((d, n) for d, n in days if n >= XLSX_ROWS)
        wizard = env["l10n_mx_immex.report.wizard"].create(
            {
                "report_type": "discharges",
                "company_id": company.id,
                "date_from": date_from,
                "date_to": date_to,
                "file_format": "xlsx",
            }
        )
        env.flush_all()
        before = rss_peak_mib()
        start = time.perf_counter()
        content = wizard._l10n_mx_immex_file_content()
        elapsed = time.perf_counter() - start
        growth = rss_peak_mib() - before
        verdict = "met" if elapsed <= 20 and growth <= 300 else "NOT met"
        bd.log(
            f"XLSX of the discharges {date_from} .. {date_to}: {int(rows):,} ledger rows, "
            f"{len(content) / 1e6:.1f} MB in {elapsed:.1f} s, peak RSS growth {growth:,.0f} MiB "
            f"(target <= 20 s and <= 300 MB: {verdict})"
        )

        base = SQL(
            """
            SELECT import_line_id, SUM(quantity) FROM l10n_mx_immex_discharge
             WHERE company_id = %s AND date <= %s GROUP BY import_line_id
            """,
            company.id,
            CUT_OFF,
        )
        best, median, result = timed(lambda: env.execute_query(base), args.rounds)
        bd.log(
            f"bare SQL aggregate (SUM per import line, date <= cut-off): {len(result):,} lines, "
            f"best {best:.3f} s, median {median:.3f} s"
        )
        bare = best
        for label, fn, target in (
            (
                "balances by fraction",
                lambda: query._balances_by_fraction(company, CUT_OFF),
                0.3,
            ),
            (
                "balances by fraction, as recorded up to today",
                lambda: query._balances_by_fraction(company, CUT_OFF, known_at=date.today()),
                0.3,
            ),
            ("balances by pedimento line", lambda: query._balances_by_line(company, CUT_OFF), 0.5),
        ):
            best, median, result = timed(fn, args.rounds)
            verdict = "met" if best <= target else "NOT met"
            bd.log(
                f"{label}: {len(result):,} rows, best {best:.3f} s, median {median:.3f} s "
                f"({best / bare:.1f} x the bare aggregate; target <= {target} s: {verdict})"
            )
        cr.rollback()
    bd.log(f"peak RSS of this process: {rss_peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
