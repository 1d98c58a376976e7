# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..immex import hashing
from ..immex.pgarray import array_literal

LOG_ACTIONS = [
    ("create", "Created"),
    ("write", "Changed"),
    ("confirm", "Confirmed"),
    ("cancel", "Cancelled"),
    ("rectify", "Rectified"),
    ("reverse", "Reversed"),
    ("rerun", "Discharges re-run"),
]
# Chains kept per company; each has its head (last hash written) in the chain-head table.
CHAIN_LEDGER = "discharge"
CHAIN_LOG = "log"
CHAIN_SEAL = "line_seal"


class L10nMxImmexLog(models.Model):
    """The Annex 24 trail: who changed what, when, with the old and the new values.

    Append-only like the ledger: nobody writes or deletes a row through the ORM, and a
    database trigger refuses UPDATE, DELETE and TRUNCATE with no setting to switch it off
    (maintenance is a migration that drops the trigger, not a runtime switch). Rows are
    written only by server code through :meth:`_l10n_mx_immex_record` (one INSERT per call,
    whatever the number of records), and each carries a SHA-256 chain per company.
    """

    _name = "l10n_mx_immex.log"
    _description = "Annex 24 Trail"
    _order = "id desc"
    _rec_name = "model_name"

    model_name = fields.Char(string="Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="model_name", readonly=True, index=True
    )
    action = fields.Selection(selection=LOG_ACTIONS, required=True, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    changes = fields.Json(readonly=True, help="Field -> [old value, new value].")
    changes_text = fields.Text(string="Changes (text)", compute="_compute_changes_text")
    chain_hash = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    def _compute_changes_text(self):
        for row in self:
            row.changes_text = json.dumps(row.changes or {}, ensure_ascii=False, indent=1)

    def init(self):
        self.env.cr.execute(TRAIL_DDL)

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        # Server code writes the trail with _l10n_mx_immex_record (SQL): never a client.
        raise UserError(self.env._("The Annex 24 trail is written by the system only."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The Annex 24 trail cannot be modified."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_trail(self):
        raise UserError(self.env._("The Annex 24 trail cannot be deleted."))

    # ------------------------------------------------------------------
    # Chain heads (shared by the ledger, the trail and the line seals)
    # ------------------------------------------------------------------
    @api.model
    def _l10n_mx_immex_lock_heads(self, chain, company_ids):
        """Lock and return ``{company_id: head}`` of ``chain`` for these companies.

        The row lock serialises the writers of one company's chain: a second writer waits
        for the first to commit (under Odoo's REPEATABLE READ it then gets a serialization
        error and Odoo retries the request), so two batches never chain to the same head.
        """
        company_ids = sorted(set(company_ids))
        if not company_ids:
            return {}
        # one statement: creates the missing heads, locks them all, returns them
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO l10n_mx_immex_chain_head (company_id, chain, head)
                SELECT c, %s, '' FROM unnest(%s::int[]) AS c ORDER BY c
                ON CONFLICT (company_id, chain)
                DO UPDATE SET head = l10n_mx_immex_chain_head.head
                RETURNING company_id, head
                """,
                chain,
                company_ids,
            )
        )
        return dict(rows)

    @api.model
    def _l10n_mx_immex_set_heads(self, chain, heads):
        if not heads:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_chain_head h
                   SET head = v.head, write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%s::int[], %s::varchar[]) AS v(company_id, head)
                 WHERE h.company_id = v.company_id AND h.chain = %s
                """,
                list(heads),
                list(heads.values()),
                chain,
            )
        )

    @api.model
    def _l10n_mx_immex_heads(self, company):
        """``{chain: head}`` of a company, as recorded (not locked)."""
        return dict(
            self.env.execute_query(
                SQL(
                    "SELECT chain, head FROM l10n_mx_immex_chain_head WHERE company_id = %s",
                    company.id,
                )
            )
        )

    # ------------------------------------------------------------------
    # Writing the trail
    # ------------------------------------------------------------------
    @api.model
    def _l10n_mx_immex_canonical(
        self, company_id, model_name, res_id, action, user_id, when, changes
    ):
        """Canonical text of a trail row: the same from the values written and read back."""
        return self._l10n_mx_immex_canonical_text(
            company_id, model_name, res_id, action, user_id, when, hashing.canonical_json(changes)
        )

    @api.model
    def _l10n_mx_immex_canonical_text(
        self, company_id, model_name, res_id, action, user_id, when, changes_json
    ):
        """:meth:`_l10n_mx_immex_canonical` with the changes' canonical JSON already made."""
        return hashing.canonical(
            [company_id, model_name, res_id, action, user_id, when, changes_json]
        )

    @api.model
    def _l10n_mx_immex_record(self, entries):
        """Append trail rows: ``entries`` are dicts with ``model_name``, ``res_id``, ``action``,
        ``changes`` (``{field: [old, new]}``) and ``company_id``. One INSERT for all of them."""
        entries = [e for e in entries if e.get("changes") or e["action"] != "write"]
        if not entries:
            return
        uid = self.env.uid
        when = fields.Datetime.to_string(fields.Datetime.now())
        heads = self._l10n_mx_immex_lock_heads(
            CHAIN_LOG, [e["company_id"] or self.env.company.id for e in entries]
        )
        hashes, changes = [], []
        for entry in entries:
            company_id = entry["company_id"] or self.env.company.id
            entry["company_id"] = company_id
            # stored as read back: a JSON round trip keeps the hash reproducible
            value = json.loads(hashing.canonical_json(entry.get("changes") or {}))
            stored = hashing.canonical_json(value)
            changes.append(stored)
            text = self._l10n_mx_immex_canonical_text(
                company_id,
                entry["model_name"],
                entry["res_id"] or 0,
                entry["action"],
                uid,
                when,
                stored,
            )
            heads[company_id] = hashing.chain_batch(heads[company_id], [text])[0]
            hashes.append(heads[company_id])
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO l10n_mx_immex_log (model_name, res_id, action, user_id, changes,
                       chain_hash, company_id, create_uid, write_uid, create_date, write_date)
                SELECT v.model_name, v.res_id, v.action, %s, v.changes::jsonb, v.chain_hash,
                       v.company_id, %s, %s, %s, %s
                  FROM unnest(%s::varchar[], %s::int[], %s::varchar[], %s::text[],
                              %s::varchar[], %s::int[]) WITH ORDINALITY
                       AS v(model_name, res_id, action, changes, chain_hash, company_id, pos)
              ORDER BY v.pos
                """,
                uid,
                uid,
                uid,
                when,
                when,
                array_literal([e["model_name"] for e in entries]),
                array_literal([e["res_id"] or 0 for e in entries]),
                array_literal([e["action"] for e in entries]),
                array_literal(changes),
                array_literal(hashes),
                array_literal([e["company_id"] for e in entries]),
            )
        )
        self._l10n_mx_immex_set_heads(CHAIN_LOG, heads)
        self.invalidate_model()

    @api.model
    def _l10n_mx_immex_value(self, record, fname):
        """A field's value as the trail keeps it: ids for relations (names change, ids not;
        and computing names would cost every validation that writes a hundred lines)."""
        field = record._fields[fname]
        value = record[fname]
        if field.type == "many2one":
            return value.id or False
        if field.type in ("one2many", "many2many"):
            return value.ids
        if field.type in ("date", "datetime"):
            return (
                fields.Datetime.to_string(value)
                if field.type == "datetime"
                else (fields.Date.to_string(value))
            )
        return value

    @api.model
    def _l10n_mx_immex_trail_fields(self, records, vals):
        """Stored fields of ``vals`` worth a trail entry (not relations lists, not chatter)."""
        return [
            f
            for f in vals
            if f in records._fields
            and records._fields[f].store
            and records._fields[f].type not in ("one2many", "many2many")
            and not f.startswith(("message_", "activity_"))
        ]

    @api.model
    def _l10n_mx_immex_action(self, vals):
        return {"confirmed": "confirm", "cancelled": "cancel"}.get(vals.get("state"), "write")

    @api.model
    def _l10n_mx_immex_snapshot(self, records, fnames):
        """``{record id: {field: value}}`` of ``fnames`` before a write."""
        fnames = [f for f in fnames if f in records._fields and records._fields[f].store]
        if not fnames or not records:
            return {}
        return {rec.id: {f: self._l10n_mx_immex_value(rec, f) for f in fnames} for rec in records}

    @api.model
    def _l10n_mx_immex_log_write(self, records, old, action="write", company_field="company_id"):
        """One trail row per record whose snapshotted fields changed (one INSERT)."""
        if not old:
            return
        entries = []
        for rec in records:
            before = old.get(rec.id)
            if before is None:
                continue
            changes = {}
            for fname, value in before.items():
                new = self._l10n_mx_immex_value(rec, fname)
                if new != value:
                    changes[fname] = [value, new]
            if changes or action != "write":
                entries.append(
                    {
                        "model_name": rec._name,
                        "res_id": rec.id,
                        "action": action,
                        "changes": changes,
                        "company_id": self._l10n_mx_immex_company_of(rec, company_field),
                    }
                )
        self._l10n_mx_immex_record(entries)

    @api.model
    def _l10n_mx_immex_log_create(self, records, fnames, company_field="company_id"):
        entries = []
        for rec in records:
            changes = {
                f: [False, self._l10n_mx_immex_value(rec, f)]
                for f in fnames
                if f in rec._fields and rec._fields[f].store
            }
            entries.append(
                {
                    "model_name": rec._name,
                    "res_id": rec.id,
                    "action": "create",
                    "changes": changes,
                    "company_id": self._l10n_mx_immex_company_of(rec, company_field),
                }
            )
        self._l10n_mx_immex_record(entries)

    @api.model
    def _l10n_mx_immex_company_of(self, rec, company_field):
        if rec._name == "res.company":
            return rec.id
        company = rec[company_field] if company_field in rec._fields else False
        return company.id if company else self.env.company.id


# Static DDL (no user input), idempotent: the trail's guard, the chain heads, the line seals.
TRAIL_DDL = """
CREATE OR REPLACE FUNCTION l10n_mx_immex_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- no setting opens it: changing these rows takes a migration that drops the trigger
    RAISE EXCEPTION 'Annex 24 %: rows are append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS l10n_mx_immex_log_append_only ON l10n_mx_immex_log;
CREATE TRIGGER l10n_mx_immex_log_append_only
    BEFORE UPDATE OR DELETE ON l10n_mx_immex_log
    FOR EACH ROW EXECUTE FUNCTION l10n_mx_immex_refuse_change();
DROP TRIGGER IF EXISTS l10n_mx_immex_log_no_truncate ON l10n_mx_immex_log;
CREATE TRIGGER l10n_mx_immex_log_no_truncate
    BEFORE TRUNCATE ON l10n_mx_immex_log
    FOR EACH STATEMENT EXECUTE FUNCTION l10n_mx_immex_refuse_change();

CREATE TABLE IF NOT EXISTS l10n_mx_immex_chain_head (
    company_id INTEGER NOT NULL,
    chain VARCHAR NOT NULL,
    head VARCHAR NOT NULL DEFAULT '',
    write_date TIMESTAMP,
    PRIMARY KEY (company_id, chain)
);
COMMENT ON TABLE l10n_mx_immex_chain_head IS 'Annex 24: last hash of each chain per company';

CREATE TABLE IF NOT EXISTS l10n_mx_immex_line_seal (
    id SERIAL PRIMARY KEY,
    company_id INTEGER NOT NULL,
    line_id INTEGER NOT NULL,
    content JSONB NOT NULL,
    chain_hash VARCHAR NOT NULL,
    create_uid INTEGER,
    create_date TIMESTAMP
);
COMMENT ON TABLE l10n_mx_immex_line_seal IS
    'Annex 24: legal values of confirmed pedimento lines, hash-chained per company';
CREATE INDEX IF NOT EXISTS l10n_mx_immex_line_seal_line_idx ON l10n_mx_immex_line_seal (line_id);
DROP TRIGGER IF EXISTS l10n_mx_immex_line_seal_append_only ON l10n_mx_immex_line_seal;
CREATE TRIGGER l10n_mx_immex_line_seal_append_only
    BEFORE UPDATE OR DELETE ON l10n_mx_immex_line_seal
    FOR EACH ROW EXECUTE FUNCTION l10n_mx_immex_refuse_change();
DROP TRIGGER IF EXISTS l10n_mx_immex_line_seal_no_truncate ON l10n_mx_immex_line_seal;
CREATE TRIGGER l10n_mx_immex_line_seal_no_truncate
    BEFORE TRUNCATE ON l10n_mx_immex_line_seal
    FOR EACH STATEMENT EXECUTE FUNCTION l10n_mx_immex_refuse_change();
"""
