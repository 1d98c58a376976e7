# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageRow(models.AbstractModel):
    """What every staged Data Stage row keeps: where it came from, its raw line and its
    pedimento key. Rows are written by the import only (one set-based INSERT per type)."""

    _name = "l10n_mx_immex.datastage.row"
    _description = "Data Stage Staged Row"
    _order = "batch_id, member, line_number"
    # Who imported and when is the batch's; a row has one foreign key to check (its batch),
    # not five: a 200,000-row delivery pays a referential check per key and per row.
    _log_access = False

    batch_id = fields.Many2one(
        comodel_name="l10n_mx_immex.datastage.batch",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(related="batch_id.company_id")
    member = fields.Char(string="File", readonly=True)
    line_number = fields.Integer(readonly=True)
    raw_line = fields.Text(readonly=True)
    patent = fields.Char(readonly=True)
    document = fields.Char(string="Document Number", readonly=True)
    section = fields.Char(string="Customs Section", readonly=True)
    pedimento_name = fields.Char(string="Pedimento Number", readonly=True)

    # one index serves the batch's rows and a pedimento's rows in it: each index costs the
    # COPY of a 200,000-row delivery its own maintenance
    _batch_pedimento_index = models.Index("(batch_id, pedimento_name)")
