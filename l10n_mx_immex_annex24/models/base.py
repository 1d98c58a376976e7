# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError

# Reads of these models by a SAT auditor are written to the access log (one row per call).
AUDITOR_LOGGED_MODELS = frozenset(
    {"product.product", "product.template", "mrp.bom", "mrp.bom.line"}
)
UNGUARDED_MODELS = frozenset({"l10n_mx_immex.access.log"})


class Base(models.AbstractModel):
    _inherit = "base"

    def _l10n_mx_immex_is_annex24_record(self):
        return (
            self._name.startswith("l10n_mx_immex.")
            and not self._transient
            and not self._abstract
            and self._name not in UNGUARDED_MODELS
        )

    def _l10n_mx_immex_log_auditor_read(self):
        if (
            not self
            or self.env.su
            or not (self._l10n_mx_immex_is_annex24_record() or self._name in AUDITOR_LOGGED_MODELS)
            or not self.env.user._l10n_mx_immex_is_auditor()
        ):
            return
        self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
            "read", model_name=self._name, res_ids=self._ids
        )

    def _l10n_mx_immex_guard_auditor(self):
        # The auditor changes nothing in Annex 24, not even through server code that runs
        # sudo on their behalf: sudo keeps env.uid, so the real caller is still known.
        if self._l10n_mx_immex_is_annex24_record() and self.env.user._l10n_mx_immex_is_auditor():
            raise AccessError(
                self.env._(
                    "A SAT auditor has read-only access: %(model)s records cannot be "
                    "created, changed or deleted.",
                    model=self._description,
                )
            )

    def read(self, fields=None, load="_classic_read"):
        result = super().read(fields=fields, load=load)
        self._l10n_mx_immex_log_auditor_read()
        return result

    @api.model
    def search_read(
        self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs
    ):
        result = super().search_read(
            domain=domain, fields=fields, offset=offset, limit=limit, order=order, **read_kwargs
        )
        if result and (
            self._l10n_mx_immex_is_annex24_record() or self._name in AUDITOR_LOGGED_MODELS
        ):
            self.browse([row["id"] for row in result])._l10n_mx_immex_log_auditor_read()
        return result

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        if self and not self.env.su and self.env.user._l10n_mx_immex_is_auditor():
            self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
                "export",
                model_name=self._name,
                res_ids=self._ids,
                detail=", ".join(fields_to_export)[:1000],
            )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        self._l10n_mx_immex_guard_auditor()
        return super().create(vals_list)

    def write(self, vals):
        self._l10n_mx_immex_guard_auditor()
        return super().write(vals)

    def unlink(self):
        self._l10n_mx_immex_guard_auditor()
        return super().unlink()
