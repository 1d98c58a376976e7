# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..immex import pedimento as pedimento_lib
from ..immex.quantities import TOLERANCE
from . import l10n_mx_immex_guard as guard

# Legal data of a customs declaration: frozen once the pedimento is confirmed. A mistake is
# corrected by cancelling (with a reason, the record stays) or by a rectification (R1). In
# this order, they are also what a line's seal covers of its header (integrity).
LEGAL_HEADER_FIELDS = (
    "name",
    "operation",
    "key_id",
    "regime_id",
    "customs_office_id",
    "patent",
    "entry_date",
    "payment_date",
    "clearance_datetime",
    "is_consolidated",
    "closing_date",
    "exchange_rate",
    "partner_id",
    "company_id",
)
# What a rectification rectifies is frozen with it (not sealed: the seal layout stays).
LOCKED_FIELDS = set(LEGAL_HEADER_FIELDS) | {"rectifies_id"}
# What a confirmed rectification (R1) may restate of the header, in place and with its trail;
# the number, key, office, dates of entry and the company identify the declaration itself.
RECTIFIABLE_HEADER_FIELDS = ("exchange_rate", "payment_date", "partner_id")
# Written only by the addon's own actions (confirm, cancel with a reason, receipts).
SERVER_FIELDS = {
    "state",
    "rectified_by_id",
    "registered_at",
    "cancel_reason",
    "cancel_date",
    "cancel_uid",
    "rectification_changes",
    "rectification_rerun_date",
}
REGISTRATION_HOURS = 48


class L10nMxImmexPedimento(models.Model):
    _name = "l10n_mx_immex.pedimento"
    _description = "Pedimento (Customs Declaration)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "fifo_date desc, name desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "document_number"]

    name = fields.Char(
        string="Pedimento Number",
        required=True,
        copy=False,
        size=21,
        tracking=True,
        help="15 digits: year (2), customs office (2), broker patent (4), last digit of "
        "the year and sequence (7). Typed in any spacing, stored as 'YY  AA  PPPP  NNNNNNN'.",
    )
    document_number = fields.Char(
        compute="_compute_number_parts", store=True, index=True, help="Last 7 digits."
    )
    operation = fields.Selection(
        selection=[("import", "Import"), ("export", "Export")],
        required=True,
        default="import",
        tracking=True,
    )
    key_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.key",
        string="Pedimento Key",
        required=True,
        tracking=True,
        domain="[('operation', 'in', (operation, 'both'))]",
    )
    key_code = fields.Char(related="key_id.code", store=True, string="Key Code")
    regime_id = fields.Many2one(
        comodel_name="l10n_mx_immex.customs.regime",
        string="Customs Regime",
        tracking=True,
        domain="[('operation', 'in', (operation, 'both'))]",
    )
    regime = fields.Char(related="regime_id.code", store=True, string="Regime Code")
    customs_office_id = fields.Many2one(
        comodel_name="l10n_mx_catalogs.c_aduana",
        compute="_compute_customs_office_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    patent = fields.Char(
        string="Broker Patent",
        size=4,
        compute="_compute_patent",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
    )
    entry_date = fields.Date(
        required=True,
        tracking=True,
        help="Customs clearance date (date of entry or exit). The legal time limit of a "
        "temporary import starts here.",
    )
    clearance_datetime = fields.Datetime(
        string="Clearance Time",
        help="Exact time of customs clearance, when known. It starts the 48-hour "
        "registration window; without it the end of the entry date is assumed.",
    )
    payment_date = fields.Date(tracking=True)
    is_consolidated = fields.Boolean(
        string="Consolidated", help="Consolidated pedimento: the clock starts at its closing date."
    )
    closing_date = fields.Date(tracking=True)
    fifo_date = fields.Date(
        string="FIFO Date",
        compute="_compute_fifo_date",
        store=True,
        index=True,
        help="Date that orders this pedimento for FIFO discharge: the entry date (closing "
        "date for consolidated pedimentos), or the payment date if the company says so.",
    )
    exchange_rate = fields.Float(digits=(12, 6), tracking=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Supplier / Customer",
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    importer_rfc = fields.Char(related="company_id.vat", string="Importer RFC")
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        selection=[("draft", "Draft"), ("confirmed", "Confirmed"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many(
        comodel_name="l10n_mx_immex.pedimento.line",
        inverse_name="pedimento_id",
        string="Lines",
        copy=False,
    )
    line_count = fields.Integer(compute="_compute_line_count")
    picking_ids = fields.One2many(
        comodel_name="stock.picking",
        inverse_name="l10n_mx_immex_pedimento_id",
        string="Transfers",
        readonly=True,
    )
    picking_count = fields.Integer(compute="_compute_picking_count")
    purchase_order_ids = fields.Many2many(
        comodel_name="purchase.order",
        compute="_compute_purchase_order_ids",
        string="Purchase Orders",
    )
    opens_balance = fields.Boolean(
        compute="_compute_opens_balance",
        store=True,
        help="Temporary import whose lines open Annex 24 balances.",
    )
    registered_at = fields.Datetime(
        string="Registered in Annex 24",
        readonly=True,
        copy=False,
        help="When the entry reached the Annex 24 system (first receipt or confirmation).",
    )
    registration_deadline = fields.Datetime(compute="_compute_registration", store=True)
    is_late_registration = fields.Boolean(
        string="Registered Late",
        compute="_compute_registration",
        store=True,
        help="Registered more than 48 hours after customs clearance (RGCE 7.1.1-XIV).",
    )
    rectifies_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="On a rectification (R1): the pedimento it rectifies. Confirming the R1 applies "
        "its lines to the original; balances follow by ledger rows.",
    )
    rectified_by_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Header Rectified By",
        readonly=True,
        copy=False,
        help="The last confirmed rectification (R1) that restated this pedimento's header "
        "(exchange rate, payment date, supplier or customer).",
    )
    rectification_ids = fields.One2many(
        comodel_name="l10n_mx_immex.pedimento",
        inverse_name="rectifies_id",
        string="Rectifications",
        readonly=True,
    )
    rectification_changes = fields.Json(
        readonly=True,
        copy=False,
        help="On a confirmed rectification: what it changed, line by line (as applied).",
    )
    rectification_comparison = fields.Html(
        string="Comparison with the Original",
        compute="_compute_rectification_comparison",
        sanitize=False,
    )
    rectification_rerun_date = fields.Date(
        string="Re-run From",
        readonly=True,
        copy=False,
        help="Earliest date whose discharges the rectification changed: a re-run of the "
        "discharges from this date brings every later exit in line with it.",
    )
    descargo_ids = fields.One2many(
        comodel_name="l10n_mx_immex.pedimento.descargo",
        inverse_name="pedimento_id",
        string="Declared Discharges",
        copy=False,
        help="Exit pedimentos that name the import lines they discharge (descargo records).",
    )
    cancel_reason = fields.Text(readonly=True, copy=False, tracking=True)
    cancel_date = fields.Datetime(readonly=True, copy=False)
    cancel_uid = fields.Many2one("res.users", string="Cancelled By", readonly=True, copy=False)
    difference_count = fields.Integer(compute="_compute_difference_count")
    note = fields.Html()

    _name_company_uniq = models.Constraint(
        "unique(name, company_id)",
        "This pedimento number already exists in this company.",
    )

    def init(self):
        # Guards below the ORM: no session can rewrite a confirmed declaration, whatever it
        # sets; changing them is a migration (drop and recreate the trigger).
        self.env.cr.execute(PEDIMENTO_GUARD_DDL)

    @api.depends("name")
    def _compute_number_parts(self):
        for ped in self:
            parts = ped._immex_parts()
            ped.document_number = parts.document if parts else False

    @api.depends("name")
    def _compute_patent(self):
        for ped in self:
            parts = ped._immex_parts()
            # a retyped number brings its own patent (a typed patent that matches stays)
            if parts and ped.patent != parts.patent:
                ped.patent = parts.patent

    @api.depends("name")
    def _compute_customs_office_id(self):
        offices = self.env["l10n_mx_catalogs.c_aduana"]
        for ped in self:
            parts = ped._immex_parts()
            # keep an office (or section) of the number's office; a retyped number with
            # another office brings its own
            code = ped.customs_office_id.code
            if not parts or (code and pedimento_lib._office2(code) == parts.office):
                continue
            # The catalog holds office+section codes ("240") and bare offices ("24").
            ped.customs_office_id = offices.search(
                [("code", "in", (parts.office + "0", parts.office))], order="code desc", limit=1
            )

    @api.depends(
        "entry_date",
        "payment_date",
        "is_consolidated",
        "closing_date",
        "company_id.l10n_mx_immex_fifo_date",
    )
    def _compute_fifo_date(self):
        for ped in self:
            if ped.company_id.l10n_mx_immex_fifo_date == "payment_date" and ped.payment_date:
                ped.fifo_date = ped.payment_date
            else:
                ped.fifo_date = ped._immex_clearance_date()

    def _compute_line_count(self):
        for ped in self:
            ped.line_count = len(ped.line_ids)

    def _compute_picking_count(self):
        for ped in self:
            ped.picking_count = len(ped.picking_ids)

    def _compute_purchase_order_ids(self):
        for ped in self:
            ped.purchase_order_ids = (
                ped.picking_ids.move_ids.purchase_line_id.order_id
                | ped.line_ids.move_ids.purchase_line_id.order_id
            )

    @api.depends("operation", "key_id.effect", "key_id.import_effect", "regime_id.is_temporary")
    def _compute_opens_balance(self):
        for ped in self:
            effect = ped.key_id._effect_for(ped.operation) if ped.key_id else "none"
            ped.opens_balance = (
                ped.operation == "import"
                and effect in ("open_material", "open_fixed_asset", "transfer")
                and (not ped.regime_id or ped.regime_id.is_temporary)
            )

    @api.depends("registered_at", "clearance_datetime", "entry_date")
    def _compute_registration(self):
        for ped in self:
            start = ped.clearance_datetime or (
                ped.entry_date and datetime.combine(ped.entry_date, time.max)
            )
            deadline = start and start + timedelta(hours=REGISTRATION_HOURS)
            ped.registration_deadline = deadline
            ped.is_late_registration = bool(
                deadline and ped.registered_at and ped.registered_at > deadline
            )

    def _compute_difference_count(self):
        for ped in self:
            ped.difference_count = len(
                ped.line_ids.filtered(lambda line: line.difference_state != "ok")
            )

    @api.depends("rectifies_id", "line_ids", "state", "rectification_changes")
    def _compute_rectification_comparison(self):
        rectification = self.env["l10n_mx_immex.rectification"]
        for ped in self:
            if not ped.rectifies_id:
                ped.rectification_comparison = False
                continue
            changes = (
                ped.rectification_changes
                if ped.state == "confirmed"
                else rectification._diff(ped)
                if ped.state == "draft"
                else []
            )
            ped.rectification_comparison = rectification._diff_html(ped, changes or [])

    @api.constrains("name", "entry_date", "patent", "customs_office_id")
    def _check_number_consistency(self):
        for ped in self:
            parts = ped._immex_parts()
            # the office of the number must exist in the catalog (offices and sections)
            known = (
                self.env["l10n_mx_catalogs.c_aduana"]
                .sudo()
                .with_context(active_test=False)
                .search([("code", "in", (parts.office, parts.office + "0"))] if parts else [])
                .mapped("code")
                if parts and not ped.customs_office_id
                else None
            )
            try:
                errors = pedimento_lib.validate_number(
                    ped.name,
                    entry_year=ped.entry_date and ped.entry_date.year,
                    patent=ped.patent or None,
                    office_code=ped.customs_office_id.code or None,
                    offices=known,
                )
            except pedimento_lib.PedimentoError as err:
                raise ValidationError(self._immex_error_message(err)) from err
            if errors:
                raise ValidationError("\n".join(self._immex_error_message(err) for err in errors))

    @api.constrains("key_id", "operation")
    def _check_key_operation(self):
        for ped in self:
            if ped.key_id and not ped.key_id._allows_operation(ped.operation):
                raise ValidationError(
                    self.env._(
                        "Pedimento key %(key)s cannot be used for an %(operation)s.",
                        key=ped.key_id.code,
                        operation=dict(self._fields["operation"]._description_selection(self.env))[
                            ped.operation
                        ].lower(),
                    )
                )

    @api.constrains("regime_id", "operation")
    def _check_regime_operation(self):
        for ped in self:
            if ped.regime_id and ped.regime_id.operation not in (ped.operation, "both"):
                raise ValidationError(
                    self.env._(
                        "Customs regime %(regime)s does not match the operation of "
                        "pedimento %(name)s.",
                        regime=ped.regime_id.code,
                        name=ped.name,
                    )
                )

    @api.constrains("is_consolidated", "closing_date", "entry_date")
    def _check_closing_date(self):
        for ped in self:
            if ped.closing_date and ped.entry_date and ped.closing_date < ped.entry_date:
                raise ValidationError(
                    self.env._("The closing date cannot be earlier than the entry date.")
                )

    @api.onchange("key_id")
    def _onchange_key_id(self):
        # each key may carry its usual regime (IN -> ITE)
        regime = self.key_id.default_regime_id
        if regime and regime.operation in (self.operation, "both"):
            self.regime_id = regime

    @api.model
    def _immex_protected_fields(self):
        """Fields no caller writes: states, stamps and everything the server computes."""
        return guard.protected_fields(self, SERVER_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list)
        protected = self._immex_protected_fields()
        for vals in vals_list:
            # a pedimento is born a draft; confirming it is an action with its own checks
            guard.refuse_protected(
                self.env,
                self._name,
                {
                    f
                    for f in protected.intersection(vals)
                    if not (f == "state" and vals[f] == "draft")
                },
            )
            self._immex_normalize_vals(vals)
        peds = super().create(vals_list)
        trail = self.env["l10n_mx_immex.log"].sudo()
        trail._l10n_mx_immex_log_create(peds, sorted(LOCKED_FIELDS | {"state"}))
        return peds

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals])
        guard.refuse_protected(
            self.env, self._name, self._immex_protected_fields().intersection(vals)
        )
        self._immex_normalize_vals(vals)
        locked = LOCKED_FIELDS.intersection(vals)
        # No context key nor sudo() opens this lock: a confirmed declaration is corrected by
        # cancellation with a reason or by a rectification, never rewritten.
        if locked:
            for ped in self.filtered(lambda p: p.state != "draft"):
                changed = [
                    fname
                    for fname in locked
                    if ped._fields[fname].convert_to_write(ped[fname], ped)
                    != ped._fields[fname].convert_to_write(
                        ped._fields[fname].convert_to_cache(vals[fname], ped), ped
                    )
                ]
                if changed:
                    raise UserError(
                        self.env._(
                            "Pedimento %(name)s is %(state)s: its legal data (%(fields)s) can "
                            "no longer be changed. Cancel it with a reason or record a "
                            "rectification.",
                            name=ped.name,
                            state=dict(self._fields["state"]._description_selection(self.env))[
                                ped.state
                            ].lower(),
                            fields=", ".join(
                                ped._fields[f].get_description(self.env)["string"]
                                for f in sorted(changed)
                            ),
                        )
                    )
        # the trail: old and new values, one INSERT for the whole write
        trail = self.env["l10n_mx_immex.log"].sudo()
        old = trail._l10n_mx_immex_snapshot(self, trail._l10n_mx_immex_trail_fields(self, vals))
        res = super().write(vals)
        trail._l10n_mx_immex_log_write(self, old, action=trail._l10n_mx_immex_action(vals))
        if vals.get("state") == "confirmed":
            self.env["l10n_mx_immex.integrity"].sudo()._seal_lines(self.line_ids)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        for ped in self:
            if ped.state != "draft":
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s cannot be deleted: it is %(state)s. Annex 24 "
                        "records are never deleted; cancel it with a reason instead.",
                        name=ped.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            ped.state
                        ].lower(),
                    )
                )
            if ped.line_ids.move_ids or ped.picking_ids:
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s cannot be deleted: transfers refer to it.",
                        name=ped.name,
                    )
                )

    def copy_data(self, default=None):
        # A pedimento number is unique: a copy is a draft to be renumbered.
        vals_list = super().copy_data(default=default)
        for ped, vals in zip(self, vals_list, strict=False):
            vals.setdefault("name", ped.name)
        return vals_list

    def action_confirm(self):
        # trade compliance confirms a declaration by hand; a receipt confirms its own
        # pedimento through the private path
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        self.check_access("write")
        return self._immex_confirm()

    def _immex_confirm(self):
        """Confirm drafts: their legal data is frozen and their balances open."""
        for ped in self:
            if ped.state != "draft":
                raise UserError(
                    self.env._("Only draft pedimentos can be confirmed (%(name)s).", name=ped.name)
                )
            ped._immex_check_before_confirm()
            if ped.rectifies_id:
                self.env["l10n_mx_immex.rectification"]._check(ped)
        now = fields.Datetime.now()
        with guard.server_write():
            self.write({"state": "confirmed"})
            self.filtered(lambda p: not p.registered_at).write({"registered_at": now})
            self.line_ids.filtered(lambda line: not line.registered_at).write(
                {"registered_at": now}
            )
        for ped in self.filtered("rectifies_id"):
            # an R1 changes its original: IMMEX managers only (checked there, also in sudo)
            self.env["l10n_mx_immex.rectification"].sudo()._apply(ped)
        for ped in self.filtered("opens_balance"):
            self.env["l10n_mx_immex.discharge.pending"].sudo()._settle_pending(
                ped.company_id, ped.line_ids.product_id
            )
        return True

    def action_cancel_wizard(self):
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cancel Pedimento"),
            "res_model": "l10n_mx_immex.pedimento.cancel",
            "view_mode": "form",
            "target": "new",
            "context": {"default_pedimento_id": self.id},
        }

    def action_open_rerun(self):
        """Offer the re-run of discharges from the date a rectification changed."""
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-run Discharges"),
            "res_model": "l10n_mx_immex.reconstruction",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_company_id": self.company_id.id,
                "default_date_from": fields.Date.to_string(
                    self.rectification_rerun_date or self.entry_date
                ),
            },
        }

    def action_view_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("id", "in", self.picking_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_view_purchase_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("purchase.purchase_form_action")
        action["domain"] = [("id", "in", self.purchase_order_ids.ids)]
        action["context"] = {"create": False}
        return action

    def _immex_cancel(self, reason):
        """Cancel with a reason; the record stays as the trail of the correction."""
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        if not (reason or "").strip():
            raise UserError(self.env._("A cancellation needs a reason."))
        for ped in self:
            if ped.state == "cancelled":
                raise UserError(
                    self.env._("Pedimento %(name)s is already cancelled.", name=ped.name)
                )
            if ped.rectifies_id and ped.state == "confirmed":
                # its effect on the original is in the trail and the ledger: a wrong R1 is
                # corrected by the next one, never undone by a cancellation
                raise UserError(
                    self.env._(
                        "Rectification %(name)s is applied to %(original)s: record another "
                        "rectification to correct it.",
                        name=ped.name,
                        original=ped.rectifies_id.name,
                    )
                )
            if any(line.qty_discharged >= TOLERANCE for line in ped.line_ids):
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s has balances already discharged by exits. "
                        "Reverse those exits before cancelling it.",
                        name=ped.name,
                    )
                )
        # An exit that did not happen: what it discharged comes back, exactly.
        exits = (
            self.env["l10n_mx_immex.discharge"]
            .sudo()
            .search([("exit_pedimento_id", "in", self.ids), ("kind", "!=", "reversal")])
        )
        # effective at the exit's own date (recorded now); settled pendings stay settled
        self.env["l10n_mx_immex.discharge.reversal"].sudo()._reverse(exits)
        self.env["l10n_mx_immex.discharge.pending"].sudo().search(
            [("exit_pedimento_id", "in", self.ids), ("state", "=", "pending")]
        ).write({"state": "cancelled"})
        with guard.server_write():
            self.write(
                {
                    "state": "cancelled",
                    "cancel_reason": reason.strip(),
                    "cancel_date": fields.Datetime.now(),
                    "cancel_uid": self.env.uid,
                }
            )
        for ped in self:
            ped.message_post(
                body=self.env._("Pedimento cancelled. Reason: %(reason)s", reason=reason.strip())
            )
        return True

    def _immex_set_registered_at(self, registered_at):
        """Record when the entry reached Annex 24, for a history loaded from a previous
        system (and the demo data, dated as that history). Server code only."""
        with guard.server_write():
            return self.write({"registered_at": registered_at})

    def _immex_check_before_confirm(self):
        self.ensure_one()
        if self.operation == "import" and not self.line_ids:
            raise UserError(
                self.env._(
                    "Pedimento %(name)s has no lines: add its partidas or validate a receipt "
                    "that names it.",
                    name=self.name,
                )
            )
        if self.is_consolidated and not self.closing_date:
            raise UserError(
                self.env._(
                    "Consolidated pedimento %(name)s needs its closing date: the legal time "
                    "limit starts there.",
                    name=self.name,
                )
            )
        self.line_ids._immex_check_complete()

    def _immex_clearance_date(self):
        self.ensure_one()
        if self.is_consolidated and self.closing_date:
            return self.closing_date
        return self.entry_date

    def _immex_parts(self):
        self.ensure_one()
        if not self.name:
            return None
        try:
            return pedimento_lib.parse_number(self.name)
        except pedimento_lib.PedimentoError:
            return None

    @api.model
    def _immex_normalize_vals(self, vals):
        if vals.get("name"):
            try:
                vals["name"] = pedimento_lib.normalize_number(vals["name"])
            except pedimento_lib.PedimentoError as err:
                raise ValidationError(self._immex_error_message(err)) from err
        if vals.get("patent"):
            try:
                vals["patent"] = pedimento_lib.normalize_patent(vals["patent"])
            except pedimento_lib.PedimentoError as err:
                raise ValidationError(self._immex_error_message(err)) from err

    @api.model
    def _immex_error_message(self, err):
        """Translate an error of the pure pedimento library into the user's language."""
        params = {k: v if v is not None else "" for k, v in (err.params or {}).items()}
        messages = {
            "format": self.env._(
                "Invalid pedimento number '%(value)s': it needs 15 digits, written as "
                "'YY  AA  PPPP  NNNNNNN' (year, customs office, broker patent, last digit of "
                "the year and 6-digit sequence).",
                value=params.get("value", ""),
            ),
            "year_mismatch": self.env._(
                "The pedimento number is of year %(found)s but its entry date is of year "
                "%(expected)s.",
                found=params.get("found", ""),
                expected=params.get("expected", ""),
            ),
            "year_digit_mismatch": self.env._(
                "The 7-digit document number must start with the last digit of the year "
                "(%(expected)s), not %(found)s.",
                expected=params.get("expected", ""),
                found=params.get("found", ""),
            ),
            "patent_mismatch": self.env._(
                "The broker patent %(expected)s does not match the patent %(found)s in the "
                "pedimento number.",
                expected=params.get("expected", ""),
                found=params.get("found", ""),
            ),
            "office_mismatch": self.env._(
                "The customs office %(expected)s does not match the office %(found)s in the "
                "pedimento number.",
                expected=params.get("expected", ""),
                found=params.get("found", ""),
            ),
            "patent_format": self.env._(
                "Invalid broker patent '%(value)s': up to 4 digits.",
                value=params.get("value", ""),
            ),
            "invalid_characters": self.env._(
                "Invalid pedimento number '%(value)s': it holds control or invisible "
                "characters (tabs, line breaks, zero-width spaces...). Type it again.",
                value=params.get("value", ""),
            ),
            "patent_zero": self.env._(
                "Invalid pedimento number '%(value)s': broker patent 0000 does not exist.",
                value=params.get("value", ""),
            ),
            "sequence_zero": self.env._(
                "Invalid pedimento number '%(value)s': sequence 000000 is never issued.",
                value=params.get("value", ""),
            ),
            "office_unknown": self.env._(
                "Invalid pedimento number '%(value)s': customs office %(found)s is not in "
                "the catalog of customs offices.",
                value=params.get("value", ""),
                found=params.get("found", ""),
            ),
        }
        # never echo more than a short prefix of what was typed
        return messages.get(err.code) or self.env._(
            "Invalid pedimento number '%(value)s'.", value=params.get("value", "")
        )

    def _l10n_mx_immex_match_line(self, product):
        """Broker line of this pedimento for the product, the least received first."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.product_id == product)
        if not lines:
            return lines
        pending = lines.filtered(
            lambda line: line.uom_id.compare(line.qty_received, line.quantity) < 0
        )
        return (pending or lines).sorted("sequence")[:1]


# Static DDL (no user input). The legal columns of a confirmed or cancelled pedimento never
# change, nor is it deleted; a state never goes back to draft and a cancellation is final.
PEDIMENTO_GUARD_DDL = f"""
CREATE OR REPLACE FUNCTION l10n_mx_immex_pedimento_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'Annex 24: pedimento % is %, it cannot be deleted',
                OLD.name, OLD.state USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END IF;
    -- A confirmed rectification (R1) of this pedimento may restate its rectifiable header
    -- values, in the same UPDATE that names it: the only way, and once per R1.
    IF OLD.state <> 'draft' AND ({guard.changed_sql(LOCKED_FIELDS | {"rectified_by_id"})})
       AND NOT (NEW.rectified_by_id IS DISTINCT FROM OLD.rectified_by_id
                AND NOT ({guard.changed_sql(LOCKED_FIELDS - set(RECTIFIABLE_HEADER_FIELDS))})
                AND EXISTS (SELECT 1 FROM l10n_mx_immex_pedimento r
                             WHERE r.id = NEW.rectified_by_id AND r.state = 'confirmed'
                               AND r.rectifies_id = OLD.id)) THEN
        RAISE EXCEPTION 'Annex 24: pedimento % is %, its legal data cannot change',
            OLD.name, OLD.state USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.state <> 'draft' AND NEW.state = 'draft'
       OR OLD.state = 'cancelled' AND NEW.state <> 'cancelled' THEN
        RAISE EXCEPTION 'Annex 24: pedimento % cannot go from % to %',
            OLD.name, OLD.state, NEW.state USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS l10n_mx_immex_pedimento_guard ON l10n_mx_immex_pedimento;
CREATE TRIGGER l10n_mx_immex_pedimento_guard
    BEFORE UPDATE OR DELETE ON l10n_mx_immex_pedimento
    FOR EACH ROW EXECUTE FUNCTION l10n_mx_immex_pedimento_guard();
"""
