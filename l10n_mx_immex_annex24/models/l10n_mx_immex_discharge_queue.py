# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Exits whose discharge waits for balances another exit holds.

Odoo runs every request in a REPEATABLE READ transaction. When two deliveries validated at
the same time need the same oldest balances, the second one's lock waits for the first, and
once the first commits PostgreSQL refuses the second ("could not serialize access"): Odoo
retries the whole validation five times, and under load some still fail. A validation
therefore never waits for a balance: when one is held or changed since its snapshot, its
exit moves are marked ``queued`` (committed with the delivery, so nothing is lost) and
discharged right after the commit, in a READ COMMITTED transaction of their own, which
waits for the holder and then sees what it committed. A scheduled action completes what
that step could not (a crash, a server stop).
"""

import logging
import random
import time

from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(class, company): one queue run per company at a time.
LOCK_CLASS = 2424
TRIES = 5
POSTCOMMIT_KEY = "l10n_mx_immex.discharge_queue"


class L10nMxImmexDischargeQueue(models.AbstractModel):
    _name = "l10n_mx_immex.discharge.queue"
    _description = "Annex 24 Discharges To Complete"

    @api.model
    def _queue_waiting(self, company):
        """Whether exit moves of the company already wait (a later exit must queue too)."""
        self.env["stock.move"].flush_model(["l10n_mx_immex_discharge_state", "company_id"])
        return bool(
            self.env.execute_query(
                SQL(
                    "SELECT 1 FROM stock_move WHERE l10n_mx_immex_discharge_state = 'queued' "
                    "AND company_id = %s LIMIT 1",
                    company.id,
                )
            )
        )

    @api.model
    def _schedule(self, companies):
        """Run the queue of these companies once the current transaction commits."""
        cr = self.env.cr
        scheduled = cr.postcommit.data.setdefault(POSTCOMMIT_KEY, set())
        if not scheduled:
            registry = self.env.registry

            @cr.postcommit.add
            def run_queue():
                with registry.cursor() as new_cr:
                    env = api.Environment(new_cr, SUPERUSER_ID, {})
                    env[self._name]._run(list(scheduled))

        scheduled.update(companies.ids)

    @api.model
    def _cron_run(self):
        self._run(None)

    @api.model
    def _run(self, company_ids):
        """Process the queue in transactions of its own, READ COMMITTED, with retries.

        Called outside any transaction of the caller's (after a commit, or by the cron):
        every failure leaves the moves queued for the next run.
        """
        registry = self.env.registry
        for attempt in range(TRIES):
            try:
                with registry.cursor() as cr:
                    # each statement sees what committed before it: a lock that waited
                    # reads the holder's balances instead of failing to serialize
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    companies = env["res.company"].browse(company_ids or [])
                    env[self._name]._process(companies)
                return
            except (errors.SerializationFailure, errors.DeadlockDetected):
                time.sleep(random.uniform(0.0, 0.05 * 2**attempt))
            except Exception:
                _logger.exception("Annex 24: queued discharges left for the scheduled action")
                return
        _logger.warning("Annex 24: queued discharges left for the scheduled action")

    @api.model
    def _process(self, companies=None):
        """Discharge the queued exit moves, oldest exit first, one company at a time.

        Works in the caller's transaction. A group that fails stays queued (logged) and
        does not hold back the others. Returns the moves discharged.
        """
        Move = self.env["stock.move"].sudo()
        domain = [("l10n_mx_immex_discharge_state", "=", "queued")]
        if companies:
            domain.append(("company_id", "in", companies.ids))
        done = Move.browse()
        for company, moves in Move.search(domain).grouped("company_id").items():
            self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_CLASS, company.id))
            # another run may have taken them while this one waited for the lock
            moves.invalidate_recordset(["l10n_mx_immex_discharge_state"])
            moves = moves.filtered(lambda m: m.l10n_mx_immex_discharge_state == "queued")
            groups = moves.grouped(lambda m: m.picking_id.l10n_mx_immex_pedimento_id)
            for ped, group in sorted(
                groups.items(),
                key=lambda item: (
                    item[0].entry_date or min(fields.Date.to_date(m.date) for m in item[1]),
                    min(item[1].ids),
                ),
            ):
                try:
                    with self.env.cr.savepoint():
                        group._l10n_mx_immex_discharge_now(company, ped)
                        group._l10n_mx_immex_set_discharge_state(False)
                except (errors.SerializationFailure, errors.DeadlockDetected):
                    raise
                except Exception:
                    _logger.exception(
                        "Annex 24: queued discharge of moves %s failed; left queued", group.ids
                    )
                    continue
                done |= group
        return done
