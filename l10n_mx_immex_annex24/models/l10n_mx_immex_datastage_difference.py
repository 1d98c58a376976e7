# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

from . import l10n_mx_immex_guard as guard

# The finding itself never changes; the compliance team only works it through (state, note).
SERVER_FIELDS = {
    "batch_id",
    "company_id",
    "level",
    "kind",
    "pedimento_name",
    "line_sequence",
    "field",
    "value_datastage",
    "value_system",
    "pedimento_id",
    "state",
    "state_date",
    "state_uid",
}


class L10nMxImmexDatastageDifference(models.Model):
    """One difference between Data Stage and Annex 24: a field that differs (both values),
    or a pedimento or line missing on one side, or a Data Stage row that could not be read.
    """

    _name = "l10n_mx_immex.datastage.difference"
    _description = "Data Stage Difference"
    _order = "batch_id desc, pedimento_name, line_sequence, id"
    _check_company_auto = True

    batch_id = fields.Many2one(
        comodel_name="l10n_mx_immex.datastage.batch",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(comodel_name="res.company", readonly=True, index=True)
    level = fields.Selection(
        selection=[("file", "File"), ("pedimento", "Pedimento"), ("line", "Line")],
        required=True,
        readonly=True,
    )
    kind = fields.Selection(
        selection=[
            ("missing_in_system", "Missing in the system"),
            ("missing_in_datastage", "Missing in Data Stage"),
            ("mismatch", "Differs"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    pedimento_name = fields.Char(string="Pedimento", readonly=True, index=True)
    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Pedimento in Annex 24",
        readonly=True,
        index="btree_not_null",
    )
    line_sequence = fields.Integer(string="Partida", readonly=True)
    field = fields.Char(readonly=True, index=True)
    value_datastage = fields.Char(string="Data Stage", readonly=True)
    value_system = fields.Char(string="Annex 24", readonly=True)
    state = fields.Selection(
        selection=[("open", "Open"), ("explained", "Explained"), ("fixed", "Fixed")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    note = fields.Text(help="Why the difference is explained, or which rectification fixed it.")
    state_date = fields.Datetime(string="Worked On", readonly=True)
    state_uid = fields.Many2one("res.users", string="Worked By", readonly=True)

    def write(self, vals):
        guard.refuse_protected(self.env, self._name, SERVER_FIELDS.intersection(vals))
        if "note" in vals and not guard.in_server_write():
            guard.check_group(self.env, guard.MANAGER)
            guard.check_companies(self.env, self.company_id)
        return super().write(vals)

    def action_mark_explained(self):
        """Explained: the note says why (required)."""
        return self._set_state("explained", need_note=True)

    def action_mark_fixed(self):
        """Fixed (after a rectification, or a correction in Annex 24)."""
        return self._set_state("fixed")

    def action_reopen(self):
        return self._set_state("open")

    def _set_state(self, state, need_note=False):
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        self.check_access("write")
        if need_note and self.filtered(lambda d: not (d.note or "").strip()):
            raise UserError(self.env._("Write in the note why the difference is explained."))
        with guard.server_write():
            self.write(
                {"state": state, "state_date": fields.Datetime.now(), "state_uid": self.env.uid}
            )
        return True
