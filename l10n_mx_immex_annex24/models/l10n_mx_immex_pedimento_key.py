# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .l10n_mx_immex_discharge import DISCHARGE_KINDS

EFFECTS = [
    ("open_material", "Opens material balance"),
    ("open_fixed_asset", "Opens fixed-asset balance"),
    ("discharge", "Discharges"),
    ("transfer", "Transfer"),
    ("regime_change", "Regime change"),
    ("regularization", "Regularisation"),
    ("none", "None"),
]


# What the trail keeps of a key: everything that changes what its pedimentos do.
TRAIL_FIELDS = (
    "code",
    "operation",
    "effect",
    "import_effect",
    "months_limit",
    "discharge_kind",
    "default_regime_id",
    "active",
)


class L10nMxImmexPedimentoKey(models.Model):
    """Pedimento document key (clave de pedimento, Anexo 22 appendix 2)."""

    _name = "l10n_mx_immex.pedimento.key"
    _description = "Pedimento Key (Anexo 22, appendix 2)"
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, size=2)
    name = fields.Char(required=True, translate=True)
    operation = fields.Selection(
        selection=[("import", "Import"), ("export", "Export"), ("both", "Both")],
        required=True,
        help="Operation the key may be declared for. Keys such as V1 exist on both "
        "sides of a virtual transfer.",
    )
    effect = fields.Selection(
        selection=EFFECTS,
        required=True,
        default="none",
        help="What a pedimento with this key does to Annex 24 balances.",
    )
    import_effect = fields.Selection(
        selection=EFFECTS,
        help="Effect when the key is used on an import, if it differs from the main "
        "effect (e.g. V1 received opens a balance).",
    )
    months_limit = fields.Integer(
        string="Time Limit (months)",
        help="Specific time limit for balances opened with this key (e.g. 6 for goods "
        "received by virtual transfer). Zero: the limit of the material type applies.",
    )
    discharge_kind = fields.Selection(
        selection=DISCHARGE_KINDS,
        help="Kind of the discharge rows written when goods leave under this key.",
    )
    default_regime_id = fields.Many2one(
        comodel_name="l10n_mx_immex.customs.regime",
        help="Regime proposed when this key is chosen on a pedimento (e.g. ITE for IN).",
    )
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint("unique(code)", "The pedimento key code must be unique.")

    @api.model_create_multi
    def create(self, vals_list):
        keys = super().create(vals_list)
        keys._l10n_mx_immex_trail(None, "create")
        return keys

    def write(self, vals):
        trail = self.env["l10n_mx_immex.log"].sudo()
        old = trail._l10n_mx_immex_snapshot(self, trail._l10n_mx_immex_trail_fields(self, vals))
        res = super().write(vals)
        self._l10n_mx_immex_trail(old, "write")
        return res

    def _l10n_mx_immex_trail(self, old, action):
        """A key decides what pedimentos do to balances, in every company that uses it: its
        changes go to the trail (and hash chain) of each company."""
        trail = self.env["l10n_mx_immex.log"].sudo()
        # the companies Annex 24 runs in: an IMMEX program, or pedimentos of their own
        Company = self.env["res.company"].sudo()
        companies = Company.search([("l10n_mx_immex_program_number", "!=", False)])
        for (company,) in (
            self.env["l10n_mx_immex.pedimento"]
            .sudo()
            ._read_group([("company_id", "not in", companies.ids)], ["company_id"])
        ):
            companies |= company
        for company in companies or self.env.company:
            company_trail = trail.with_company(company)
            if action == "create":
                company_trail._l10n_mx_immex_log_create(self, TRAIL_FIELDS)
            else:
                company_trail._l10n_mx_immex_log_write(self, old)

    def _compute_display_name(self):
        for key in self:
            key.display_name = f"{key.code} - {key.name}"

    def _effect_for(self, operation):
        """Effect of the key for the given operation of the pedimento."""
        self.ensure_one()
        if operation == "import" and self.import_effect:
            return self.import_effect
        return self.effect

    def _allows_operation(self, operation):
        self.ensure_one()
        return self.operation in (operation, "both")
