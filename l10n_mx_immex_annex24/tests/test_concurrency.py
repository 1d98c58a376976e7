# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from contextlib import closing
from datetime import date

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.sql_db import db_connect
from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL, mute_logger

# The database guards this test's clean-up must lift (static names).
GUARDS = [
    ("l10n_mx_immex_discharge", "l10n_mx_immex_discharge_append_only"),
    ("l10n_mx_immex_pedimento_line", "l10n_mx_immex_pedimento_line_guard"),
    ("l10n_mx_immex_pedimento_line", "l10n_mx_immex_pedimento_line_no_delete"),
    ("l10n_mx_immex_pedimento", "l10n_mx_immex_pedimento_guard"),
]


@tagged("post_install", "-at_install")
class TestConcurrentExits(BaseCase):
    """Two exits validated at the same time never discharge the same balance twice.

    Real, independent cursors on committed data (a test transaction would hide the race);
    everything committed here is removed at the end.
    """

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _demand(self, product, qty):
        return [
            {
                "product_id": product,
                "qty": qty,
                "move_id": False,
                "production_id": False,
                "finished_product_id": False,
                "line_id": False,
                "date": date(2026, 3, 1),
            }
        ]

    def _chain_state(self, db):
        """Chain heads and the last trail and seal ids: what the cleanup puts back."""
        with closing(db.cursor()) as cr:
            cr.execute("SELECT company_id, chain, head FROM l10n_mx_immex_chain_head")
            heads = cr.fetchall()
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM l10n_mx_immex_log")
            log_id = cr.fetchone()[0]
            cr.execute("SELECT COALESCE(MAX(id), 0) FROM l10n_mx_immex_line_seal")
            seal_id = cr.fetchone()[0]
        return heads, log_id, seal_id

    def _restore_chain_state(self, cr, state):
        # as a database owner would in a maintenance window: the guards are triggers
        heads, log_id, seal_id = state
        for table in ("l10n_mx_immex_log", "l10n_mx_immex_line_seal"):
            cr.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cr.execute("DELETE FROM l10n_mx_immex_log WHERE id > %s", [log_id])
        cr.execute("DELETE FROM l10n_mx_immex_line_seal WHERE id > %s", [seal_id])
        for table in ("l10n_mx_immex_log", "l10n_mx_immex_line_seal"):
            cr.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cr.execute("DELETE FROM l10n_mx_immex_chain_head")
        for company_id, chain, head in heads:
            cr.execute(
                "INSERT INTO l10n_mx_immex_chain_head (company_id, chain, head) "
                "VALUES (%s, %s, %s)",
                [company_id, chain, head],
            )

    def test_two_cursors_cannot_take_the_same_balance(self):
        db = db_connect(get_db_name())
        chain_state = self._chain_state(db)
        with closing(db.cursor()) as cr:
            env = self._env(cr)
            company = env.company
            product = env["product.product"].create(
                {
                    "name": "Concurrency wire",
                    "is_storable": True,
                    "l10n_mx_immex_type": "input",
                    "l10n_mx_immex_uom_tariff_id": env.ref("uom.product_uom_unit").id,
                }
            )
            ped = env["l10n_mx_immex.pedimento"].create(
                {
                    # a number of its own: this data is committed, then removed
                    "name": f"26  24  3420  6{int(time.time() * 1000) % 1000000:06d}",
                    "key_id": env.ref("l10n_mx_immex_annex24.pedimento_key_in").id,
                    "entry_date": date(2026, 1, 10),
                    "line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "quantity": 10,
                                "fraction_id": env["l10n_mx_catalogs.c_fraccion"]
                                .search([], limit=1)
                                .id,
                            },
                        )
                    ],
                }
            )
            ped.action_confirm()
            ids = {
                "product": product.id,
                "ped": ped.id,
                "line": ped.line_ids.id,
                "company": company.id,
            }
            cr.commit()  # pylint: disable=invalid-commit
        try:
            cr_a = db.cursor()
            cr_b = db.cursor()
            try:
                env_a, env_b = self._env(cr_a), self._env(cr_b)
                service_a = env_a["l10n_mx_immex.discharge.service"]
                service_b = env_b["l10n_mx_immex.discharge.service"]
                company_a = env_a["res.company"].browse(ids["company"])
                company_b = env_b["res.company"].browse(ids["company"])
                # B reads the balance first (its snapshot sees 10 available) ...
                self.assertEqual(
                    env_b["l10n_mx_immex.pedimento.line"].browse(ids["line"]).qty_balance, 10
                )
                # ... A discharges the whole balance and holds the lock until it commits
                self.assertEqual(
                    service_a._discharge(self._demand(ids["product"], 10), company_a, "export"),
                    1,
                )
                # a validation asks not to wait: refused at once, so it can queue the exit
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(errors.LockNotAvailable),
                    cr_b.savepoint(flush=False),
                ):
                    service_b._discharge(
                        self._demand(ids["product"], 10), company_b, "export", nowait=True
                    )
                cr_b.execute("SET LOCAL lock_timeout = '300ms'")
                with mute_logger("odoo.sql_db"), self.assertRaises(errors.LockNotAvailable):
                    service_b._discharge(self._demand(ids["product"], 10), company_b, "export")
                cr_b.rollback()
                cr_a.commit()
                # B tries again in its old snapshot-free retry: nothing left, so it is pending
                env_b.invalidate_all()
                self.assertEqual(
                    service_b._discharge(self._demand(ids["product"], 10), company_b, "export"),
                    0,
                )
                pending = env_b["l10n_mx_immex.discharge.pending"].search(
                    [("product_id", "=", ids["product"])]
                )
                self.assertAlmostEqual(pending.quantity, 10.0)
                cr_b.commit()
            finally:
                cr_a.close()
                cr_b.close()
            with closing(db.cursor()) as cr:
                cr.execute(
                    "SELECT qty_balance, qty_discharged FROM l10n_mx_immex_pedimento_line "
                    "WHERE id = %s",
                    [ids["line"]],
                )
                self.assertEqual(cr.fetchone(), (0.0, 10.0))
                cr.execute(
                    "SELECT COUNT(*), SUM(quantity) FROM l10n_mx_immex_discharge "
                    "WHERE import_line_id = %s",
                    [ids["line"]],
                )
                self.assertEqual(cr.fetchone(), (1, 10.0))
        finally:
            with closing(db.cursor()) as cr:
                # no setting opens the guards: as a migration would, the table owner
                # disables them for this transaction and enables them again before commit
                for table, trigger in GUARDS:
                    cr.execute(
                        SQL(
                            "ALTER TABLE %s DISABLE TRIGGER %s",
                            SQL.identifier(table),
                            SQL.identifier(trigger),
                        )
                    )
                cr.execute(
                    "DELETE FROM l10n_mx_immex_discharge WHERE import_line_id = %s", [ids["line"]]
                )
                cr.execute(
                    "DELETE FROM l10n_mx_immex_discharge_pending WHERE product_id = %s",
                    [ids["product"]],
                )
                cr.execute("DELETE FROM l10n_mx_immex_pedimento_line WHERE id = %s", [ids["line"]])
                cr.execute("DELETE FROM l10n_mx_immex_pedimento WHERE id = %s", [ids["ped"]])
                cr.execute(
                    "DELETE FROM mail_message WHERE model = 'l10n_mx_immex.pedimento' "
                    "AND res_id = %s",
                    [ids["ped"]],
                )
                cr.execute(
                    "SELECT product_tmpl_id FROM product_product WHERE id = %s", [ids["product"]]
                )
                tmpl_id = cr.fetchone()[0]
                cr.execute("DELETE FROM product_product WHERE id = %s", [ids["product"]])
                cr.execute("DELETE FROM product_template WHERE id = %s", [tmpl_id])
                for table, trigger in GUARDS:
                    cr.execute(
                        SQL(
                            "ALTER TABLE %s ENABLE TRIGGER %s",
                            SQL.identifier(table),
                            SQL.identifier(trigger),
                        )
                    )
                self._restore_chain_state(cr, chain_state)
                cr.commit()  # pylint: disable=invalid-commit
