# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

DISCHARGE_KINDS = [
    ("export", "Export of finished goods"),
    ("return", "Return in the same state"),
    ("transfer", "Virtual transfer"),
    ("regime_change", "Change of regime"),
    ("destruction", "Destruction"),
    ("donation", "Donation"),
    ("regularization", "Regularisation"),
    ("packaging", "Packaging on national exports"),
    ("opening", "Opening balance (discharged before go-live)"),
    ("adjustment", "Adjustment (rectification)"),
    ("reversal", "Reversal"),
]


class L10nMxImmexDischarge(models.Model):
    """One row of the append-only discharge ledger (descargo) or of its reversal.

    Rows are never edited nor deleted, not even by the superuser through the ORM nor by
    SQL (a database trigger refuses it, whatever the session sets: maintenance is a
    migration that drops and recreates the trigger): a correction is a reversal row
    (negative quantity) pointing at the row it cancels, so the balance of a pedimento line is
    always the plain sum of its rows. Nobody creates rows through the ORM either: only the
    discharge service writes them, from exits it read itself.

    The table is created by :meth:`init` rather than by the ORM (``_auto = False``): a plant
    writes about a million rows a month, and row-by-row foreign-key triggers made a bulk
    insert eight times slower than the insert itself. The references are checked instead
    by one set-based statement-level trigger per INSERT (same guarantee, one anti-join per
    reference), and the referenced records (confirmed pedimentos, done moves...) cannot be
    deleted in Odoo anyway.
    """

    _name = "l10n_mx_immex.discharge"
    _description = "Annex 24 Discharge"
    _order = "date desc, id desc"
    _check_company_auto = True
    _auto = False
    _log_access = True

    import_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        required=True,
        ondelete="restrict",
        check_company=True,
    )
    import_pedimento_id = fields.Many2one(
        related="import_line_id.pedimento_id",
        store=True,
        precompute=True,
        string="Import Pedimento",
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Imported Good",
        required=True,
        ondelete="restrict",
    )
    # rows of different goods are in different units (m, kg, pieces): no group totals
    quantity = fields.Float(digits="Product Unit", required=True, aggregator=None)
    quantity_tariff = fields.Float(string="Quantity (UMT)", digits="Product Unit", aggregator=None)
    date = fields.Date(required=True, default=fields.Date.context_today)
    kind = fields.Selection(selection=DISCHARGE_KINDS, required=True)
    exit_pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        ondelete="restrict",
    )
    exit_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        ondelete="restrict",
    )
    move_id = fields.Many2one(comodel_name="stock.move", ondelete="restrict")
    production_id = fields.Many2one(comodel_name="mrp.production", ondelete="restrict")
    finished_product_id = fields.Many2one(
        comodel_name="product.product", string="Finished Good", ondelete="restrict"
    )
    reversed_id = fields.Many2one(
        comodel_name="l10n_mx_immex.discharge",
        string="Reverses",
        ondelete="restrict",
    )
    event_id = fields.Many2one(
        comodel_name="l10n_mx_immex.exit.event",
        string="Exit Event",
        ondelete="restrict",
    )
    pending_id = fields.Many2one(
        comodel_name="l10n_mx_immex.discharge.pending",
        string="Settles Pending",
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    is_directed = fields.Boolean(
        string="Directed",
        readonly=True,
        help="The row follows the import lines the exit pedimento declares (its descargo "
        "records) instead of FIFO.",
    )
    corrects_date = fields.Date(
        readonly=True,
        help="A correction of a closed Annex 24 period: the date it corrects. The row itself "
        "takes effect on its own date, after the period's lock date.",
    )
    chain_hash = fields.Char(
        readonly=True,
        help="SHA-256 of the row's content and of the previous row's hash (per company).",
    )

    def init(self):
        self.env.cr.execute(LEDGER_DDL)

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        # A ledger row states that goods left Mexico: only the discharge service writes
        # them (``_insert_ledger``), from exits it read itself. No caller, manager or
        # superuser, fabricates one, a negative one raising a balance least of all.
        raise UserError(
            self.env._(
                "Annex 24 discharges are written by the system from exits (deliveries, exit "
                "events, re-runs); they cannot be created by hand."
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        # The ledger is append-only for everyone, the superuser included.
        raise UserError(
            self.env._("Annex 24 discharges cannot be modified. Record a reversal instead.")
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(
            self.env._("Annex 24 discharges cannot be deleted. Record a reversal instead.")
        )


# References checked in one statement per INSERT: (column, referenced table).
LEDGER_REFERENCES = [
    ("import_line_id", "l10n_mx_immex_pedimento_line"),
    ("import_pedimento_id", "l10n_mx_immex_pedimento"),
    ("product_id", "product_product"),
    ("exit_pedimento_id", "l10n_mx_immex_pedimento"),
    ("exit_line_id", "l10n_mx_immex_pedimento_line"),
    ("move_id", "stock_move"),
    ("production_id", "mrp_production"),
    ("finished_product_id", "product_product"),
    ("reversed_id", "l10n_mx_immex_discharge"),
    ("event_id", "l10n_mx_immex_exit_event"),
    ("pending_id", "l10n_mx_immex_discharge_pending"),
    ("company_id", "res_company"),
]
# Each column's distinct values first (one hash over the statement's rows), then one index
# probe per distinct value: a million-row insert references a few thousand lines and moves,
# and the planner has no statistics on a transition table to find that out by itself.
_CHECKS = "\n".join(
    f"""    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT {column} AS ref FROM new_rows
                               WHERE {column} IS NOT NULL) n
                  WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = n.ref)) THEN
        RAISE EXCEPTION 'Annex 24 ledger: unknown {column}' USING ERRCODE = 'foreign_key_violation';
    END IF;"""
    for column, table in LEDGER_REFERENCES
)
# Static DDL (no user input): the table, its indexes and its guards, idempotent.
LEDGER_DDL = f"""
CREATE TABLE IF NOT EXISTS l10n_mx_immex_discharge (
    id SERIAL PRIMARY KEY,
    import_line_id INTEGER NOT NULL,
    import_pedimento_id INTEGER,
    product_id INTEGER NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    quantity_tariff DOUBLE PRECISION,
    date DATE NOT NULL,
    kind VARCHAR NOT NULL,
    exit_pedimento_id INTEGER,
    exit_line_id INTEGER,
    move_id INTEGER,
    production_id INTEGER,
    finished_product_id INTEGER,
    reversed_id INTEGER,
    event_id INTEGER,
    pending_id INTEGER,
    company_id INTEGER NOT NULL,
    corrects_date DATE,
    is_directed BOOLEAN NOT NULL DEFAULT FALSE,
    chain_hash VARCHAR,
    create_uid INTEGER,
    create_date TIMESTAMP,
    write_uid INTEGER,
    write_date TIMESTAMP
);
COMMENT ON TABLE l10n_mx_immex_discharge IS 'Annex 24 Discharge (append-only ledger)';
ALTER TABLE l10n_mx_immex_discharge ADD COLUMN IF NOT EXISTS corrects_date DATE;
ALTER TABLE l10n_mx_immex_discharge ADD COLUMN IF NOT EXISTS chain_hash VARCHAR;
ALTER TABLE l10n_mx_immex_discharge
    ADD COLUMN IF NOT EXISTS is_directed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_import_line_idx
    ON l10n_mx_immex_discharge (import_line_id);
-- goods that left as they came (no finished good, no production): what the stock by regime
-- reads. Partial: exports of finished goods, most of the ledger, do not pay for it.
DROP INDEX IF EXISTS l10n_mx_immex_discharge_product_idx;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_direct_product_idx
    ON l10n_mx_immex_discharge (product_id)
 WHERE finished_product_id IS NULL AND production_id IS NULL;
-- (company, date), covering what the reports' balances as of a date (and as recorded up
-- to a date) read: they scan this index alone. It replaces the plain (company, date)
-- index, so the ledger keeps as many indexes to update on every insert.
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_report_idx
    ON l10n_mx_immex_discharge (company_id, date) INCLUDE (import_line_id, quantity, create_date);
DROP INDEX IF EXISTS l10n_mx_immex_discharge_company_date_idx;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_move_idx
    ON l10n_mx_immex_discharge (move_id) WHERE move_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_exit_pedimento_idx
    ON l10n_mx_immex_discharge (exit_pedimento_id) WHERE exit_pedimento_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_reversed_idx
    ON l10n_mx_immex_discharge (reversed_id) WHERE reversed_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_production_idx
    ON l10n_mx_immex_discharge (production_id) WHERE production_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_event_idx
    ON l10n_mx_immex_discharge (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS l10n_mx_immex_discharge_pending_idx
    ON l10n_mx_immex_discharge (pending_id) WHERE pending_id IS NOT NULL;

-- Every INSERT is checked, the service's own too: no session setting skips it.
CREATE OR REPLACE FUNCTION l10n_mx_immex_discharge_check_refs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
{_CHECKS}
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS l10n_mx_immex_discharge_refs ON l10n_mx_immex_discharge;
CREATE TRIGGER l10n_mx_immex_discharge_refs
    AFTER INSERT ON l10n_mx_immex_discharge
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION l10n_mx_immex_discharge_check_refs();

-- No switch: a maintenance that must rewrite rows is a migration script that drops and
-- recreates this trigger, recorded as such, never a setting a session can send.
CREATE OR REPLACE FUNCTION l10n_mx_immex_discharge_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'Annex 24 discharges are append-only: the ledger cannot be truncated'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the ORM may fill a derived column right after its INSERT: the legal data never moves
    IF TG_OP = 'UPDATE' AND (
        NEW.id, NEW.import_line_id, NEW.product_id, NEW.quantity, NEW.quantity_tariff,
        NEW.date, NEW.kind, NEW.exit_pedimento_id, NEW.exit_line_id, NEW.move_id,
        NEW.production_id, NEW.finished_product_id, NEW.reversed_id, NEW.event_id,
        NEW.pending_id, NEW.company_id, NEW.corrects_date, NEW.is_directed, NEW.create_uid,
        NEW.create_date
    ) IS NOT DISTINCT FROM (
        OLD.id, OLD.import_line_id, OLD.product_id, OLD.quantity, OLD.quantity_tariff,
        OLD.date, OLD.kind, OLD.exit_pedimento_id, OLD.exit_line_id, OLD.move_id,
        OLD.production_id, OLD.finished_product_id, OLD.reversed_id, OLD.event_id,
        OLD.pending_id, OLD.company_id, OLD.corrects_date, OLD.is_directed, OLD.create_uid,
        OLD.create_date
    ) AND (OLD.import_pedimento_id IS NULL
           OR NEW.import_pedimento_id IS NOT DISTINCT FROM OLD.import_pedimento_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Annex 24 discharges are append-only: record a reversal instead'
        USING ERRCODE = 'insufficient_privilege';
END $$;
DROP TRIGGER IF EXISTS l10n_mx_immex_discharge_append_only ON l10n_mx_immex_discharge;
CREATE TRIGGER l10n_mx_immex_discharge_append_only
    BEFORE UPDATE OR DELETE ON l10n_mx_immex_discharge
    FOR EACH ROW EXECUTE FUNCTION l10n_mx_immex_discharge_append_only();
-- a discharge takes a quantity out; only a reversal (of a given row) puts one back, and a
-- rectification's adjustment moves a balance either way (an R1 raising a declared quantity
-- from 100 to 120 is a row of -20). NaN sorts above every number in PostgreSQL: the upper
-- bound refuses it too. Older databases hold the check without adjustments: replaced once.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_constraint
                WHERE conname = 'l10n_mx_immex_discharge_quantity_sign'
                  AND pg_get_constraintdef(oid) NOT LIKE '%adjustment%') THEN
        ALTER TABLE l10n_mx_immex_discharge
            DROP CONSTRAINT l10n_mx_immex_discharge_quantity_sign;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conname = 'l10n_mx_immex_discharge_quantity_sign') THEN
        ALTER TABLE l10n_mx_immex_discharge ADD CONSTRAINT l10n_mx_immex_discharge_quantity_sign
            CHECK (quantity > -1e12 AND quantity < 1e12 AND (
                   kind NOT IN ('reversal', 'adjustment') AND quantity >= 0
                   OR kind = 'reversal' AND quantity <= 0 AND reversed_id IS NOT NULL
                   OR kind = 'adjustment'));
    END IF;
END $$;
DROP TRIGGER IF EXISTS l10n_mx_immex_discharge_no_truncate ON l10n_mx_immex_discharge;
CREATE TRIGGER l10n_mx_immex_discharge_no_truncate
    BEFORE TRUNCATE ON l10n_mx_immex_discharge
    FOR EACH STATEMENT EXECUTE FUNCTION l10n_mx_immex_discharge_append_only();
"""
