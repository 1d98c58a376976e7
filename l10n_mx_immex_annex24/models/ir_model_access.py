# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models, tools

# What a SAT auditor may read, whatever other group (base.group_user) grants: Annex 24, the
# catalogs, the master data Annex 24 shows (record rules narrow it to the records involved),
# and the technical models the web client itself needs to run.
AUDITOR_READ_MODELS = frozenset(
    {
        "res.partner",
        "res.users",
        "res.company",
        "res.lang",
        "res.currency",
        "res.country",
        "res.country.state",
        "uom.uom",
        "product.product",
        "product.template",
        "product.category",
        "mrp.bom",
        "mrp.bom.line",
    }
)
AUDITOR_READ_PREFIXES = (
    "l10n_mx_immex.",
    "l10n_mx_catalogs.",
    "ir.",
    "mail.",
    "bus.",
    "discuss.",
    "web_tour.",
    "res.users.settings",
    "res.device",
    "report.l10n_mx_immex_annex24.",
)
# Company content under those prefixes that the web client does not need for an auditor.
AUDITOR_READ_EXCLUDED = frozenset({"mail.template", "mail.alias", "mail.alias.domain"})
# Writes the web client makes on the auditor's own behalf (settings, presence, password).
AUDITOR_WRITE_MODELS = frozenset(
    {
        "res.users.settings",
        "res.users.settings.volumes",
        "res.device",
        "res.device.log",
        "mail.presence",
        "bus.presence",
        "change.password.own",
    }
)


class IrModelAccess(models.Model):
    _inherit = "ir.model.access"

    @tools.ormcache("self.env.uid", "mode")
    def _get_allowed_models(self, mode="read"):
        allowed = super()._get_allowed_models(mode)
        if not self.env.user._l10n_mx_immex_is_auditor():
            return allowed
        if mode == "read":
            return frozenset(
                model
                for model in allowed
                if (model in AUDITOR_READ_MODELS or model.startswith(AUDITOR_READ_PREFIXES))
                and model not in AUDITOR_READ_EXCLUDED
            )
        # Nothing that holds data: only the addon's wizards (report forms) and the web
        # client's own per-user records.
        return frozenset(
            model
            for model in allowed
            if model in AUDITOR_WRITE_MODELS
            or (
                model.startswith("l10n_mx_immex.")
                and model in self.env
                and self.env[model]._transient
            )
        )
