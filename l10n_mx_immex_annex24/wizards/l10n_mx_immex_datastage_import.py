# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError

from ..models import l10n_mx_immex_guard as guard


class L10nMxImmexDatastageImport(models.TransientModel):
    """Upload the ZIP the SAT delivers: one batch, every row staged (or reported)."""

    _name = "l10n_mx_immex.datastage.import"
    _description = "Import a Data Stage Delivery"

    file = fields.Binary(string="ZIP", required=True)
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        selection=[("upload", "Upload"), ("overlap", "Overlap")], default="upload"
    )
    overlap_batch_ids = fields.Many2many(
        "l10n_mx_immex.datastage.batch",
        relation="l10n_mx_immex_datastage_import_batch_rel",
        string="Earlier Batches",
        readonly=True,
    )
    replace = fields.Boolean(
        string="Replace the earlier batches",
        help="The earlier batches of the period are kept, marked replaced by this one.",
    )

    def action_import(self):
        """Stage the ZIP; return the batch (an empty recordset while an overlap waits for
        the user's answer: then the wizard shows the earlier batches)."""
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        try:
            data = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as err:
            raise UserError(
                self.env._("The file is not a ZIP (Data Stage delivers a ZIP).")
            ) from err
        Batch = self.env["l10n_mx_immex.datastage.batch"]
        result = Batch._immex_stage(self.company_id, data, self.file_name, replace=self.replace)
        if isinstance(result, tuple):
            self.write({"state": "overlap", "overlap_batch_ids": [(6, 0, result[1].ids)]})
            return Batch
        return result

    def action_import_open(self):
        """The button: import, then open the batch (or ask about the overlap)."""
        batch = self.action_import()
        if not batch:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": self.id,
                "view_mode": "form",
                "target": "new",
            }
        return {
            "type": "ir.actions.act_window",
            "res_model": batch._name,
            "res_id": batch.id,
            "view_mode": "form",
        }
