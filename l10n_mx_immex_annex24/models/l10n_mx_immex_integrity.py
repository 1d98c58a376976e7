# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tamper evidence: seals of confirmed pedimento lines, and the integrity verification.

Three SHA-256 chains per company (see :mod:`..immex.hashing`): the discharge ledger, the
trail (``l10n_mx_immex.log``) and the seals of the legal values of confirmed pedimento
lines. Each row's hash covers its canonical content and the previous row's hash; the last
hash of each chain (its head) is kept apart and leaves the database with every integrity
run, so even a complete rewrite of a chain is caught against a head an auditor kept.
"""

import io
import json

from odoo import api, fields, models
from odoo.tools import SQL

from ..immex import hashing
from ..immex.pgarray import array_literal
from ..immex.quantities import TOLERANCE, balance_sql
from .l10n_mx_immex_discharge_service import HASH_COLUMNS, HASH_FLOAT_POSITIONS
from .l10n_mx_immex_log import CHAIN_LEDGER, CHAIN_LOG, CHAIN_SEAL
from .l10n_mx_immex_pedimento import LEGAL_HEADER_FIELDS
from .l10n_mx_immex_pedimento_line import LEGAL_LINE_FIELDS

# Legal values a line seal covers: the header's, then the line's (as stored), the very fields
# that confirmation locks.
SEAL_HEADER_FIELDS = LEGAL_HEADER_FIELDS
SEAL_LINE_FIELDS = LEGAL_LINE_FIELDS
LEDGER_CHUNK = 250000
BALANCE_TOLERANCE = TOLERANCE


class L10nMxImmexIntegrity(models.AbstractModel):
    _name = "l10n_mx_immex.integrity"
    _description = "Annex 24 Integrity"

    # ------------------------------------------------------------------
    # Seals of confirmed pedimento lines
    # ------------------------------------------------------------------
    @api.model
    def _line_contents(self, condition):
        """``[(line_id, company_id, pedimento_id, [texts])]`` of the lines matching
        ``condition`` (an SQL on ``l`` and ``p``), in id order; the texts are the canonical
        text of each sealed value, the line id first."""
        self.env["l10n_mx_immex.pedimento"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        columns = SQL(", ").join(
            [SQL.identifier("p", name) for name in SEAL_HEADER_FIELDS]
            + [SQL.identifier("l", name) for name in SEAL_LINE_FIELDS]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.id, p.company_id, p.id, %s
                  FROM l10n_mx_immex_pedimento_line l
                  JOIN l10n_mx_immex_pedimento p ON p.id = l.pedimento_id
                 WHERE %s
              ORDER BY l.id
                """,
                columns,
                condition,
            )
        )
        return [(row[0], row[1], row[2], hashing.texts([row[0], *row[3:]])) for row in rows]

    @api.model
    def _seal_lines(self, lines):
        """Seal the legal values of confirmed lines (one INSERT; chained per company)."""
        if not lines:
            return
        contents = self._line_contents(SQL("l.id = ANY(%s::int[])", array_literal(lines.ids)))
        if not contents:
            return
        Log = self.env["l10n_mx_immex.log"]
        heads = Log._l10n_mx_immex_lock_heads(CHAIN_SEAL, {c[1] for c in contents})
        hashes = []
        for __, company_id, __, texts in contents:
            text = "|".join(texts).encode("utf-8")
            heads[company_id] = hashing.chain_batch(heads[company_id], [text])[0]
            hashes.append(heads[company_id])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO l10n_mx_immex_line_seal
                       (company_id, line_id, content, chain_hash, create_uid, create_date)
                SELECT v.company_id, v.line_id, v.content::jsonb, v.chain_hash, %s, %s
                  FROM unnest(%s::int[], %s::int[], %s::text[], %s::varchar[])
                       WITH ORDINALITY AS v(company_id, line_id, content, chain_hash, pos)
              ORDER BY v.pos
                """,
                self.env.uid,
                fields.Datetime.now(),
                array_literal([c[1] for c in contents]),
                array_literal([c[0] for c in contents]),
                array_literal([json.dumps(c[3], ensure_ascii=False) for c in contents]),
                array_literal(hashes),
            )
        )
        Log._l10n_mx_immex_set_heads(CHAIN_SEAL, heads)

    # ------------------------------------------------------------------
    # Verification
    # ------------------------------------------------------------------
    @api.model
    def _verify(self, company):
        """Recompute every chain and stored balance of ``company`` (see res.company)."""
        heads = self.env["l10n_mx_immex.log"]._l10n_mx_immex_heads(company)
        broken, checked, last = [], 0, {}
        for chain, model_name, check in (
            (CHAIN_LEDGER, "l10n_mx_immex.discharge", self._verify_ledger),
            (CHAIN_SEAL, "l10n_mx_immex.pedimento.line", self._verify_seal_chain),
            (CHAIN_LOG, "l10n_mx_immex.log", self._verify_log),
        ):
            count, breaks, tail = check(company, heads.get(chain))
            checked += count
            last[chain] = tail
            if breaks:
                row_id, reason = breaks
                broken.append(
                    {
                        "model": model_name,
                        "id": row_id or 0,
                        "reason": self._reason(chain, reason),
                    }
                )
        count, seal_breaks = self._verify_seal_values(company)
        checked += count
        broken += seal_breaks
        count, balance_breaks = self._verify_balances(company)
        checked += count
        broken += balance_breaks
        return {
            "ok": not broken,
            "checked": checked,
            "broken": broken,
            "company_id": company.id,
            "cut_off": fields.Datetime.to_string(fields.Datetime.now()),
            "heads": {
                chain: heads.get(chain) or "" for chain in (CHAIN_LEDGER, CHAIN_SEAL, CHAIN_LOG)
            },
            "computed_heads": {
                chain: (tail or (None, None))[1] or "" for chain, tail in last.items()
            },
        }

    @api.model
    def _reason(self, chain, reason):
        what = {
            CHAIN_LEDGER: self.env._("ledger"),
            CHAIN_SEAL: self.env._("pedimento line seals"),
            CHAIN_LOG: self.env._("trail"),
        }[chain]
        if reason == "head":
            return self.env._(
                "The %(chain)s chain does not end at its recorded head: rows after this one "
                "were deleted, or rows were added outside the system.",
                chain=what,
            )
        if reason == "missing_hash":
            return self.env._(
                "First broken row of the %(chain)s chain: it has no hash (written outside "
                "the system).",
                chain=what,
            )
        return self.env._(
            "First broken row of the %(chain)s chain: its content or the row before it was "
            "changed, deleted or inserted outside the system.",
            chain=what,
        )

    @api.model
    def _verify_ledger(self, company, head):
        """The ledger chain, streamed with COPY in id order (1,000,000 rows in seconds)."""
        self.env["l10n_mx_immex.discharge"].flush_model()
        self.env.cr.execute("SET LOCAL extra_float_digits = 1")  # shortest exact floats
        counter = [0]

        def rows():
            last_id = 0
            columns = ", ".join(HASH_COLUMNS)
            positions = HASH_FLOAT_POSITIONS
            canonical = hashing.line_from_copy
            while True:
                buffer = io.StringIO()
                # static column list and integers only
                self.env.cr._obj.copy_expert(
                    f"COPY (SELECT id, chain_hash, {columns} FROM l10n_mx_immex_discharge "
                    f"WHERE company_id = {int(company.id)} AND id > {int(last_id)} "
                    f"ORDER BY id LIMIT {LEDGER_CHUNK}) TO STDOUT",
                    buffer,
                )
                lines = buffer.getvalue().splitlines()
                del buffer
                if not lines:
                    return
                for line in lines:
                    parts = line.split("\t")
                    stored = parts[1]
                    yield (
                        0,
                        int(parts[0]),
                        canonical(parts[2:], positions),
                        None if stored == "\\N" else stored,
                    )
                counter[0] += len(lines)
                last_id = int(lines[-1].split("\t", 1)[0])

        breaks, last = hashing.verify_chains(rows(), {0: head or ""})
        return counter[0], breaks.get(0), last.get(0)

    @api.model
    def _verify_seal_chain(self, company, head):
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id, content, chain_hash FROM l10n_mx_immex_line_seal
                 WHERE company_id = %s ORDER BY id
                """,
                company.id,
            )
        )
        items = (
            (0, seal_id, "|".join(self._json(content)).encode("utf-8"), stored)
            for seal_id, content, stored in rows
        )
        breaks, last = hashing.verify_chains(items, {0: head or ""})
        found = breaks.get(0)
        if found:
            # name the line whose seal broke, not the seal's own row
            seal_line = dict((r[0], self._json(r[1])[0]) for r in rows)
            found = (int(seal_line.get(found[0], 0) or 0), found[1])
        return len(rows), found, last.get(0)

    @api.model
    def _verify_seal_values(self, company):
        """Lines whose legal values no longer match their (latest) seal."""
        seals = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT ON (line_id) line_id, content
                  FROM l10n_mx_immex_line_seal WHERE company_id = %s
              ORDER BY line_id, id DESC
                """,
                company.id,
            )
        )
        if not seals:
            return 0, []
        current = {
            line_id: (ped_id, texts)
            for line_id, __, ped_id, texts in self._line_contents(
                SQL("l.id = ANY(%s)", [s[0] for s in seals])
            )
        }
        names = ("id",) + SEAL_HEADER_FIELDS + SEAL_LINE_FIELDS
        header = set(SEAL_HEADER_FIELDS)
        broken, seen_headers = [], set()
        for line_id, content in seals:
            sealed = self._json(content)
            ped_id, texts = current.get(line_id, (None, None))
            if texts is None:
                broken.append(
                    {
                        "model": "l10n_mx_immex.pedimento.line",
                        "id": line_id,
                        "reason": self.env._("Confirmed pedimento line deleted."),
                    }
                )
                continue
            if len(sealed) != len(texts):
                # a seal of another layout (a later version seals more values): compare all
                changed = ["id"] if sealed != texts else []
            else:
                changed = [
                    n for n, old, new in zip(names, sealed, texts, strict=True) if old != new
                ]
            head_changed = [n for n in changed if n in header]
            line_changed = [n for n in changed if n not in header]
            if head_changed and ped_id not in seen_headers:
                seen_headers.add(ped_id)
                broken.append(
                    {
                        "model": "l10n_mx_immex.pedimento",
                        "id": ped_id,
                        "reason": self.env._(
                            "Legal data changed after confirmation: %(fields)s.",
                            fields=", ".join(head_changed),
                        ),
                    }
                )
            if line_changed:
                broken.append(
                    {
                        "model": "l10n_mx_immex.pedimento.line",
                        "id": line_id,
                        "reason": self.env._(
                            "Legal data changed after confirmation: %(fields)s.",
                            fields=", ".join(line_changed),
                        ),
                    }
                )
        return len(seals), broken

    @api.model
    def _verify_log(self, company, head):
        Log = self.env["l10n_mx_immex.log"]
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id, company_id, model_name, res_id, action, user_id, create_date,
                       changes, chain_hash
                  FROM l10n_mx_immex_log WHERE company_id = %s ORDER BY id
                """,
                company.id,
            )
        )
        items = (
            (
                0,
                row[0],
                Log._l10n_mx_immex_canonical(
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    fields.Datetime.to_string(row[6]),
                    self._json(row[7]) or {},
                ),
                row[8],
            )
            for row in rows
        )
        breaks, last = hashing.verify_chains(items, {0: head or ""})
        return len(rows), breaks.get(0), last.get(0)

    @api.model
    def _verify_balances(self, company):
        """Stored balances recomputed from the ledger and the declared quantities."""
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                WITH ledger AS (
                    SELECT import_line_id, SUM(quantity) AS qty
                      FROM l10n_mx_immex_discharge WHERE company_id = %(company)s
                  GROUP BY import_line_id
                )
                -- the declared quantity in the product's unit (the balance's), recomputed
                -- from the legal columns rather than read from its stored conversion
                , lines AS (
                    SELECT l.*, l.quantity * lu.factor / pu.factor AS declared
                      FROM l10n_mx_immex_pedimento_line l
                      JOIN uom_uom lu ON lu.id = l.uom_id
                      JOIN product_product pp ON pp.id = l.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN uom_uom pu ON pu.id = pt.uom_id
                )
                SELECT l.id, l.qty_discharged, COALESCE(d.qty, 0), l.qty_balance,
                       %(balance)s
                  FROM lines l
             LEFT JOIN ledger d ON d.import_line_id = l.id
                 WHERE (l.company_id = %(company)s OR l.id IN (SELECT import_line_id FROM ledger))
                   AND (ABS(COALESCE(l.qty_discharged, 0) - COALESCE(d.qty, 0)) > %(tol)s
                        OR ABS(COALESCE(l.qty_balance, 0) - %(balance)s) > %(tol)s)
              ORDER BY l.id
                """,
                company=company.id,
                tol=BALANCE_TOLERANCE,
                # the one balance formula, from the ledger's sum
                balance=SQL(balance_sql("l", "COALESCE(d.qty, 0)", declared="l.declared")[0]),
            )
        )
        count = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM l10n_mx_immex_pedimento_line WHERE company_id = %s",
                company.id,
            )
        )[0][0]
        broken = []
        for line_id, discharged, expected_discharged, balance, expected_balance in rows:
            broken.append(
                {
                    "model": "l10n_mx_immex.pedimento.line",
                    "id": line_id,
                    "reason": self.env._(
                        "Stored balance differs from the ledger: discharged %(discharged)s "
                        "(ledger: %(expected_discharged)s), balance %(balance)s (expected "
                        "%(expected_balance)s).",
                        discharged=round(float(discharged or 0.0), 6),
                        expected_discharged=round(float(expected_discharged), 6),
                        balance=round(float(balance or 0.0), 6),
                        expected_balance=round(float(expected_balance), 6),
                    ),
                }
            )
        return count, broken

    @api.model
    def _json(self, value):
        return json.loads(value) if isinstance(value, str) else value
