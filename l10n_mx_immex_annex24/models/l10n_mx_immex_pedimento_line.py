# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..immex import plazos
from ..immex import quantities as qty_lib
from ..immex import units as units_lib
from ..immex.pgarray import array_literal
from . import l10n_mx_immex_guard as guard

# Fields of a partida that are legal data: frozen once the pedimento is confirmed, and (in
# this order) what its seal covers (integrity).
LEGAL_LINE_FIELDS = (
    "pedimento_id",
    "sequence",
    "product_id",
    "fraction_id",
    "quantity",
    "uom_id",
    "quantity_tariff",
    "uom_tariff_id",
    "value_mxn",
    "value_usd",
    "origin_country_id",
    "seller_country_id",
)
LOCKED_LINE_FIELDS = set(LEGAL_LINE_FIELDS)
CONTROLLED_TYPES = ("input", "packaging", "fixed_asset", "finished")
# Written only by the addon: balances follow the ledger, stamps the registration.
SERVER_LINE_FIELDS = {
    "registered_at",
    "origin",
    "qty_discharged",
    "qty_balance",
    "qty_balance_tariff",
    "qty_rectification",
    "rectified_by_id",
}
# What a confirmed rectification (R1) may change on the line it rectifies, in place and with
# its trail; the declared quantity stays as filed (its change is a ledger adjustment).
RECTIFIABLE_LINE_FIELDS = (
    "fraction_id",
    "quantity_tariff",
    "uom_tariff_id",
    "value_mxn",
    "value_usd",
    "origin_country_id",
    "seller_country_id",
)
# Stored balances may differ from exact arithmetic by rounding dust only.
QTY_TOLERANCE = qty_lib.TOLERANCE


class L10nMxImmexPedimentoLine(models.Model):
    _name = "l10n_mx_immex.pedimento.line"
    _description = "Pedimento Line (Partida)"
    _order = "fifo_date, pedimento_name, sequence, id"
    _check_company_auto = True
    _rec_names_search = ["pedimento_name", "product_id"]

    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        required=True,
        ondelete="cascade",
        index=True,
    )
    pedimento_name = fields.Char(related="pedimento_id.name", store=True, string="Pedimento Number")
    sequence = fields.Integer(string="Partida", required=True, default=0)
    product_id = fields.Many2one(
        comodel_name="product.product", required=True, index=True, check_company=True
    )
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id")
    material_type = fields.Selection(
        related="product_id.product_tmpl_id.l10n_mx_immex_type", store=True
    )
    fraction_id = fields.Many2one(
        comodel_name="l10n_mx_catalogs.c_fraccion",
        string="Tariff Fraction",
        compute="_compute_fraction_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Tariff fraction + NICO (10 digits) declared on the partida.",
    )
    quantity = fields.Float(
        string="Quantity (UMC)",
        digits="Product Unit",
        required=True,
        help="Declared quantity in the commercial unit.",
    )
    uom_id = fields.Many2one(
        comodel_name="uom.uom",
        string="Unit",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
    )
    # The balance's unit: a partida declared in dozens or kilograms of goods kept in units
    # holds its balance (and every discharge, pending and report of it) in the product's unit.
    quantity_product = fields.Float(
        string="Quantity (Product Unit)",
        digits="Product Unit",
        compute="_compute_quantity_product",
        store=True,
        precompute=True,
        help="Declared quantity converted once to the product's unit: the unit of the "
        "balance, of the discharges and of the reports.",
    )
    quantity_tariff = fields.Float(
        string="Quantity (UMT)",
        digits="Product Unit",
        compute="_compute_quantity_tariff",
        store=True,
        readonly=False,
        precompute=True,
        help="Quantity in the tariff unit, as declared by the broker or converted with the "
        "product's tariff factor.",
    )
    uom_tariff_id = fields.Many2one(
        comodel_name="uom.uom",
        string="Tariff Unit (UMT)",
        compute="_compute_uom_tariff_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    value_mxn = fields.Float(string="Customs Value (MXN)", digits="Product Price")
    value_usd = fields.Float(string="Commercial Value (USD)", digits="Product Price")
    origin_country_id = fields.Many2one(
        comodel_name="res.country",
        compute="_compute_origin_country_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    seller_country_id = fields.Many2one(comodel_name="res.country")
    origin = fields.Selection(
        selection=[
            ("broker", "Customs broker"),
            ("receipt", "Receipt"),
            ("later_receipt", "Receipt after the entry"),
        ],
        default="broker",
        required=True,
        readonly=True,
        help="Whether the line was loaded from the broker's data or created by a receipt. "
        "A receipt that brings goods to a pedimento already received creates a line the "
        "declaration does not hold: it is flagged as not declared.",
    )
    move_ids = fields.One2many(
        comodel_name="stock.move",
        inverse_name="l10n_mx_immex_pedimento_line_id",
        string="Stock Moves",
        readonly=True,
    )
    qty_received = fields.Float(
        string="Received",
        digits="Product Unit",
        compute="_compute_qty_received",
        store=True,
        help="Quantity of the done receipts linked to this line, in the line's unit.",
    )
    difference_state = fields.Selection(
        selection=[
            ("ok", "Matches"),
            ("not_received", "Not received yet"),
            ("quantity", "Quantity differs"),
            ("undeclared", "Not declared by the broker"),
        ],
        compute="_compute_difference_state",
        store=True,
        string="Receipt Check",
    )
    discharge_ids = fields.One2many(
        comodel_name="l10n_mx_immex.discharge",
        inverse_name="import_line_id",
        string="Discharges",
        readonly=True,
    )
    company_id = fields.Many2one(related="pedimento_id.company_id", store=True, index=True)
    operation = fields.Selection(related="pedimento_id.operation", store=True)
    state = fields.Selection(related="pedimento_id.state", store=True, string="Status")
    entry_date = fields.Date(related="pedimento_id.entry_date", store=True)
    fifo_date = fields.Date(related="pedimento_id.fifo_date", store=True)
    key_id = fields.Many2one(related="pedimento_id.key_id", store=True)
    is_temporary = fields.Boolean(
        string="Temporary Import",
        compute="_compute_is_temporary",
        store=True,
        help="Confirmed temporary import: the line holds an Annex 24 balance.",
    )
    qty_discharged = fields.Float(
        string="Discharged",
        digits="Product Unit",
        compute="_compute_qty_discharged",
        store=True,
    )
    qty_balance = fields.Float(
        string="Balance",
        digits="Product Unit",
        compute="_compute_qty_balance",
        store=True,
    )
    qty_balance_tariff = fields.Float(
        string="Balance (UMT)",
        digits="Product Unit",
        compute="_compute_qty_balance",
        store=True,
    )
    expiry_date = fields.Date(
        compute="_compute_expiry_date",
        store=True,
        index=True,
        help="Last day to return, export, transfer or change the regime of the balance.",
    )
    balance_state = fields.Selection(
        selection=[
            ("none", "No balance"),
            ("open", "Open"),
            ("expired", "Expired"),
            ("closed", "Closed"),
        ],
        compute="_compute_balance_state",
        search="_search_balance_state",
    )
    days_to_expiry = fields.Integer(compute="_compute_balance_state")
    registered_at = fields.Datetime(
        string="Registered in Annex 24",
        readonly=True,
        copy=False,
        help="When this entry reached the Annex 24 system.",
    )
    is_late_registration = fields.Boolean(
        string="Registered Late",
        compute="_compute_is_late_registration",
        store=True,
    )
    qty_rectification = fields.Float(
        string="Rectified Change",
        digits="Product Unit",
        readonly=True,
        copy=False,
        help="Change of the declared quantity by rectifications (R1), in the line's unit. The "
        "declared quantity stays as filed; a temporary import's balance follows by ledger "
        "adjustments of the same amount.",
    )
    quantity_effective = fields.Float(
        string="Effective Quantity",
        digits="Product Unit",
        compute="_compute_quantity_effective",
        help="Declared quantity after its rectifications.",
    )
    rectified_by_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The last rectification (R1) applied to this line.",
    )
    lot_ids = fields.One2many(
        comodel_name="stock.lot",
        inverse_name="l10n_mx_immex_pedimento_line_id",
        string="Lots",
        readonly=True,
    )

    _sequence_uniq = models.Constraint(
        "unique(pedimento_id, sequence)",
        "Two lines of the same pedimento cannot share a partida number.",
    )
    _quantity_positive = models.Constraint(
        "CHECK(quantity >= 0)", "The quantity of a pedimento line cannot be negative."
    )
    # Balances never go negative nor beyond what was declared (float noise aside), whoever
    # writes them: the service keeps them so, the database refuses anything else.
    _balance_not_negative = models.Constraint(
        f"CHECK(qty_balance >= -{QTY_TOLERANCE})",
        "The Annex 24 balance of a pedimento line cannot be negative.",
    )
    # NaN sorts above every number in PostgreSQL: an upper bound refuses it too
    _quantity_finite = models.Constraint(
        "CHECK(quantity <= 1e12 AND quantity_tariff <= 1e12 AND qty_discharged <= 1e12)",
        "The quantities of a pedimento line must be real numbers.",
    )
    _discharged_within_quantity = models.Constraint(
        f"CHECK(qty_discharged <= quantity_product + {QTY_TOLERANCE})",
        "A pedimento line cannot be discharged beyond its declared quantity.",
    )
    _balance_index = models.Index("(company_id, product_id, fifo_date) WHERE is_temporary")
    # goods declassified after their import: still discharged (see the discharge service)
    _declassified_index = models.Index(
        "(product_id) WHERE is_temporary AND (material_type IS NULL OR material_type = 'none')"
    )

    def init(self):
        # Balances are updated in place on every exit: room on each page lets PostgreSQL
        # keep those updates heap-only (no index entry rewritten).
        self.env.cr.execute("ALTER TABLE l10n_mx_immex_pedimento_line SET (fillfactor = 80)")
        # the legal data of a confirmed partida never changes, whatever a session sets
        self.env.cr.execute(LINE_GUARD_DDL)

    @api.depends("product_id")
    def _compute_fraction_id(self):
        for line in self:
            if not line.fraction_id:
                line.fraction_id = line.product_id.l10n_mx_immex_fraction_id

    @api.depends("product_id")
    def _compute_uom_id(self):
        for line in self:
            if not line.uom_id:
                line.uom_id = line.product_id.uom_id

    @api.depends("product_id")
    def _compute_uom_tariff_id(self):
        for line in self:
            if not line.uom_tariff_id:
                line.uom_tariff_id = line.product_id.l10n_mx_immex_uom_tariff_id

    @api.depends("product_id")
    def _compute_origin_country_id(self):
        for line in self:
            if not line.origin_country_id:
                line.origin_country_id = line.product_id.l10n_mx_immex_origin_country_id

    @api.depends("quantity", "uom_id", "product_id")
    def _compute_quantity_product(self):
        for line in self:
            line.quantity_product = line.uom_id._l10n_mx_immex_convert(
                line.quantity, line.product_id.uom_id
            )

    @api.depends("quantity", "uom_id", "product_id")
    def _compute_quantity_tariff(self):
        for line in self:
            line.quantity_tariff = line._immex_to_tariff(line.quantity)

    @api.depends("quantity", "qty_rectification")
    def _compute_quantity_effective(self):
        for line in self:
            line.quantity_effective = line.quantity + (line.qty_rectification or 0.0)

    @api.depends("move_ids.state", "move_ids.quantity", "move_ids.product_uom", "uom_id")
    def _compute_qty_received(self):
        for line in self:
            line.qty_received = self._immex_received_qty(line.move_ids, line.uom_id)

    @api.model
    def _immex_received_qty(self, moves, uom):
        """Net done quantity of ``moves`` in ``uom`` (returns count negative)."""
        qty = 0.0
        for move in moves:
            if move.state != "done" or not uom:
                continue
            move_qty = move.product_uom._compute_quantity(
                move.quantity, uom, rounding_method="HALF-UP"
            )
            qty += -move_qty if move._immex_is_return() else move_qty
        return qty

    @api.depends("qty_received", "quantity", "origin", "uom_id", "move_ids.state")
    def _compute_difference_state(self):
        # once per pedimento, not per line: a receipt may bring hundreds of lines
        with_broker_lines = {
            ped.id
            for ped in self.pedimento_id
            if any(other.origin == "broker" for other in ped.line_ids)
        }
        for line in self:
            line.difference_state = self._immex_difference_state(
                undeclared=(
                    line.origin == "later_receipt"
                    or (line.origin == "receipt" and line.pedimento_id.id in with_broker_lines)
                ),
                received=any(m.state == "done" for m in line.move_ids),
                qty_received=line.qty_received,
                quantity=line.quantity,
                uom=line.uom_id,
            )

    @api.model
    def _immex_difference_state(self, undeclared, received, qty_received, quantity, uom):
        if undeclared:
            return "undeclared"
        if not received:
            return "not_received"
        if uom.compare(qty_received, quantity) != 0:
            return "quantity"
        return "ok"

    @api.depends("pedimento_id.opens_balance", "pedimento_id.state")
    def _compute_is_temporary(self):
        for line in self:
            line.is_temporary = self._immex_holds_balance(line.pedimento_id)

    @api.model
    def _immex_holds_balance(self, ped):
        """Whether lines of ``ped`` hold an Annex 24 balance: a confirmed temporary import."""
        return bool(ped.opens_balance and ped.state == "confirmed")

    @api.depends("discharge_ids.quantity")
    def _compute_qty_discharged(self):
        # Reversal rows carry negative quantities, so the net is a plain sum.
        data = self.env["l10n_mx_immex.discharge"]._read_group(
            [("import_line_id", "in", self.ids)], ["import_line_id"], ["quantity:sum"]
        )
        totals = {line.id: qty for line, qty in data}
        for line in self:
            line.qty_discharged = totals.get(line.id, 0.0)

    @api.depends("is_temporary", "quantity_product", "qty_discharged")
    def _compute_qty_balance(self):
        for line in self:
            line.qty_balance, line.qty_balance_tariff = self._immex_balances(
                line.is_temporary, line.quantity_product, line.qty_discharged, line.quantity_tariff
            )

    @api.model
    def _immex_balances(self, is_temporary, quantity, qty_discharged, quantity_tariff):
        """``(balance, balance in UMT)`` of a line; ``quantity`` in the product's unit
        (``quantity_product``), as the ledger's quantities are."""
        # the one formula (the set-based discharge uses its SQL twin)
        return qty_lib.balance(is_temporary, quantity, qty_discharged, quantity_tariff)

    # Fixed when the balance opens (confirmation): a later change of the company's
    # certification or program dates, or of the key's limit, reaches open balances only
    # through res.company.action_l10n_mx_immex_recompute_expiry (explicit and trailed).
    @api.depends(
        "pedimento_id.fifo_date",
        "pedimento_id.entry_date",
        "pedimento_id.closing_date",
        "pedimento_id.is_consolidated",
        "is_temporary",
    )
    def _compute_expiry_date(self):
        for line in self:
            line.expiry_date = self._immex_expiry_date(
                line.pedimento_id, line.material_type, line.is_temporary
            )

    @api.model
    def _immex_expiry_date(self, ped, material_type, is_temporary):
        """Last day of the balance of a line of ``ped`` holding ``material_type`` goods."""
        start = ped._immex_clearance_date() if ped else False
        if not is_temporary or not start:
            return False
        key = ped.key_id
        company = ped.company_id
        return plazos.expiry_date(
            start,
            material_type or "input",
            certification=company.l10n_mx_immex_certification or "none",
            key_code=key.code,
            program_end=company.l10n_mx_immex_program_date_end or None,
            cancelled_on=company.l10n_mx_immex_program_cancel_date or None,
            months=key.months_limit or None,
        )

    @api.depends("is_temporary", "qty_balance", "expiry_date")
    @api.depends_context("date")
    def _compute_balance_state(self):
        # the balance is in the product's unit: so is its rounding
        today = fields.Date.context_today(self)
        for line in self:
            line.days_to_expiry = (line.expiry_date - today).days if line.expiry_date else 0
            if not line.is_temporary:
                line.balance_state = "none"
            elif line.qty_balance < qty_lib.TOLERANCE:  # dust is closed, as FIFO sees it
                line.balance_state = "closed"
            elif line.expiry_date and line.expiry_date < today:
                line.balance_state = "expired"
            else:
                line.balance_state = "open"

    def _immex_balance_open(self, is_open):
        """Lines whose balance is open (at least the tolerance) or closed (dust counts as
        closed), as FIFO sees them. In SQL: a domain would round the tolerance to the
        field's digits."""
        return Domain(
            "id",
            "in",
            SQL(
                "SELECT id FROM l10n_mx_immex_pedimento_line WHERE %s",
                SQL("COALESCE(qty_balance, 0) >= %s", qty_lib.TOLERANCE)
                if is_open
                else SQL("COALESCE(qty_balance, 0) < %s", qty_lib.TOLERANCE),
            ),
        )

    def _search_balance_state(self, operator, value):
        if operator not in ("in", "="):
            return NotImplemented
        values = {value} if isinstance(value, str) else set(value)
        today = fields.Date.context_today(self)
        domains = []
        if "none" in values:
            domains.append(Domain("is_temporary", "=", False))
        if "closed" in values:
            domains.append(Domain("is_temporary", "=", True) & self._immex_balance_open(False))
        if "open" in values:
            domains.append(
                Domain("is_temporary", "=", True)
                & self._immex_balance_open(True)
                & (Domain("expiry_date", "=", False) | Domain("expiry_date", ">=", today))
            )
        if "expired" in values:
            domains.append(
                Domain("is_temporary", "=", True)
                & self._immex_balance_open(True)
                & Domain("expiry_date", "<", today)
            )
        return Domain.OR(domains) if domains else Domain.FALSE

    @api.depends("registered_at", "pedimento_id.registration_deadline")
    def _compute_is_late_registration(self):
        for line in self:
            line.is_late_registration = self._immex_is_late(
                line.pedimento_id.registration_deadline, line.registered_at
            )

    @api.model
    def _immex_is_late(self, deadline, registered_at):
        return bool(deadline and registered_at and registered_at > deadline)

    def _compute_display_name(self):
        for line in self:
            line.display_name = (
                f"{line.pedimento_name or ''} / {line.sequence} "
                f"[{line.product_id.default_code or line.product_id.name or ''}]"
            )

    @api.constrains("product_id", "uom_id", "uom_tariff_id")
    def _check_tariff_unit(self):
        for line in self:
            if line.uom_tariff_id and not line._immex_tariff_factor():
                self._immex_raise_not_convertible(line.product_id, line.uom_id, line.uom_tariff_id)

    @api.constrains("quantity", "quantity_tariff", "value_mxn", "value_usd")
    def _check_quantities(self):
        for line in self:
            what = self.env._(
                "Line %(seq)s of pedimento %(name)s",
                seq=line.sequence,
                name=line.pedimento_id.name,
            )
            guard.check_quantity(self.env, line.quantity, what)
            guard.check_quantity(self.env, line.quantity_tariff, what, allow_zero=True)
            guard.check_quantity(self.env, line.value_mxn, what, allow_zero=True)
            guard.check_quantity(self.env, line.value_usd, what, allow_zero=True)

    @api.constrains("uom_id", "product_id")
    def _check_uom(self):
        for line in self:
            guard.check_convertible(
                self.env,
                line.uom_id,
                line.product_id,
                self.env._(
                    "Line %(seq)s of pedimento %(name)s",
                    seq=line.sequence,
                    name=line.pedimento_id.name,
                ),
            )

    @api.model
    def _immex_raise_not_convertible(self, product, uom, umt):
        raise ValidationError(
            self.env._(
                "Product %(product)s: unit %(uom)s cannot be converted to the tariff "
                "unit %(umt)s. Set the tariff factor on the product.",
                product=product.display_name,
                uom=uom.name,
                umt=umt.name,
            )
        )

    @api.model
    def _immex_protected_fields(self):
        """Fields no caller writes: balances, stamps and everything the server computes."""
        return guard.protected_fields(self, SERVER_LINE_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list, quantities=["quantity"])
        protected = self._immex_protected_fields()
        for vals in vals_list:
            guard.refuse_protected(
                self.env,
                self._name,
                {
                    f
                    for f in protected.intersection(vals)
                    if not (f == "origin" and vals[f] == "broker")
                },
            )
        peds = self.env["l10n_mx_immex.pedimento"].browse(
            [vals["pedimento_id"] for vals in vals_list if vals.get("pedimento_id")]
        )
        # Lines of a confirmed declaration come only from its receipts (set-based writer).
        locked = peds.filtered(lambda p: p.state != "draft")
        if locked:
            raise UserError(
                self.env._(
                    "Pedimento %(name)s is no longer a draft: lines cannot be added.",
                    name=locked[0].name,
                )
            )
        next_seq = {}
        for vals in vals_list:
            if not vals.get("sequence") and vals.get("pedimento_id"):
                ped_id = vals["pedimento_id"]
                if ped_id not in next_seq:
                    existing = self.env["l10n_mx_immex.pedimento"].browse(ped_id).line_ids
                    next_seq[ped_id] = max(existing.mapped("sequence"), default=0)
                next_seq[ped_id] += 1
                vals["sequence"] = next_seq[ped_id]
        lines = super().create(vals_list)
        self._l10n_mx_immex_trail_created(lines)
        return lines

    @api.model
    def _l10n_mx_immex_trail_created(self, lines, vals_list=None):
        """Trail of new lines; lines of a confirmed pedimento are sealed at once.

        ``vals_list`` (the values a set-based writer inserted, in line order) spares
        reading the new lines back.
        """
        trail = self.env["l10n_mx_immex.log"].sudo()
        if vals_list is None:
            trail._l10n_mx_immex_log_create(lines, sorted(LOCKED_LINE_FIELDS))
        else:
            names = sorted(LOCKED_LINE_FIELDS.intersection(vals_list[0])) if vals_list else []
            trail._l10n_mx_immex_record(
                [
                    {
                        "model_name": self._name,
                        "res_id": line.id,
                        "action": "create",
                        "company_id": vals["company_id"],
                        "changes": {name: [False, vals[name]] for name in names},
                    }
                    for line, vals in zip(lines, vals_list, strict=True)
                ]
            )
        confirmed = lines.filtered(lambda line: line.pedimento_id.state == "confirmed")
        if confirmed:
            self.env["l10n_mx_immex.integrity"].sudo()._seal_lines(confirmed)

    @api.model
    def _immex_create_from_moves(self, ped, items, registered_at):
        """Lines of ``ped`` for done moves its declared lines do not cover (set-based).

        ``items`` holds ``(product, moves, qty)``: one line each, ``qty`` in the product's
        unit, linked to ``moves``. Validating a 100-line receipt or delivery creates 100
        lines; through ``create`` each costs its defaults, computations, company checks and a
        write per linked move, then an UPDATE of the row just inserted (which makes
        PostgreSQL re-check all its foreign keys). Here every stored value is computed with
        the helpers the compute methods use (a test recomputes them through the ORM and
        compares), the lines are written with one INSERT and the moves linked with one
        UPDATE.
        """
        if not items:
            return self.browse()
        existing = ped.line_ids
        sequence = max(existing.mapped("sequence"), default=0)
        has_broker_lines = any(line.origin == "broker" for line in existing)
        # goods brought to an import already received: not on the declaration (issue 13)
        later = bool(existing) and not has_broker_lines and ped.operation == "import"
        is_temporary = self._immex_holds_balance(ped)
        deadline = ped.registration_deadline
        # values as the cache holds them (rounded), since the computations read the cache
        to_cache = {
            name: self._fields[name].convert_to_cache
            for name in ("quantity", "quantity_tariff", "qty_received")
        }
        # the pedimento's values, read once for all its new lines
        header = {
            "pedimento_id": ped.id,
            "pedimento_name": ped.name,
            "seller_country_id": ped.partner_id.country_id.id,
            "origin": "later_receipt" if later else "receipt",
            "company_id": ped.company_id.id,
            "operation": ped.operation,
            "state": ped.state,
            "entry_date": ped.entry_date,
            "fifo_date": ped.fifo_date,
            "key_id": ped.key_id.id,
            "is_temporary": is_temporary,
            "qty_discharged": 0.0,
            "registered_at": registered_at,
            "is_late_registration": self._immex_is_late(deadline, registered_at),
        }
        expiry = {}
        vals_list = []
        for product, moves, qty in items:
            sequence += 1
            uom = product.uom_id
            umt = product.l10n_mx_immex_uom_tariff_id
            quantity = to_cache["quantity"](qty, self)
            factor = self._immex_factor(product, uom, umt)
            if umt and not factor:
                self._immex_raise_not_convertible(product, uom, umt)
            quantity_tariff = to_cache["quantity_tariff"](
                units_lib.to_tariff(quantity, factor) if factor else 0.0, self
            )
            qty_received = to_cache["qty_received"](self._immex_received_qty(moves, uom), self)
            balance, balance_tariff = self._immex_balances(
                is_temporary, quantity, 0.0, quantity_tariff
            )
            material_type = product.product_tmpl_id.l10n_mx_immex_type
            if material_type not in expiry:
                expiry[material_type] = self._immex_expiry_date(ped, material_type, is_temporary)
            value_mxn, value_usd = moves._l10n_mx_immex_customs_values(ped)
            vals_list.append(
                {
                    **header,
                    "sequence": sequence,
                    "product_id": product.id,
                    "material_type": material_type,
                    "fraction_id": product.l10n_mx_immex_fraction_id.id,
                    "quantity": quantity,
                    "quantity_product": quantity,  # created in the product's own unit
                    "qty_rectification": 0.0,  # no rectification yet
                    "rectified_by_id": False,
                    "uom_id": uom.id,
                    "quantity_tariff": quantity_tariff,
                    "uom_tariff_id": umt.id,
                    "origin_country_id": product.l10n_mx_immex_origin_country_id.id,
                    "value_mxn": value_mxn,
                    "value_usd": value_usd,
                    "qty_received": qty_received,
                    "difference_state": self._immex_difference_state(
                        undeclared=has_broker_lines or later,
                        received=any(move.state == "done" for move in moves),
                        qty_received=qty_received,
                        quantity=quantity,
                        uom=uom,
                    ),
                    "qty_balance": balance,
                    "qty_balance_tariff": balance_tariff,
                    "expiry_date": expiry[material_type],
                }
            )
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        lines = self.browse(service._insert_rows(self._name, vals_list))
        Move = self.env["stock.move"]
        Move.flush_model(["l10n_mx_immex_pedimento_line_id"])
        links = [
            (move.id, line.id)
            for (__, moves, __), line in zip(items, lines, strict=True)
            for move in moves
        ]
        self.env.cr.execute(
            SQL(
                """
                UPDATE stock_move m
                   SET l10n_mx_immex_pedimento_line_id = v.line_id
                  FROM unnest(%s::int[], %s::int[]) AS v(move_id, line_id)
                 WHERE m.id = v.move_id
                """,
                array_literal([move_id for move_id, __ in links]),
                array_literal([line_id for __, line_id in links]),
            )
        )
        Move.browse(move_id for move_id, __ in links).invalidate_recordset(
            ["l10n_mx_immex_pedimento_line_id"]
        )
        ped.invalidate_recordset(["line_ids"])
        self._l10n_mx_immex_trail_created(lines, vals_list)
        return lines

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals], quantities=["quantity"])
        guard.refuse_protected(
            self.env, self._name, self._immex_protected_fields().intersection(vals)
        )
        locked = LOCKED_LINE_FIELDS.intersection(vals)
        if locked:
            frozen = self.filtered(lambda line: line.pedimento_id.state != "draft")
            if vals.get("pedimento_id") and not frozen:
                # nor is a line moved into a declaration already confirmed
                target = self.env["l10n_mx_immex.pedimento"].browse(vals["pedimento_id"])
                if target.state != "draft":
                    raise UserError(
                        self.env._(
                            "Pedimento %(name)s is no longer a draft: lines cannot be added.",
                            name=target.name,
                        )
                    )
            if frozen:
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s is no longer a draft: its lines cannot be changed.",
                        name=frozen[0].pedimento_id.name,
                    )
                )
        trail = self.env["l10n_mx_immex.log"].sudo()
        old = trail._l10n_mx_immex_snapshot(self, trail._l10n_mx_immex_trail_fields(self, vals))
        res = super().write(vals)
        trail._l10n_mx_immex_log_write(self, old)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        for line in self:
            if line.pedimento_id.state != "draft" or line.move_ids:
                raise UserError(
                    self.env._(
                        "Line %(seq)s of pedimento %(name)s cannot be deleted: it is confirmed "
                        "or linked to transfers.",
                        seq=line.sequence,
                        name=line.pedimento_id.name,
                    )
                )

    def _immex_set_registered_at(self, registered_at):
        """Record when the entry reached Annex 24, for a history loaded from a previous
        system (and the demo data, dated as that history). Server code only."""
        with guard.server_write():
            return self.write({"registered_at": registered_at})

    def _immex_tariff_factor(self):
        """Factor from the line's unit to the tariff unit, or 0.0 when not convertible."""
        self.ensure_one()
        return self._immex_factor(self.product_id, self.uom_id, self.uom_tariff_id)

    @api.model
    def _immex_factor(self, product, uom, umt):
        """Factor from ``uom`` to the tariff unit ``umt`` (the product's when empty)."""
        umt = umt or product.l10n_mx_immex_uom_tariff_id
        if not umt or not uom:
            return 0.0
        if uom._l10n_mx_immex_is_convertible(umt):
            return uom.factor / umt.factor
        if product.l10n_mx_immex_tariff_factor > 0 and product.uom_id._l10n_mx_immex_is_convertible(
            uom
        ):
            # line unit -> product unit -> UMT through the product's own factor
            to_product = uom.factor / product.uom_id.factor
            return to_product * product.l10n_mx_immex_tariff_factor
        return 0.0

    def _immex_to_tariff(self, qty):
        self.ensure_one()
        factor = self._immex_tariff_factor()
        return units_lib.to_tariff(qty, factor) if factor else 0.0

    def _immex_check_complete(self):
        """Data required before the pedimento can be confirmed."""
        for line in self:
            if line.material_type in CONTROLLED_TYPES and not line.fraction_id:
                raise UserError(
                    self.env._(
                        "Line %(seq)s of pedimento %(name)s: product %(product)s is IMMEX-"
                        "controlled and needs a tariff fraction.",
                        seq=line.sequence,
                        name=line.pedimento_id.name,
                        product=line.product_id.display_name,
                    )
                )
            if line.material_type in CONTROLLED_TYPES and not line.uom_tariff_id:
                raise UserError(
                    self.env._(
                        "Line %(seq)s of pedimento %(name)s: product %(product)s has no tariff "
                        "unit (UMT).",
                        seq=line.sequence,
                        name=line.pedimento_id.name,
                        product=line.product_id.display_name,
                    )
                )


# Static DDL (no user input): the legal columns of a partida of a confirmed or cancelled
# pedimento never change, nor is the partida deleted.
_LINE_CHANGED = guard.changed_sql(LOCKED_LINE_FIELDS | {"origin"})
_LINE_FIXED = guard.changed_sql((LOCKED_LINE_FIELDS | {"origin"}) - set(RECTIFIABLE_LINE_FIELDS))
# a change the guard looks at: the trigger's WHEN and the function's rule share it
_LINE_GUARDED = f"""OLD.state <> 'draft' AND ({_LINE_CHANGED}
        OR NEW.qty_rectification IS DISTINCT FROM OLD.qty_rectification
        OR NEW.rectified_by_id IS DISTINCT FROM OLD.rectified_by_id)"""
LINE_GUARD_DDL = f"""
CREATE OR REPLACE FUNCTION l10n_mx_immex_pedimento_line_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'Annex 24: line % of pedimento % is %, it cannot be deleted',
                OLD.sequence, OLD.pedimento_name, OLD.state
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    -- A confirmed rectification (R1) of the line's pedimento may change its rectifiable
    -- values, in the same UPDATE that names it: the only way, and once per R1.
    IF {_LINE_GUARDED}
       AND NOT (NEW.rectified_by_id IS DISTINCT FROM OLD.rectified_by_id
                AND NOT ({_LINE_FIXED})
                AND EXISTS (SELECT 1 FROM l10n_mx_immex_pedimento r
                             WHERE r.id = NEW.rectified_by_id AND r.state = 'confirmed'
                               AND r.rectifies_id = OLD.pedimento_id)) THEN
        RAISE EXCEPTION 'Annex 24: line % of pedimento % is %, its legal data cannot change',
            OLD.sequence, OLD.pedimento_name, OLD.state
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
-- The WHEN conditions spare the function call on the rows it would let pass: every exit
-- updates the balances of hundreds of lines, and a PL/pgSQL call per row cost about as much
-- as the update itself. The function keeps the whole rule.
DROP TRIGGER IF EXISTS l10n_mx_immex_pedimento_line_guard ON l10n_mx_immex_pedimento_line;
CREATE TRIGGER l10n_mx_immex_pedimento_line_guard
    BEFORE UPDATE ON l10n_mx_immex_pedimento_line
    FOR EACH ROW
    WHEN ({_LINE_GUARDED})
    EXECUTE FUNCTION l10n_mx_immex_pedimento_line_guard();
DROP TRIGGER IF EXISTS l10n_mx_immex_pedimento_line_no_delete ON l10n_mx_immex_pedimento_line;
CREATE TRIGGER l10n_mx_immex_pedimento_line_no_delete
    BEFORE DELETE ON l10n_mx_immex_pedimento_line
    FOR EACH ROW WHEN (OLD.state <> 'draft')
    EXECUTE FUNCTION l10n_mx_immex_pedimento_line_guard();
"""
