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
    ("reversal", "Reversal"),
]


class L10nMxImmexDischarge(models.Model):
    """One row of the append-only discharge ledger (descargo) or of its reversal.

    Rows are never edited nor deleted, not even by the superuser through the ORM: a
    correction is a reversal row (negative quantity) pointing at the row it cancels, so the
    balance of a pedimento line is always the plain sum of its rows.
    """

    _name = "l10n_mx_immex.discharge"
    _description = "Annex 24 Discharge"
    _order = "date desc, id desc"
    _check_company_auto = True

    import_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    import_pedimento_id = fields.Many2one(
        related="import_line_id.pedimento_id", store=True, string="Import Pedimento"
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        string="Imported Good",
        required=True,
        ondelete="restrict",
        index=True,
    )
    quantity = fields.Float(digits="Product Unit", required=True)
    quantity_tariff = fields.Float(string="Quantity (UMT)", digits="Product Unit")
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    kind = fields.Selection(selection=DISCHARGE_KINDS, required=True, index=True)
    exit_pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        ondelete="restrict",
        index="btree_not_null",
    )
    exit_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        ondelete="restrict",
        index="btree_not_null",
    )
    move_id = fields.Many2one(
        comodel_name="stock.move", ondelete="restrict", index="btree_not_null"
    )
    production_id = fields.Many2one(
        comodel_name="mrp.production", ondelete="restrict", index="btree_not_null"
    )
    finished_product_id = fields.Many2one(
        comodel_name="product.product", string="Finished Good", ondelete="restrict"
    )
    reversed_id = fields.Many2one(
        comodel_name="l10n_mx_immex.discharge",
        string="Reverses",
        ondelete="restrict",
        index="btree_not_null",
    )
    event_id = fields.Many2one(
        comodel_name="l10n_mx_immex.exit.event",
        string="Exit Event",
        ondelete="restrict",
        index="btree_not_null",
    )
    pending_id = fields.Many2one(
        comodel_name="l10n_mx_immex.discharge.pending",
        string="Settles Pending",
        ondelete="restrict",
        index="btree_not_null",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )

    _ledger_index = models.Index("(company_id, date, kind)")

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
