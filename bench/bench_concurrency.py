"""Concurrent export deliveries: N worker processes validating ready deliveries at once.

Run: ``python3 bench/bench_concurrency.py [--db NAME] [--workers 8] [--per-worker 200]
[--lines 5] [--plain]``

It builds the dataset of ``bench/bench_discharge.py`` at a small scale, afresh on every run
(its own database, ``bench_concurrency`` by default): finished harnesses of 50 IMMEX
components each, and open balances cleared before the deliveries' date. It prepares and
commits ``workers x per-worker`` ready deliveries to a customer abroad, each with
``--lines`` finished goods (each worker its own goods, whose components all workers
share) and its own RT export pedimento dated on the same day, so that
every delivery competes for the same oldest balances. Then ``--workers`` processes
(spawned, each with its own Odoo registry and connections) validate their share, one
transaction per delivery, through Odoo's own retry policy
(``odoo.service.model.retrying``: 5 tries on serialization failures, the policy every RPC
call gets).

It prints the failed deliveries (those still failing after the 5 tries), the conflicts
(retries), the deliveries per second, and two checks of the ledger afterwards:

- over-discharge: pedimento lines whose ledger rows add up to more than their declared
  quantity (or whose stored balance is negative);
- exits left queued: deliveries whose discharge was queued behind another exit must all
  be discharged once the workers are done;
- FIFO order: for each imported good, the balances the run took form a prefix of its FIFO
  order (no older line still open while a newer one was taken), whatever the order in
  which the workers happened to run. The deliveries share one date, so any interleaving
  must leave the same balances.

``--plain`` runs the same deliveries with no pedimento to a Mexican customer instead (the
addon does nothing on them), as the baseline of plain Odoo on the same machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_discharge as bd  # noqa: E402

ORIGIN = "bench concurrency"
SEQUENCE_BASE = 700000
TOLERANCE = 1e-6


def _odoo(db: str):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", bd.CONF, "-d", db, "--log-level=critical"])
    return Registry(db)


def prepare(registry, workers: int, per_worker: int, lines: int, plain: bool) -> list[int]:
    from odoo.fields import Command

    with registry.cursor() as cr:
        env, company = bd.bench_env(cr)
        finished = env["product.product"].search(
            [("l10n_mx_immex_type", "=", "finished"), ("company_id", "in", (False, company.id))],
            order="default_code",
        )
        # Each worker ships its own finished goods, so plain Odoo's quants never collide;
        # their components are shared, so every delivery competes for the same balances.
        own = len(finished) // workers
        slices = [finished[n * own : (n + 1) * own] for n in range(workers)]
        if plain:
            customer = env["res.partner"].search(
                [("name", "=", "Ensambles Nacionales SA")], limit=1
            ) or env["res.partner"].create(
                {"name": "Ensambles Nacionales SA", "country_id": env.ref("base.mx").id}
            )
        else:
            customer = env["res.partner"].search([("name", "=", "Detroit Assembly Inc")], limit=1)
        key_rt = env.ref("l10n_mx_immex_annex24.pedimento_key_rt")
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        stock = warehouse.lot_stock_id
        customers = env.ref("stock.stock_location_customers")
        ids = []
        for index in range(workers * per_worker):
            mine = slices[index % workers]  # the share of worker index % workers
            products = [mine[(index // workers + n) % len(mine)] for n in range(lines)]
            ped = (
                False
                if plain
                else bd.exit_pedimento(env, company, customer, key_rt, SEQUENCE_BASE + index)
            )
            picking = env["stock.picking"].create(
                {
                    "partner_id": customer.id,
                    "picking_type_id": warehouse.out_type_id.id,
                    "location_id": stock.id,
                    "location_dest_id": customers.id,
                    "origin": ORIGIN,
                    "scheduled_date": bd.BENCH2_DATE,
                    "l10n_mx_immex_pedimento_id": ped.id if ped else False,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1 + (index + n) % 3,
                                "location_id": stock.id,
                                "location_dest_id": customers.id,
                            }
                        )
                        for n, product in enumerate(products)
                    ],
                }
            )
            ids.append(picking.id)
        pickings = env["stock.picking"].browse(ids)
        pickings.action_confirm()
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        env.flush_all()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM l10n_mx_immex_discharge")
        ledger_start = cr.fetchone()[0]
        cr.commit()
    return ids, ledger_start


def worker(db: str, picking_ids: list[int], queue) -> None:
    import odoo
    from odoo.service.model import retrying

    registry = _odoo(db)
    failed = conflicts = 0
    errors = {}
    for picking_id in picking_ids:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            calls = []

            def validate(env=env, picking_id=picking_id, calls=calls):
                calls.append(1)
                picking = env["stock.picking"].browse(picking_id)
                picking.button_validate()
                if picking.state != "done":
                    raise RuntimeError(f"picking {picking_id} is {picking.state}")

            try:
                retrying(validate, env)
                cr.commit()
            except Exception as exc:  # noqa: BLE001 - a failed delivery is the figure
                cr.rollback()
                failed += 1
                name = type(exc).__name__
                errors[name] = errors.get(name, 0) + 1
            conflicts += len(calls) - 1
    queue.put((failed, conflicts, errors))


def check_ledger(registry, ledger_start: int) -> tuple[int, int]:
    """(lines over-discharged or negative, goods whose taken balances are not a FIFO prefix)."""
    with registry.cursor() as cr:
        __, company = bd.bench_env(cr)
        cr.execute(
            """
            SELECT count(*) FROM l10n_mx_immex_pedimento_line l
              LEFT JOIN (SELECT import_line_id, sum(quantity) q FROM l10n_mx_immex_discharge
                          GROUP BY import_line_id) d ON d.import_line_id = l.id
             WHERE l.company_id = %s
               AND (COALESCE(d.q, 0) > l.quantity + %s OR l.qty_balance < -%s)
            """,
            [company.id, TOLERANCE, TOLERANCE],
        )
        over = cr.fetchone()[0]
        # FIFO prefix: no line that the run took from may come after a line left open
        # (same product, same company, both cleared on or before the exit date).
        cr.execute(
            """
            WITH taken AS (
                SELECT DISTINCT import_line_id FROM l10n_mx_immex_discharge
                 WHERE id > %s AND quantity > 0
            ), lines AS (
                SELECT l.id, l.product_id, l.qty_balance,
                       row_number() OVER (PARTITION BY l.product_id
                                          ORDER BY p.entry_date, p.payment_date, p.name,
                                                   l.sequence, l.id) AS rank,
                       l.id IN (SELECT import_line_id FROM taken) AS was_taken
                  FROM l10n_mx_immex_pedimento_line l
                  JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                 WHERE l.company_id = %s AND p.state = 'confirmed' AND p.entry_date <= %s
                   AND l.qty_balance IS NOT NULL
            )
            SELECT count(DISTINCT newer.product_id)
              FROM lines newer JOIN lines older
                ON older.product_id = newer.product_id AND older.rank < newer.rank
             WHERE newer.was_taken AND older.qty_balance > %s
            """,
            [ledger_start, company.id, bd.BENCH2_DATE, TOLERANCE],
        )
        not_fifo = cr.fetchone()[0]
        # exits still waiting once every worker is done (their after-commit step failed)
        cr.execute("SELECT count(*) FROM stock_move WHERE l10n_mx_immex_discharge_state = 'queued'")
        waiting = cr.fetchone()[0]
        cr.execute(
            "SELECT count(DISTINCT res_id) FROM mail_message WHERE model = 'stock.picking' "
            "AND body::text LIKE %s",
            ["%discharge of this delivery was queued%"],
        )
        queued = cr.fetchone()[0]
    return over, not_fifo, waiting, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_concurrency")
    parser.add_argument("--scale", type=float, default=0.02, help="scale of the base dataset")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--per-worker", type=int, default=200)
    parser.add_argument("--lines", type=int, default=5, help="finished goods per delivery")
    parser.add_argument("--plain", action="store_true", help="no pedimento: plain Odoo")
    args = parser.parse_args()
    if not args.db.startswith("bench_"):
        sys.exit("--db must start with 'bench_'")

    bd.pg_env()
    bd.write_conf()
    # A fresh copy every run (template copy + 10 s dataset): the previous run's deliveries
    # took the oldest balances, and done deliveries cannot be removed.
    populate = bd.prepare_db(args.db, args.scale, reuse=False)
    import odoo

    registry = _odoo(args.db)
    if populate:
        bd.log(f"building the base dataset (scale {args.scale}) in {args.db}...")
        with registry.cursor() as cr:
            bd.Dataset(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), args.scale).build()
    total = args.workers * args.per_worker
    bd.log(f"preparing {total:,} ready deliveries of {args.lines} finished goods...")
    ids, ledger_start = prepare(registry, args.workers, args.per_worker, args.lines, args.plain)

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    shares = [ids[n :: args.workers] for n in range(args.workers)]  # as prepare() planned
    procs = [context.Process(target=worker, args=(args.db, share, queue)) for share in shares]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    results = [queue.get() for __ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - start
    failed = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    errors = {}
    for __, __, errs in results:
        for name, count in errs.items():
            errors[name] = errors.get(name, 0) + count
    over, not_fifo, waiting, queued = check_ledger(registry, ledger_start)
    kind = "plain Odoo (no pedimento)" if args.plain else "RT export pedimento each"
    bd.log(
        f"{args.workers} workers x {args.per_worker} deliveries ({kind}): "
        f"failed deliveries {failed} ({failed / total:.1%}), conflicts retried {conflicts}, "
        f"{total / elapsed:.1f} deliveries/s ({elapsed:.1f} s)"
        + (f"; errors {errors}" if errors else "")
    )
    bd.log(
        f"ledger: over-discharged lines {over}, goods out of FIFO order {not_fifo}; "
        f"deliveries whose discharge was queued {queued}, exits still queued {waiting} "
        f"(target: 0 failed, 0 over-discharged, 0 out of order, 0 left queued)"
    )


if __name__ == "__main__":
    main()
