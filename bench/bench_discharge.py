"""Benchmark of the Annex 24 discharge service in a real Odoo 19 database.

Run: ``python3 bench/bench_discharge.py [--db NAME] [--scale N] [--reuse] [--profile]``

The database (``bench_discharge`` by default) is rebuilt from scratch unless ``--reuse`` finds
one already populated at the same scale: a template database with the addon installed
(``<db>_tpl``, rebuilt by ``odoo-bin -i`` whenever the addon's files change) is copied with
``createdb -T``, then a dataset is built through Odoo's Python API, the bulk of it with
set-based SQL copies of records made by the ORM:

- one IMMEX company, 600 imported components (wire and tape in metres declared in kg,
  terminals, housings, seals by the piece, labels as packaging), 60 sub-assemblies of 14
  components, 120 finished harnesses made of 3 sub-assemblies + 8 direct components, so
  every finished good explodes into 50 IMMEX components (multi-level BOM, merma on wire and
  tape, desperdicio on tape);
- 240 confirmed IN pedimentos (ITE) with ~4,500 lines opening the balances, entered from
  October 2025 to the middle of the period, supply ~110 % of the period's demand (97 % for
  3 % of the components: those end with pending discharges, as real plants do), plus one
  reserve IN pedimento (600 lines) cleared after the period, for the deliveries of figure 2;
- ``1,000 x scale`` confirmed RT export pedimentos in March 2026, each with its done
  delivery of 20 finished goods (1-5 units per line) and its exit lines: 20,000 moves and
  ~60,000 finished units at scale 1, i.e. ~1,000,000 component demands, and the theoretical
  waste (desperdicio) their validation records.

Then it measures and prints:

1. reconstruction throughput: ``l10n_mx_immex.reconstruction._reconstruct()`` on March 2026,
   first on an empty ledger (initial discharge, committed), then again (reverses every row
   and discharges again; rolled back so the dataset stays reusable); then, in the same run,
   the time plain SQL ``COPY`` takes to write as many ledger-shaped rows into an unindexed
   table and into a table with the ledger's indexes, and the re-run's ratio to each (the
   machine-independent figures);
2. the cost the addon adds to ``button_validate`` of one 100-line delivery of finished goods
   (50 IMMEX components each): ready deliveries are committed first, then each round
   validates one without exit pedimento and one with an RT pedimento, back to back, each in
   a transaction of its own rolled back afterwards (timed through the flush and pre-commit
   hooks a commit would run); the ratio is the median of the rounds' ratios;
   between the two, the integrity verification of the company (every hash chain and every
   stored balance: ``res.company.l10n_mx_immex_verify_integrity()``), timed on the ledger the
   initial discharge wrote;
3. the pure FIFO allocator figure of ``bench/bench_fifo.py`` (run first, as a subprocess,
   before this process grows: a child process inherits its parent's RSS peak);

and the peak RSS. ``--profile`` adds a cProfile of one more reconstruction re-run and of one
validation with pedimento (not timed).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import math
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "l10n_mx_immex_annex24"
LOCAL = os.path.join(ROOT, ".local")
CONF = os.path.join(LOCAL, "bench.conf")
PERIOD = (date(2026, 3, 1), date(2026, 3, 31))
BENCH2_DATE = date(2026, 4, 6)
N_COMPONENTS = 600
N_SUBS = 60
N_FINISHED = 120
SUB_SIZE = 14
SUBS_PER_FINISHED = 3
DIRECT_PER_FINISHED = 8
MOVES_PER_PICKING = 20
N_IMPORT_PEDS = 240
N_IMPORT_PEDS_IN_PERIOD = 40
DELIVERY_LINES = 100
MARKER = "bench_discharge.dataset"

# name, share, fraction prefix, uom, umt, tariff factor, qty per parent, merma %, desp. %
COMPONENT_KINDS = (
    ("Wire", 0.15, "8544", "m", "kg", 0.03, (0.2, 2.5), 3.0, 0.0),
    ("Terminal", 0.35, "8536", "unit", "unit", None, (1, 4), 0.5, 0.0),
    ("Housing", 0.20, "8538", "unit", "unit", None, (1, 2), 0.0, 0.0),
    ("Seal", 0.15, "4016", "unit", "unit", None, (1, 4), 1.0, 0.0),
    ("Tape", 0.10, "3919", "m", "kg", 0.01, (0.1, 1.0), 5.0, 2.0),
    ("Label", 0.05, "4821", "unit", "unit", None, (1, 1), 0.0, 0.0),
)


def log(msg: str) -> None:
    print(msg, flush=True)


# ----------------------------------------------------------------------------------------
# PostgreSQL and Odoo configuration (same settings as scripts/common.sh)
# ----------------------------------------------------------------------------------------
def pg_env() -> None:
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "pg.sh")], check=True)
    port = "54329"
    port_file = os.path.join(ROOT, ".local", "pgport")
    if os.path.exists(port_file):  # the port scripts/pg.sh chose for the cluster
        with open(port_file) as handle:
            port = handle.read().strip() or port
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGPORT", os.environ.get("IMMEX_PGPORT", port))
    os.environ.setdefault("PGUSER", "odoo")
    os.environ.setdefault("PGPASSWORD", "odoo")


def write_conf() -> None:
    import odoo.release

    base = os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__)))
    paths = [os.path.join(base, "addons"), os.path.join(base, "odoo", "addons")]
    paths = [p for p in paths if os.path.isdir(p)] + [ROOT]
    os.makedirs(os.path.join(LOCAL, "data"), exist_ok=True)
    with open(CONF, "w", encoding="utf-8") as conf:
        conf.write(
            "[options]\n"
            f"addons_path = {','.join(paths)}\n"
            f"data_dir = {os.path.join(LOCAL, 'data')}\n"
            f"db_host = {os.environ['PGHOST']}\n"
            f"db_port = {os.environ['PGPORT']}\n"
            f"db_user = {os.environ['PGUSER']}\n"
            f"db_password = {os.environ['PGPASSWORD']}\n"
            "http_interface = 127.0.0.1\n"
        )


def psql(db: str, query: str) -> str:
    out = subprocess.run(
        ["psql", "-X", "-At", "-d", db, "-c", query], capture_output=True, text=True
    )
    return out.stdout.strip() if out.returncode == 0 else ""


def db_exists(db: str) -> bool:
    return psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def addon_hash() -> str:
    digest = hashlib.sha1()
    top = os.path.join(ROOT, ADDON)
    for folder, dirs, files in sorted(os.walk(top)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".xml", ".csv")):
                path = os.path.join(folder, name)
                digest.update(path[len(top) :].encode())
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()[:16]


def drop_db(db: str) -> None:
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
    shutil.rmtree(os.path.join(LOCAL, "data", "filestore", db), ignore_errors=True)


def ensure_template(template: str) -> None:
    """A database with the addon installed, rebuilt when the addon's files changed."""
    wanted = addon_hash()
    if (
        db_exists(template)
        and psql(template, "SELECT value FROM ir_config_parameter WHERE key = 'bench.addon_hash'")
        == wanted
    ):
        return
    drop_db(template)
    log(f"installing {ADDON} into template database {template} (odoo-bin -i, ~1 min)...")
    start = time.perf_counter()
    import odoo.release

    base = os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__)))
    odoo_bin = os.path.join(base, "odoo-bin")
    command = (
        [sys.executable, odoo_bin] if os.path.exists(odoo_bin) else [sys.executable, "-m", "odoo"]
    )
    proc = subprocess.run(
        [
            *command,
            "-c",
            CONF,
            "-d",
            template,
            "-i",
            ADDON,
            "--stop-after-init",
            "--log-level=error",
            "--http-port=0",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not db_exists(template):
        sys.exit(f"installing {ADDON} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    psql(
        template,
        f"INSERT INTO ir_config_parameter (key, value) VALUES ('bench.addon_hash', '{wanted}')",
    )
    log(f"template ready in {time.perf_counter() - start:.0f} s")


def prepare_db(db: str, scale: float, reuse: bool) -> bool:
    """Return True when the database must be populated."""
    marker = f"scale={scale}"
    if reuse and db_exists(db):
        found = psql(db, f"SELECT value FROM ir_config_parameter WHERE key = '{MARKER}'")
        if found == marker:
            built = psql(db, "SELECT value FROM ir_config_parameter WHERE key = 'bench.addon_hash'")
            stale = " (built with other addon sources: rebuild if the schema changed)"
            log(f"reusing database {db} ({marker}){stale if built != addon_hash() else ''}")
            return False
        log(f"database {db} holds {found or 'no dataset'}, not {marker}: rebuilding it")
    template = f"{db}_tpl"
    ensure_template(template)
    drop_db(db)
    subprocess.run(["createdb", "-T", template, db], check=True)
    src = os.path.join(LOCAL, "data", "filestore", template)
    if os.path.isdir(src):
        shutil.copytree(src, os.path.join(LOCAL, "data", "filestore", db))
    return True


# ----------------------------------------------------------------------------------------
# Set-based helpers
# ----------------------------------------------------------------------------------------
def columns(cr, table: str) -> list[str]:
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def temp_table(cr, name: str, spec: list[tuple[str, str, list]]) -> None:
    """A temporary table filled from Python lists in one INSERT ... SELECT FROM unnest()."""
    from odoo.tools import SQL

    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
    cr.execute(
        SQL(
            "CREATE TEMP TABLE %s AS SELECT * FROM unnest(%s) AS x(%s)",
            SQL.identifier(name),
            SQL(", ").join(SQL("%s::" + sqltype + "[]", values) for __, sqltype, values in spec),
            SQL(", ").join(SQL.identifier(col) for col, __, __ in spec),
        )
    )


def clone(cr, table: str, template_id: int, plan: str, overrides: dict[str, str]) -> int:
    """Copy the template row once per row of the ``plan`` query, with overridden columns.

    ``overrides`` map a column to an SQL expression over ``t`` (the template row) and ``p``
    (the plan row); every other column is copied from the template.
    """
    from odoo.tools import SQL

    cols = columns(cr, table)
    unknown = set(overrides) - set(cols)
    if unknown:
        raise ValueError(f"{table}: no columns {sorted(unknown)}")
    exprs = [SQL(overrides[c]) if c in overrides else SQL("t.%s", SQL.identifier(c)) for c in cols]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t CROSS JOIN (%s) p WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in cols),
            SQL(", ").join(exprs),
            SQL.identifier(table),
            SQL(plan),
            template_id,
        )
    )
    return cr.rowcount


# ----------------------------------------------------------------------------------------
# Dataset
# ----------------------------------------------------------------------------------------
def pedimento_number(entry: date, seq: int) -> str:
    year = entry.year % 100
    return f"{year:02d}  24  3420  {year % 10}{seq:06d}"


class Dataset:
    """Builds the dataset; every random choice comes from one seeded generator."""

    def __init__(self, env, scale: float, seed: int = 24):
        self.env = env
        self.scale = scale
        self.rng = random.Random(seed)
        self.n_pickings = max(10, round(1000 * scale))

    # -- master data ---------------------------------------------------------------------
    def company(self):
        env = self.env
        company = env["res.company"].create(
            {
                "name": "Arneses Bench SA de CV",
                "country_id": env.ref("base.mx").id,
                "vat": "ABE010203AB1",
                "l10n_mx_immex_program_number": "IMMEX-2024-0002",
                "l10n_mx_immex_modality": "industrial",
                "l10n_mx_immex_program_date_start": date(2024, 1, 1),
                "l10n_mx_immex_program_date_end": date(2030, 12, 31),
            }
        )
        env.user.company_ids |= company
        env.ref("base.user_admin").company_ids |= company
        # outside tests, Odoo creates no warehouse for a new company
        env["stock.warehouse"].with_company(company).create(
            {"name": "Planta Nuevo Laredo", "code": "NLD", "company_id": company.id}
        )
        return company

    def products(self, env):
        uoms = {
            "unit": env.ref("uom.product_uom_unit"),
            "m": env.ref("uom.product_uom_meter"),
            "kg": env.ref("uom.product_uom_kgm"),
        }
        Fraction = env["l10n_mx_catalogs.c_fraccion"]
        us = env.ref("base.us")
        vals, kinds = [], []
        for name, share, prefix, uom, umt, factor, qty_range, merma, desp in COMPONENT_KINDS:
            fractions = Fraction.search([("code", "=like", prefix + "%")], limit=10)
            for k in range(round(N_COMPONENTS * share)):
                v = {
                    "name": f"{name} {k + 1:03d}",
                    "default_code": f"{name[:4].upper()}-{k + 1:03d}",
                    "is_storable": True,
                    "uom_id": uoms[uom].id,
                    "l10n_mx_immex_type": "packaging" if name == "Label" else "input",
                    "l10n_mx_immex_fraction_id": fractions[k % len(fractions)].id,
                    "l10n_mx_immex_uom_tariff_id": uoms[umt].id,
                    "l10n_mx_immex_origin_country_id": us.id,
                }
                if factor:
                    v["l10n_mx_immex_tariff_factor"] = factor
                vals.append(v)
                kinds.append((qty_range, merma, desp, uom == "unit"))
        components = env["product.product"].create(vals)
        subs = env["product.product"].create(
            [
                {
                    "name": f"Sub-assembly S-{k + 1:03d}",
                    "default_code": f"SUB-{k + 1:03d}",
                    "is_storable": True,
                    "uom_id": uoms["unit"].id,
                }
                for k in range(N_SUBS)
            ]
        )
        harness = Fraction.search([("code", "=like", "8544%")], limit=10)
        finished = env["product.product"].create(
            [
                {
                    "name": f"Harness H-{k + 1:04d}",
                    "default_code": f"H-{k + 1:04d}",
                    "is_storable": True,
                    "uom_id": uoms["unit"].id,
                    "l10n_mx_immex_type": "finished",
                    "l10n_mx_immex_fraction_id": harness[k % len(harness)].id,
                    "l10n_mx_immex_uom_tariff_id": uoms["unit"].id,
                }
                for k in range(N_FINISHED)
            ]
        )
        return components, kinds, subs, finished

    def bom_line(self, component, kind):
        (low, high), merma, desp, by_piece = kind
        qty = self.rng.randint(low, high) if by_piece else round(self.rng.uniform(low, high), 3)
        return {
            "product_id": component.id,
            "product_qty": qty,
            "l10n_mx_immex_merma_percent": merma,
            "l10n_mx_immex_desperdicio_percent": desp,
        }

    def boms(self, env, company, components, kinds, subs, finished):
        from odoo.fields import Command

        rng = self.rng
        index = list(range(len(components)))
        sub_sets = [rng.sample(index, SUB_SIZE) for __ in subs]
        vals = []
        for sub, comp_idx in zip(subs, sub_sets, strict=True):
            vals.append(
                {
                    "product_tmpl_id": sub.product_tmpl_id.id,
                    "product_qty": 1,
                    "company_id": company.id,
                    "bom_line_ids": [
                        Command.create(self.bom_line(components[i], kinds[i])) for i in comp_idx
                    ],
                }
            )
        for product in finished:
            while True:  # three sub-assemblies without common components
                chosen = rng.sample(range(len(subs)), SUBS_PER_FINISHED)
                used = set().union(*(sub_sets[s] for s in chosen))
                if len(used) == SUB_SIZE * SUBS_PER_FINISHED:
                    break
            direct = rng.sample([i for i in index if i not in used], DIRECT_PER_FINISHED)
            lines = [
                Command.create({"product_id": subs[s].id, "product_qty": rng.randint(1, 2)})
                for s in chosen
            ]
            lines += [Command.create(self.bom_line(components[i], kinds[i])) for i in direct]
            vals.append(
                {
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "product_qty": 1,
                    "company_id": company.id,
                    "bom_line_ids": lines,
                }
            )
        return env["mrp.bom"].create(vals)

    # -- exits plan and the supply that covers it ------------------------------------------
    def exit_plan(self, finished):
        """[(picking number, entry date, [(product_id, qty)])] spread over the period."""
        rng = self.rng
        days = (PERIOD[1] - PERIOD[0]).days + 1
        weights = [1.0 / (k + 1) ** 0.5 for k in range(len(finished))]
        plan = []
        for g in range(self.n_pickings):
            entry = PERIOD[0] + timedelta(days=g * days // self.n_pickings)
            chosen = set()
            while len(chosen) < MOVES_PER_PICKING:
                chosen.update(rng.choices(range(len(finished)), weights=weights, k=4))
            picks = sorted(chosen)[:MOVES_PER_PICKING]
            plan.append((g + 1, entry, [(finished[i].id, rng.randint(1, 5)) for i in picks]))
        return plan

    def demand_per_component(self, env, plan, finished):
        from odoo.addons.l10n_mx_immex_annex24.immex import bom as bom_lib

        env["l10n_mx_immex.discharge.service"]
        structures = env["l10n_mx_immex.discharge.demand"]._bom_structures(finished)
        controlled = env["l10n_mx_immex.discharge.demand"]._controlled_product_ids()
        units = {}
        for __, __, lines in plan:
            for product_id, qty in lines:
                units[product_id] = units.get(product_id, 0) + qty
        demand = {}
        for product_id, qty in units.items():
            leaves = bom_lib.explode(product_id, qty, structures, stop=controlled.__contains__)
            for comp_id, (net, merma, __) in leaves.items():
                demand[comp_id] = demand.get(comp_id, 0.0) + net + merma
        return demand

    def import_pedimentos(self, env, company, components, kinds, demand):
        from odoo.fields import Command

        rng = self.rng
        key_in = env.ref("l10n_mx_immex_annex24.pedimento_key_in")
        regime = env.ref("l10n_mx_immex_annex24.customs_regime_ite")
        supplier = env["res.partner"].create(
            {
                "name": "Texas Harness Supply LLC",
                "country_id": env.ref("base.us").id,
                "is_company": True,
            }
        )
        pre = N_IMPORT_PEDS - N_IMPORT_PEDS_IN_PERIOD
        first = date(2025, 10, 1)
        span = (PERIOD[0] - first).days - 2
        entries = [first + timedelta(days=k * span // pre) for k in range(pre)]
        entries += [
            PERIOD[0] + timedelta(days=1 + k * 19 // N_IMPORT_PEDS_IN_PERIOD)
            for k in range(N_IMPORT_PEDS_IN_PERIOD)
        ]
        lines = [[] for __ in entries]
        short = set(rng.sample(range(len(components)), k=max(1, len(components) * 3 // 100)))
        for idx, comp in enumerate(components):
            total = demand.get(comp.id, 0.0) * (0.97 if idx in short else 1.10)
            if total <= 0:
                continue
            n = rng.randint(4, 12)
            peds = rng.sample(range(pre), n - 1)
            if rng.random() < 0.3:  # this one also arrives during the period
                peds.append(rng.randrange(pre, len(entries)))
            else:
                peds.append(rng.choice([p for p in range(pre) if p not in peds]))
            cuts = sorted(rng.random() for __ in range(n - 1))
            shares = [b - a for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)]
            if peds[-1] >= pre:
                shares.sort(reverse=True)  # the in-period entry brings the smallest share
            for ped, share in zip(peds, shares, strict=True):
                qty = total * share
                qty = math.ceil(qty) if kinds[idx][3] else round(qty, 3)
                lines[ped].append((comp, max(qty, 1)))
        vals = []
        for k, (entry, ped_lines) in enumerate(zip(entries, lines, strict=True)):
            if not ped_lines:
                continue
            vals.append(
                {
                    "name": pedimento_number(entry, k + 1),
                    "operation": "import",
                    "key_id": key_in.id,
                    "regime_id": regime.id,
                    "entry_date": entry,
                    "payment_date": entry,
                    "partner_id": supplier.id,
                    "company_id": company.id,
                    "line_ids": [
                        Command.create({"product_id": c.id, "quantity": q, "value_usd": q * 0.8})
                        for c, q in ped_lines
                    ],
                }
            )
        # A reserve cleared after the period: only the deliveries of figure 2 can use it.
        vals.append(
            {
                "name": pedimento_number(BENCH2_DATE, 999),
                "operation": "import",
                "key_id": key_in.id,
                "regime_id": regime.id,
                "entry_date": BENCH2_DATE - timedelta(days=5),
                "partner_id": supplier.id,
                "company_id": company.id,
                "line_ids": [
                    Command.create({"product_id": c.id, "quantity": 100000, "value_usd": 1.0})
                    for c in components
                ],
            }
        )
        peds = env["l10n_mx_immex.pedimento"].create(vals)
        peds.action_confirm()
        return peds, supplier

    # -- the exits, cloned by SQL from one ORM-made template of each record ----------------
    def templates(self, env, company, finished, customer):
        """A done delivery (no pedimento) and a confirmed RT pedimento with one line."""
        from odoo.fields import Command

        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        stock = warehouse.lot_stock_id
        customers = env.ref("stock.stock_location_customers")
        product = finished[0]
        env["stock.quant"]._update_available_quantity(product, stock, 1)
        picking = env["stock.picking"].create(
            {
                "partner_id": customer.id,
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": stock.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "location_id": stock.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        # A delivery abroad with no pedimento is refused by default; the template's copies
        # all get their RT pedimento, so this one validation goes through with a warning.
        setting = company.l10n_mx_immex_missing_pedimento
        company.l10n_mx_immex_missing_pedimento = "warn"
        picking.button_validate()
        company.l10n_mx_immex_missing_pedimento = setting
        assert picking.state == "done", picking.state
        ped = env["l10n_mx_immex.pedimento"].create(
            {
                "name": pedimento_number(PERIOD[0], 100000),
                "operation": "export",
                "key_id": env.ref("l10n_mx_immex_annex24.pedimento_key_rt").id,
                "entry_date": PERIOD[0],
                "partner_id": customer.id,
                "company_id": company.id,
                "line_ids": [Command.create({"product_id": product.id, "quantity": 1})],
            }
        )
        ped.action_confirm()
        env.flush_all()
        return warehouse, picking, ped

    def exits(self, env, company, plan, tpl_picking, tpl_ped):
        cr = env.cr
        picks = [g for g, __, __ in plan]
        temp_table(
            cr,
            "bench_pick",
            [
                ("g", "int4", picks),
                ("entry", "date", [entry for __, entry, __ in plan]),
                ("ped_name", "varchar", [pedimento_number(e, 100000 + g) for g, e, __ in plan]),
                ("pick_name", "varchar", [f"BENCH/OUT/{g:06d}" for g in picks]),
            ],
        )
        move_rows = [(g, pid, qty) for g, __, lines in plan for pid, qty in lines]
        temp_table(
            cr,
            "bench_move",
            [
                ("g", "int4", [r[0] for r in move_rows]),
                ("product_id", "int4", [r[1] for r in move_rows]),
                ("qty", "float8", [r[2] for r in move_rows]),
            ],
        )
        n_peds = clone(
            cr,
            "l10n_mx_immex_pedimento",
            tpl_ped.id,
            "SELECT * FROM bench_pick",
            {
                "name": "p.ped_name",
                "document_number": "right(p.ped_name, 7)",
                "entry_date": "p.entry",
                "fifo_date": "p.entry",
                "payment_date": "p.entry",
                "registration_deadline": "p.entry + interval '2 days 23:59:59'",
                "registered_at": "p.entry + interval '20 hours'",
            },
        )
        n_lines = clone(
            cr,
            "l10n_mx_immex_pedimento_line",
            tpl_ped.line_ids.id,
            """
            SELECT ped.id AS ped_id, ped.name AS ped_name, ped.entry_date AS entry,
                   m.product_id, pt.l10n_mx_immex_fraction_id AS fraction_id,
                   SUM(m.qty) AS qty,
                   ROW_NUMBER() OVER (PARTITION BY ped.id ORDER BY m.product_id) AS seq
              FROM bench_move m
              JOIN bench_pick bp ON bp.g = m.g
              JOIN l10n_mx_immex_pedimento ped ON ped.name = bp.ped_name
              JOIN product_product pp ON pp.id = m.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             GROUP BY ped.id, ped.name, ped.entry_date, m.product_id,
                      pt.l10n_mx_immex_fraction_id
            """,
            {
                "pedimento_id": "p.ped_id",
                "pedimento_name": "p.ped_name",
                "sequence": "p.seq",
                "product_id": "p.product_id",
                "fraction_id": "p.fraction_id",
                "quantity": "p.qty",
                "quantity_product": "p.qty",
                "quantity_tariff": "p.qty",
                "value_usd": "p.qty * 45.0",
                "entry_date": "p.entry",
                "fifo_date": "p.entry",
            },
        )
        n_picks = clone(
            cr,
            "stock_picking",
            tpl_picking.id,
            """
            SELECT bp.*, ped.id AS ped_id,
                   bp.entry + interval '9 hours' + (bp.g %% 9) * interval '1 hour' AS done
              FROM bench_pick bp
              JOIN l10n_mx_immex_pedimento ped ON ped.name = bp.ped_name
            """,
            {
                "name": "p.pick_name",
                "origin": "p.ped_name",
                "l10n_mx_immex_pedimento_id": "p.ped_id",
                "scheduled_date": "p.done",
                "date_done": "p.done",
                "date_deadline": "NULL",
            },
        )
        move = tpl_picking.move_ids
        n_moves = clone(
            cr,
            "stock_move",
            move.id,
            f"""
            SELECT m.*, sp.id AS picking_id, sp.name AS pick_name, sp.date_done AS done,
                   ROW_NUMBER() OVER (PARTITION BY sp.id ORDER BY m.product_id) AS seq
              FROM bench_move m
              JOIN bench_pick bp ON bp.g = m.g
              JOIN stock_picking sp ON sp.name = bp.pick_name AND sp.company_id = {company.id}
            """,
            {
                "picking_id": "p.picking_id",
                "product_id": "p.product_id",
                "product_uom_qty": "p.qty",
                "product_qty": "p.qty",
                "quantity": "p.qty",
                "sequence": "p.seq",
                "reference": "p.pick_name",
                "date": "p.done",
                "value": "0",
            },
        )
        n_move_lines = clone(
            cr,
            "stock_move_line",
            move.move_line_ids.id,
            """
            SELECT sm.id AS move_id, sm.picking_id, sm.product_id, sm.quantity, sm.date
              FROM stock_move sm
              JOIN stock_picking sp ON sp.id = sm.picking_id
              JOIN bench_pick bp ON bp.pick_name = sp.name
            """,
            {
                "move_id": "p.move_id",
                "picking_id": "p.picking_id",
                "product_id": "p.product_id",
                "quantity": "p.quantity",
                "quantity_product_uom": "p.quantity",
                "date": "p.date",
            },
        )
        env.invalidate_all()
        return n_peds, n_lines, n_picks, n_moves, n_move_lines

    def build(self):
        env = self.env
        started = time.perf_counter()
        company = self.company()
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        self.env = env
        components, kinds, subs, finished = self.products(env)
        self.boms(env, company, components, kinds, subs, finished)
        log(
            f"  master data: {len(components)} components, {len(subs)} sub-assemblies, "
            f"{len(finished)} finished goods, BOMs ({time.perf_counter() - started:.1f} s)"
        )
        plan = self.exit_plan(finished)
        demand = self.demand_per_component(env, plan, finished)
        t0 = time.perf_counter()
        peds, supplier = self.import_pedimentos(env, company, components, kinds, demand)
        log(
            f"  {len(peds)} IN pedimentos, {len(peds.line_ids)} lines confirmed through the "
            f"ORM ({time.perf_counter() - t0:.1f} s)"
        )
        customer = env["res.partner"].create(
            {
                "name": "Detroit Assembly Inc",
                "country_id": env.ref("base.us").id,
                "is_company": True,
            }
        )
        t0 = time.perf_counter()
        warehouse, tpl_picking, tpl_ped = self.templates(env, company, finished, customer)
        counts = self.exits(env, company, plan, tpl_picking, tpl_ped)
        log(
            "  exits by SQL copies: {:,} RT pedimentos, {:,} exit lines, {:,} done deliveries, "
            "{:,} moves, {:,} move lines ({:.1f} s)".format(*counts, time.perf_counter() - t0)
        )
        # The desperdicio each delivery's validation records, so that the initial run below
        # finds what a plant's database holds (it rewrites only waste that differs).
        t0 = time.perf_counter()
        wizard = env["l10n_mx_immex.reconstruction"].create(
            {"company_id": company.id, "date_from": PERIOD[0], "date_to": PERIOD[1]}
        )
        __, wastes, __ = wizard._period_demands(env["l10n_mx_immex.discharge.service"])
        env["l10n_mx_immex.waste"]._insert_pending(wastes)
        log(
            f"  {len(wastes):,} theoretical waste rows of those deliveries "
            f"({time.perf_counter() - t0:.1f} s)"
        )
        units = sum(q for __, __, lines in plan for __, q in lines)
        for product in finished[:DELIVERY_LINES]:  # stock for the deliveries of figure 2
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 1e6)
        env["ir.config_parameter"].set_param(MARKER, f"scale={self.scale}")
        env["ir.config_parameter"].set_param(MARKER + ".company", str(company.id))
        env.flush_all()
        env.cr.commit()
        log(
            f"  {units:,} finished units exported; dataset committed in "
            f"{time.perf_counter() - started:.0f} s"
        )


# ----------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------
def bench_env(cr):
    import odoo

    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    company_id = int(env["ir.config_parameter"].get_param(MARKER + ".company"))
    company = env["res.company"].browse(company_id)
    return env(context=dict(env.context, allowed_company_ids=[company.id])), company


def dataset_sizes(env, company):
    cr = env.cr
    cr.execute(
        """
        SELECT (SELECT COUNT(*) FROM l10n_mx_immex_pedimento_line
                 WHERE company_id = %(c)s AND is_temporary),
               (SELECT COUNT(*) FROM l10n_mx_immex_pedimento
                 WHERE company_id = %(c)s AND operation = 'export'),
               (SELECT COUNT(*) FROM stock_move m JOIN stock_picking p ON p.id = m.picking_id
                 WHERE m.company_id = %(c)s AND p.l10n_mx_immex_pedimento_id IS NOT NULL
                   AND m.state = 'done'),
               (SELECT COALESCE(SUM(m.quantity), 0) FROM stock_move m
                  JOIN stock_picking p ON p.id = m.picking_id
                 WHERE m.company_id = %(c)s AND p.l10n_mx_immex_pedimento_id IS NOT NULL
                   AND m.state = 'done'),
               (SELECT COUNT(*) FROM mrp_bom_line l JOIN mrp_bom b ON b.id = l.bom_id
                 WHERE b.company_id = %(c)s)
        """,
        {"c": company.id},
    )
    lines, exits, moves, units, bom_lines = cr.fetchone()
    log(
        f"dataset: {lines:,} open IN pedimento lines (incl. the reserve), {exits:,} RT "
        f"pedimentos, {moves:,} exit moves, {units:,.0f} finished units, {bom_lines:,} BOM lines "
        f"({N_FINISHED} finished goods x 50 IMMEX components, 2 BOM levels)"
    )


PHASES = (
    ("l10n_mx_immex.discharge.reversal", "_reverse_where"),
    ("l10n_mx_immex.reconstruction", "_period_demands"),
    ("l10n_mx_immex.discharge.demand", "_demands_for_exit_moves"),
    ("l10n_mx_immex.discharge.service", "_fetch_balances"),
    ("l10n_mx_immex.discharge.service", "_allocate"),
    ("l10n_mx_immex.discharge.service", "_ledger_columns"),
    ("l10n_mx_immex.discharge.service", "_insert_ledger"),
    ("l10n_mx_immex.discharge.service", "_add_to_balances"),
    ("l10n_mx_immex.reconstruction", "_refresh_bom_waste"),
    ("l10n_mx_immex.waste", "_insert_pending"),
    ("l10n_mx_immex.reconstruction", "_line_totals"),
    ("l10n_mx_immex.reconstruction", "_summary"),
)


def reconstruct(env, company, phases=None):
    """Run the wizard; with ``phases`` (a dict), time the main steps by wrapping them."""
    patched = []
    for model, name in PHASES if phases is not None else ():
        cls = env.registry[model]
        original = getattr(cls, name, None)
        if original is None:  # a step renamed in the addon: not timed
            continue

        def timed(self, *args, __original=original, __name=name, **kwargs):
            start = time.perf_counter()
            try:
                return __original(self, *args, **kwargs)
            finally:
                phases[__name] = phases.get(__name, 0.0) + time.perf_counter() - start

        setattr(cls, name, timed)
        patched.append((cls, name, original))
    try:
        wizard = env["l10n_mx_immex.reconstruction"].create(
            {"company_id": company.id, "date_from": PERIOD[0], "date_to": PERIOD[1]}
        )
        result = wizard._reconstruct()
        env.flush_all()
    finally:
        for cls, name, original in patched:
            setattr(cls, name, original)
    return result


def format_phases(phases) -> str:
    """Steps in call order; period_demands includes demands_for_exit_moves, and
    refresh_balances sums its calls at the end of reverse and of the discharge."""
    order = [name for __, name in PHASES if name in phases]
    return ", ".join(f"{name.strip('_')} {phases[name]:.1f} s" for name in order)


def figure_reconstruction(registry, profile: bool) -> None:
    with registry.cursor() as cr:
        env, company = bench_env(cr)
        dataset_sizes(env, company)
        cr.execute(
            "SELECT COUNT(*) FROM l10n_mx_immex_discharge WHERE company_id = %s "
            "AND date BETWEEN %s AND %s",
            [company.id, *PERIOD],
        )
        if cr.fetchone()[0]:
            log("initial discharge: the period's ledger is already in the database (--reuse)")
        else:
            phases = {}
            start = time.perf_counter()
            result = reconstruct(env, company, phases)
            elapsed = time.perf_counter() - start
            rows = result["rows_created"]
            start = time.perf_counter()
            cr.commit()
            log(
                f"reconstruction (initial discharge, empty ledger): {rows:,} rows in "
                f"{elapsed:.1f} s = {rows / elapsed:,.0f} rows/s "
                f"(+ commit {time.perf_counter() - start:.1f} s)"
            )
            log(f"  steps: {format_phases(phases)}")
            # What autovacuum does within a minute of such an insert (a re-run comes days
            # later in a plant): measured without it, the re-run would share the 2 cores
            # with that vacuum and set the hint bits of a million fresh rows itself.
            start = time.perf_counter()
            vacuum = "VACUUM (ANALYZE) l10n_mx_immex_discharge, l10n_mx_immex_pedimento_line"
            subprocess.run(["psql", "-X", "-q", "-d", cr.dbname, "-c", vacuum], check=True)
            log(f"  {vacuum}: {time.perf_counter() - start:.1f} s")
        cr.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE kind = 'reversal') FROM "
            "l10n_mx_immex_discharge WHERE company_id = %s",
            [company.id],
        )
        total, reversals = cr.fetchone()
        cr.execute(
            "SELECT COUNT(*) FROM l10n_mx_immex_discharge_pending WHERE company_id = %s "
            "AND state = 'pending'",
            [company.id],
        )
        log(
            f"ledger: {total:,} rows ({reversals:,} reversals), "
            f"{cr.fetchone()[0]:,} pending discharges (shortfalls)"
        )
        env.invalidate_all()
        figure_verify(env, company, total)
        env.invalidate_all()
        phases = {}
        start = time.perf_counter()
        result = reconstruct(env, company, phases)
        elapsed = time.perf_counter() - start
        rows = result["rows_reversed"] + result["rows_created"]
        verdict = "met" if rows / elapsed >= 60_000 else "NOT met"
        log(
            f"reconstruction: {rows:,} rows in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s "
            f"(re-run: {result['rows_reversed']:,} reversed + {result['rows_created']:,} "
            f"created; target >= 60,000 rows/s: {verdict})"
        )
        log(f"  steps: {format_phases(phases)}")
        cr.rollback()
        figure_copy_baselines(cr, company, rows, elapsed)
        if profile:
            env.invalidate_all()
            profiler = cProfile.Profile()
            profiler.enable()
            reconstruct(env, company)
            profiler.disable()
            cr.rollback()
            print_profile(profiler, "reconstruction re-run")


# The ledger's columns a service row fills (the id comes from the table's own sequence).
COPY_COLUMNS = (
    "import_line_id, import_pedimento_id, product_id, quantity, quantity_tariff, date, kind, "
    "exit_pedimento_id, exit_line_id, move_id, production_id, finished_product_id, "
    "reversed_id, event_id, pending_id, company_id, corrects_date, is_directed, chain_hash, "
    "create_uid, create_date, write_uid, write_date"
)


def figure_copy_baselines(cr, company, rows: int, rerun_elapsed: float) -> None:
    """Plain SQL COPY of as many ledger-shaped rows as the re-run wrote, in the same run:
    into an unindexed table and into one with the ledger's indexes (no triggers, no chain,
    no checks). Absolute rates vary 2x between machines; the ratios do not.

    The rows are the ledger's own (repeated up to the count), dumped to a file first (not
    timed); each COPY runs in this transaction, rolled back afterwards.
    """
    cr.execute("SELECT COUNT(*) FROM l10n_mx_immex_discharge WHERE company_id = %s", [company.id])
    available = cr.fetchone()[0]
    if not available or not rows:
        log("copy baselines: no ledger rows to copy")
        return
    path = os.path.join(LOCAL, "bench_copy_rows.tsv")
    repeats = math.ceil(rows / available)
    with open(path, "w", encoding="utf-8") as out:
        cr._obj.copy_expert(
            f"COPY (SELECT {COPY_COLUMNS} FROM l10n_mx_immex_discharge, "
            f"generate_series(1, {repeats}) WHERE company_id = {int(company.id)} "
            f"LIMIT {int(rows)}) TO STDOUT",
            out,
        )
    timings = {}
    for name, indexes in (("unindexed", False), ("indexed", True)):
        table = f"bench_copy_{name}"
        cr.execute(
            f"CREATE TABLE {table} (LIKE l10n_mx_immex_discharge"
            f"{' INCLUDING INDEXES' if indexes else ''})"
        )
        cr.execute(f"CREATE SEQUENCE {table}_seq")
        cr.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_seq')")
        with open(path, encoding="utf-8") as stream:
            start = time.perf_counter()
            cr._obj.copy_expert(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN", stream)
            timings[name] = time.perf_counter() - start
    cr.rollback()
    os.remove(path)
    for name, label in (("unindexed", "an unindexed table"), ("indexed", "the ledger's indexes")):
        elapsed = timings[name]
        log(
            f"plain COPY of {rows:,} ledger-shaped rows into {label}: {elapsed:.1f} s = "
            f"{rows / elapsed:,.0f} rows/s; re-run / this = {rerun_elapsed / elapsed:.2f}x"
        )


def figure_verify(env, company, ledger_rows: int) -> None:
    """Integrity verification of the company: every chain and every stored balance."""
    start = time.perf_counter()
    result = company.l10n_mx_immex_verify_integrity()
    elapsed = time.perf_counter() - start
    per_million = elapsed * 1_000_000 / max(ledger_rows, 1)
    verdict = "met" if per_million <= 10 else "NOT met"
    log(
        f"verification: {ledger_rows:,} ledger rows ({result['checked']:,} rows and balances "
        f"checked, ok={result['ok']}) in {elapsed:.1f} s = {per_million:.1f} s per 1,000,000 "
        f"ledger rows (target <= 10 s: {verdict})"
    )


FIGURE2_ORIGIN = "bench figure 2"


def delivery(env, company, products, pedimento):
    from odoo.fields import Command

    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    stock = warehouse.lot_stock_id
    customers = env.ref("stock.stock_location_customers")
    # With its RT pedimento the delivery goes abroad; without, it is the same delivery to a
    # Mexican customer, which the addon leaves alone (a delivery abroad without pedimento
    # is refused): the baseline of plain Odoo.
    name = "Detroit Assembly Inc" if pedimento else "Ensambles Nacionales SA"
    partner = env["res.partner"].search([("name", "=", name)], limit=1) or env[
        "res.partner"
    ].create({"name": name, "country_id": env.ref("base.mx").id})
    picking = env["stock.picking"].create(
        {
            "partner_id": partner.id,
            "picking_type_id": warehouse.out_type_id.id,
            "location_id": stock.id,
            "location_dest_id": customers.id,
            "origin": FIGURE2_ORIGIN,
            "l10n_mx_immex_pedimento_id": pedimento.id if pedimento else False,
            "move_ids": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 3,
                        "location_id": stock.id,
                        "location_dest_id": customers.id,
                    }
                )
                for product in products
            ],
        }
    )
    picking.action_confirm()
    picking.action_assign()
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    env.flush_all()
    return picking


def validate(env, picking):
    start = time.perf_counter()
    picking.button_validate()
    # what the commit would do, short of it: flush, then the pre-commit hooks (Odoo's
    # tracking messages: a savepoint runs them too, so the discharge's own savepoint does)
    env.cr.flush()
    elapsed = time.perf_counter() - start
    assert picking.state == "done", picking.state
    return elapsed


def exit_pedimento(env, company, customer, key, sequence):
    """An RT export pedimento cleared on the second bench date."""
    return env["l10n_mx_immex.pedimento"].create(
        {
            "name": pedimento_number(BENCH2_DATE, sequence),
            "operation": "export",
            "key_id": key.id,
            "entry_date": BENCH2_DATE,
            "partner_id": customer.id,
            "company_id": company.id,
        }
    )


def remove_deliveries(registry) -> None:
    """Drop the ready deliveries (and their draft pedimentos) figure 2 prepared."""
    with registry.cursor() as cr:
        env, __ = bench_env(cr)
        pickings = env["stock.picking"].search([("origin", "=", FIGURE2_ORIGIN)])
        peds = pickings.l10n_mx_immex_pedimento_id
        pickings.action_cancel()
        pickings.unlink()
        peds.unlink()
        cr.commit()


def figure_delivery(registry, reps: int, profile: bool) -> None:
    """Validate ready deliveries as a user would: each validation is one transaction.

    The deliveries are prepared and committed first (as they are in a plant: picked hours
    before someone validates them); each validation then runs in a transaction of its own,
    rolled back afterwards, so every one starts from the same committed state with a cold
    record cache. Validating them all in one transaction (even each in a savepoint) would
    make PostgreSQL re-check every foreign key of each row the transaction had already
    updated, and keep the row versions of every earlier round in the pages of the balances
    and quants (no version a running transaction wrote can be pruned), costs no real
    validation pays.
    """
    remove_deliveries(registry)  # leftovers of an interrupted run
    rounds = reps + 1  # the first round warms the caches up
    try:
        with registry.cursor() as cr:
            env, company = bench_env(cr)
            products = env["product.product"].search(
                [
                    ("l10n_mx_immex_type", "=", "finished"),
                    ("company_id", "in", (False, company.id)),
                ],
                order="default_code",
                limit=DELIVERY_LINES,
            )
            key_rt = env.ref("l10n_mx_immex_annex24.pedimento_key_rt")
            customer = env["res.partner"].search([("name", "=", "Detroit Assembly Inc")], limit=1)
            prepared = []
            for rep in range(rounds + int(profile)):
                # alternate which goes first, so neither always follows the other
                for with_ped in (False, True) if rep % 2 else (True, False):
                    ped = (
                        exit_pedimento(env, company, customer, key_rt, 900000 + rep)
                        if with_ped
                        else None
                    )
                    prepared.append((rep, with_ped, delivery(env, company, products, ped).id))
            cr.commit()
        times = {False: [], True: []}
        pairs = {}
        rows = []
        profiler = cProfile.Profile() if profile else None
        for rep, with_ped, picking_id in prepared:
            with registry.cursor() as cr:
                env, company = bench_env(cr)
                try:
                    picking = env["stock.picking"].browse(picking_id)
                    profiling = profiler and rep == rounds and with_ped
                    if profiling:
                        profiler.enable()
                    elapsed = validate(env, picking)
                    if profiling:
                        profiler.disable()
                    if with_ped:
                        rows.append(len(picking.move_ids.l10n_mx_immex_discharge_ids))
                    if 0 < rep < rounds:
                        times[with_ped].append(elapsed)
                        pairs.setdefault(rep, {})[with_ped] = elapsed
                finally:
                    cr.rollback()
    finally:
        remove_deliveries(registry)
    plain, immex = statistics.median(times[False]), statistics.median(times[True])
    # Each round validates both deliveries back to back: the ratio within a round cancels
    # the slow phases of a shared machine, the median over rounds its outliers.
    ratios = [pair[True] / pair[False] for pair in pairs.values()]
    ratio = statistics.median(ratios)
    log(
        f"delivery of {DELIVERY_LINES} lines x 50 IMMEX components "
        f"({rows[-1]:,} ledger rows per validation), {reps} rounds: "
        f"median without pedimento {plain:.2f} s, with RT pedimento {immex:.2f} s; "
        f"ratio (median of the rounds) {ratio:.2f} (target <= 1.4: "
        f"{'met' if ratio <= 1.4 else 'NOT met'})"
    )
    log(
        "  runs without: "
        + ", ".join(f"{t:.2f}" for t in times[False])
        + " s; with: "
        + ", ".join(f"{t:.2f}" for t in times[True])
        + " s; ratios: "
        + ", ".join(f"{r:.2f}" for r in ratios)
    )
    if profiler:
        print_profile(profiler, "button_validate with RT pedimento")


def run_fifo() -> subprocess.CompletedProcess:
    """Run bench/bench_fifo.py (before Odoo loads: a child inherits its parent's RSS peak)."""
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "bench_fifo.py")],
        capture_output=True,
        text=True,
    )


def figure_fifo(proc: subprocess.CompletedProcess) -> None:
    lines = proc.stdout.strip().splitlines()
    for line in lines:
        log(f"  bench_fifo | {line}")
    figure = next((ln for ln in lines if "per second" in ln), None)
    log(f"pure FIFO: {figure or 'bench_fifo.py printed no figure: ' + proc.stderr[-500:]}")


def print_profile(profiler, title: str) -> None:
    path = os.path.join(LOCAL, "bench_profile_" + "_".join(title.split()[:2]) + ".prof")
    profiler.dump_stats(path)
    log(f"--- profile of {title} saved to {path} (python3 -m pstats {path}) ---")
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(sort).print_stats(30)
        log(f"--- profile of {title}, top 30 by {sort} ---")
        text = out.getvalue()
        log(text[text.find("   ncalls") :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_discharge")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0: 20,000 exit moves, ~1,000,000 ledger rows"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database if it already holds this dataset"
    )
    parser.add_argument("--reps", type=int, default=9, help="rounds of figure 2")
    parser.add_argument("--profile", action="store_true", help="cProfile the hot paths")
    parser.add_argument("--skip-fifo", action="store_true")
    parser.add_argument(
        "--only", choices=("reconstruction", "delivery"), help="measure this figure alone"
    )
    args = parser.parse_args()
    if not args.db.startswith("bench_"):
        sys.exit("--db must start with 'bench_'")

    fifo = None if args.skip_fifo or args.only else run_fifo()
    pg_env()
    write_conf()
    populate = prepare_db(args.db, args.scale, args.reuse)

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", CONF, "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    if populate:
        log(f"building the dataset (scale {args.scale}) in {args.db}...")
        with registry.cursor() as cr:
            Dataset(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), args.scale).build()

    if args.only != "delivery":
        log(f"=== 1. reconstruction of {PERIOD[0]} .. {PERIOD[1]} ===")
        figure_reconstruction(registry, args.profile)
    if args.only != "reconstruction":
        log("=== 2. validating one export delivery ===")
        figure_delivery(registry, args.reps, args.profile)
    if fifo:
        log("=== 3. pure FIFO allocator (bench/bench_fifo.py, run first in a subprocess) ===")
        figure_fifo(fifo)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"peak RSS of this process (Odoo + dataset build + reconstruction): {peak:,.0f} MiB")
    log(f"finished at {datetime.now():%H:%M:%S}")


if __name__ == "__main__":
    main()
