"""Benchmark of the Data Stage import and reconciliation in a real Odoo 19 database.

Run: ``python3 bench/bench_datastage.py [--db NAME] [--pedimentos N] [--lines-per M]``

A database with the addon installed (``<db>``, copied from the template database that
``bench/bench_discharge.py`` maintains) receives, with set-based INSERTs, one IMMEX company
and ``N`` (20,000) confirmed import pedimentos of March 2026 with ``M`` (10) lines each
(200,000 lines). A synthetic Data Stage delivery of the same pedimentos (501 + 506 + 551,
Resumen, 12 header-only members) is built in memory with 1 % of differences planted:

- 1 % of the lines (2,000) with a customs value 5 MXN off (beyond the 1 MXN tolerance);
- 1 % of the pedimentos (200) with another exchange rate;
- 20 pedimentos only in Data Stage, 20 only in the system.

It prints the import throughput (rows staged per second, ZIP read and parsed, rows typed and
inserted, one batch) and the reconciliation time, and checks that exactly the planted
differences are found. The database is a fresh copy of the template at every run.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import bench_discharge as common  # noqa: E402  (same cluster, configuration and template)

RFC = "BDS010101AA1"
FOLIO = "9876543"
DAY = date(2026, 3, 10)


def log(msg: str) -> None:
    print(msg, flush=True)


def build_system(env, n_peds, lines_per, rng):
    """The company, its products and its pedimentos (set-based), and the plan of the data."""
    company = env["res.company"].create(
        # no country: a Mexican company would install l10n_mx (and commit) on the way
        {"name": "Bench Data Stage SA de CV", "vat": RFC}
    )
    fractions = env["l10n_mx_catalogs.c_fraccion"].search([("code", "=like", "85%")], limit=10)
    kg = env.ref("uom.product_uom_kgm")
    unit = env.ref("uom.product_uom_unit")
    us = env.ref("base.us")
    products = env["product.product"].create(
        [
            {
                "name": f"Bench part {i}",
                "default_code": f"BP-{i:03d}",
                "is_storable": True,
                "uom_id": (kg if i % 2 else unit).id,
                "company_id": company.id,
            }
            for i in range(10)
        ]
    )
    key_in = env.ref("l10n_mx_immex_annex24.pedimento_key_in")
    service = env["l10n_mx_immex.discharge.service"]
    names = [f"26  24  3420  6{seq:06d}" for seq in range(1, n_peds + 1)]
    peds = []
    for name in names:
        peds.append(
            {
                "name": name,
                "operation": "import",
                "key_id": key_in.id,
                "entry_date": DAY,
                "payment_date": DAY,
                "exchange_rate": 17.5,
                "company_id": company.id,
                "state": "confirmed",
            }
        )
    only_system = set(rng.sample(names, 20))
    only_datastage = set(rng.sample([n for n in names if n not in only_system], 20))
    in_system = [v for v in peds if v["name"] not in only_datastage]
    ids = service._insert_rows("l10n_mx_immex.pedimento", in_system)
    ped_id = {v["name"]: pid for v, pid in zip(in_system, ids, strict=True)}
    plan = []  # (name, seq, product, fraction, qty, value_mxn, value_usd)
    line_vals = []
    for name in names:
        for seq in range(1, lines_per + 1):
            product = products[rng.randrange(10)]
            fraction = fractions[rng.randrange(len(fractions))]
            qty = float(rng.randrange(1, 5000))
            mxn = float(rng.randrange(100, 100000))
            usd = round(mxn / 17.5, 2)
            plan.append((name, seq, product, fraction, qty, mxn, usd))
            if name in ped_id:
                line_vals.append(
                    {
                        "pedimento_id": ped_id[name],
                        "sequence": seq,
                        "product_id": product.id,
                        "fraction_id": fraction.id,
                        "quantity": qty,
                        "uom_id": product.uom_id.id,
                        "quantity_tariff": qty,
                        "uom_tariff_id": product.uom_id.id,
                        "value_mxn": mxn,
                        "value_usd": usd,
                        "origin_country_id": us.id,
                        "seller_country_id": us.id,
                        "company_id": company.id,
                        "origin": "broker",
                    }
                )
    for start in range(0, len(line_vals), 50000):
        service._insert_rows("l10n_mx_immex.pedimento.line", line_vals[start : start + 50000])
    return company, names, plan, only_system, only_datastage


def build_delivery(names, plan, only_system, only_datastage, rng):
    from odoo.addons.l10n_mx_immex_annex24.immex import datastage as ds

    expected = set()
    rate_off = set(rng.sample([n for n in names if n not in only_system | only_datastage], 200))
    heads, dates = [], []
    for name in names:
        if name in only_system:
            expected.add(("pedimento", "missing_in_datastage", name, 0, ""))
            continue
        if name in only_datastage:
            expected.add(("pedimento", "missing_in_system", name, 0, ""))
        document = name.replace(" ", "")[-7:]
        rate = "17.5"
        if name in rate_off:
            rate = "17.61"
            expected.add(("pedimento", "mismatch", name, 0, "exchange_rate"))
        heads.append(
            {
                "Patente": "3420",
                "Pedimento": document,
                "SeccionAduanera": "240",
                "TipoOperacion": "1",
                "ClaveDocumento": "IN",
                "Rfc": RFC,
                "TipoCambio": rate,
                "TipoPedimento": "1",
                "FechaPagoReal": f"{DAY} 10:00:00",
            }
        )
        for kind in ("1", "2"):
            dates.append(
                {
                    "Patente": "3420",
                    "Pedimento": document,
                    "SeccionAduanera": "240",
                    "TipoFecha": kind,
                    "FechaOperacion": f"{DAY} 00:00:00",
                }
            )
    candidates = [i for i, p in enumerate(plan) if p[0] not in only_system | only_datastage]
    value_off = set(rng.sample(candidates, len(plan) // 100))
    lines = []
    for i, (name, seq, product, fraction, qty, mxn, usd) in enumerate(plan):
        if name in only_system:
            continue
        if i in value_off:
            mxn += 5
            expected.add(("line", "mismatch", name, seq, "value_mxn"))
        umc = product.uom_id.l10n_mx_immex_umt_code
        lines.append(
            {
                "Patente": "3420",
                "Pedimento": name.replace(" ", "")[-7:],
                "SeccionAduanera": "240",
                "Fraccion": fraction.code[:8],
                "SecuenciaFraccion": seq,
                "SubdivisionFraccion": fraction.code[8:],
                "DescripcionMercancia": "Partes eléctricas",
                "ValorAduana": f"{mxn:.0f}",
                "ValorComercial": f"{mxn:.0f}",
                "ValorDolares": f"{usd:.2f}",
                "CantidadUMComercial": f"{qty:.0f}",
                "UnidadMedidaComercial": umc,
                "CantidadUMTarifa": f"{qty:.0f}",
                "UnidadMedidaTarifa": umc,
                "CodigoMercanciaProducto": product.default_code,
                "PaisOrigenDestino": "USA",
                "PaisCompradorVendedor": "USA",
                "TipoOperacion": "1",
                "ClaveDocumento": "IN",
                "FechaPagoReal": f"{DAY} 10:00:00",
            }
        )
    members = {
        "501": ds.render_asc("501", heads),
        "506": ds.render_asc("506", dates),
        "551": ds.render_asc("551", lines),
        "Resumen": ds.render_asc(
            "Resumen",
            [
                {
                    "Folio": FOLIO,
                    "RFCoPatenteAduanal": RFC,
                    "Fecha_Inicial": "2026-03-01 00:00:00",
                    "Fecha_Final": "2026-03-31 23:59:59",
                }
            ],
        ),
    }
    for code in ("502", "503", "504", "505", "507", "508", "510", "512", "552", "557", "701"):
        members[code] = b"Patente|Pedimento|SeccionAduanera|\r\n"
    rows = len(heads) + len(dates) + len(lines)
    return ds.build_zip(FOLIO, members), expected, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_datastage")
    parser.add_argument("--pedimentos", type=int, default=20000)
    parser.add_argument("--lines-per", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    args = parser.parse_args()
    if not args.db.startswith("bench_"):
        sys.exit("--db must start with 'bench_'")
    common.pg_env()
    common.write_conf()
    # a fresh copy of the template each run (seconds): the figures never depend on leftovers
    common.ensure_template(f"{args.db}_tpl")
    common.drop_db(args.db)
    subprocess.run(["createdb", "-T", f"{args.db}_tpl", args.db], check=True)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", common.CONF, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        start = time.perf_counter()
        company, names, plan, only_system, only_ds = build_system(
            env, args.pedimentos, args.lines_per, rng
        )
        data, expected, rows = build_delivery(names, plan, only_system, only_ds, rng)
        log(
            f"dataset: {len(names) - len(only_ds):,} pedimentos / "
            f"{sum(1 for p in plan if p[0] not in only_ds):,} lines in the system, "
            f"a delivery of {rows:,} rows ({len(data) / 1e6:.1f} MB zipped), "
            f"{len(expected):,} planted differences, built in {time.perf_counter() - start:.0f} s"
        )
        env.flush_all()
        Batch = env["l10n_mx_immex.datastage.batch"]
        profile = cProfile.Profile() if args.profile else None
        start = time.perf_counter()
        if profile:
            profile.enable()
        batch = Batch._immex_stage(company, data, f"{FOLIO}_Solicitudes.zip")
        env.flush_all()
        elapsed = time.perf_counter() - start
        if profile:
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(20)
        staged = batch.row_count
        log(
            f"import: {staged:,} rows staged in {elapsed:.2f} s = {staged / elapsed:,.0f} rows/s "
            f"(target >= 20,000 rows/s), {batch.error_count} refused"
        )
        start = time.perf_counter()
        batch._immex_reconcile()
        env.flush_all()
        elapsed = time.perf_counter() - start
        found = {
            (d.level, d.kind, d.pedimento_name, d.line_sequence, d.field or "")
            for d in batch.difference_ids
        }
        log(
            f"reconciliation: {batch.pedimento_compared:,} pedimentos compared in {elapsed:.2f} s "
            f"(target <= 10 s): {len(found):,} differences; {batch.pedimento_matching:,} "
            f"matching, {batch.pedimento_differing:,} differing, {batch.missing_in_system} "
            f"missing in the system, {batch.missing_in_datastage} missing in Data Stage"
        )
        exact = found == expected
        log(
            "planted differences found exactly: "
            + (
                "yes"
                if exact
                else f"NO ({len(expected - found)} missed, {len(found - expected)} unexpected)"
            )
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"peak RSS: {peak:,.0f} MiB; finished at {datetime.now():%H:%M:%S}")
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
