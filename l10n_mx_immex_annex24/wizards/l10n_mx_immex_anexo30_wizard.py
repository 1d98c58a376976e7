# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..immex import anexo30
from ..models import l10n_mx_immex_guard as guard


class L10nMxImmexAnexo30Wizard(models.TransientModel):
    """Anexo 30 text files (VAT/IEPS certification) from the ledger, with the values of the
    import lines: the initial inventory (``01``) or a discharge report (``02``-``04``).
    The layouts are documented in :mod:`..immex.anexo30`."""

    _name = "l10n_mx_immex.anexo30.wizard"
    _description = "Anexo 30 Files"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    report = fields.Selection(
        selection=[("initial", "Initial Inventory (01)"), ("discharges", "Discharges (02-04)")],
        required=True,
        default="discharges",
    )
    date_at = fields.Date(
        string="Balances As Of", default=fields.Date.context_today, help="Initial inventory."
    )
    date_from = fields.Date()
    date_to = fields.Date()
    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    def action_generate(self):
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        if self.report == "initial":
            if not self.date_at:
                raise UserError(self.env._("Give the date of the balances."))
            data = anexo30.initial_inventory(self._initial_rows())
            name = f"anexo30_inventario_inicial_{self.date_at:%Y%m%d}.txt"
        else:
            if not self.date_from or not self.date_to or self.date_to < self.date_from:
                raise UserError(self.env._("Give the period of the discharge report."))
            data = anexo30.discharge_report(self._discharge_rows())
            name = f"anexo30_descargos_{self.date_from:%Y%m%d}_{self.date_to:%Y%m%d}.txt"
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": data,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "text/plain",
                }
            )
        )
        self.attachment_id = attachment
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true"}

    def _initial_rows(self):
        """Open balances of confirmed temporary imports as of ``date_at``."""
        self.env["l10n_mx_immex.discharge"].flush_model()
        self.env["l10n_mx_immex.pedimento.line"].flush_model()
        rows = self.env.execute_query_dict(
            SQL(
                """
                SELECT l.pedimento_name AS pedimento, l.sequence, f.code AS fraction,
                       l.entry_date AS date, l.quantity, l.quantity_tariff, l.value_mxn,
                       ut.l10n_mx_immex_umt_code AS uom_tariff,
                       l.material_type = 'fixed_asset' AS fixed_asset,
                       COALESCE((SELECT sum(d.quantity) FROM l10n_mx_immex_discharge d
                                  WHERE d.import_line_id = l.id AND d.date <= %(at)s), 0) AS done
                  FROM l10n_mx_immex_pedimento_line l
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = l.fraction_id
                  LEFT JOIN uom_uom ut ON ut.id = l.uom_tariff_id
                 WHERE l.company_id = %(company)s AND l.is_temporary AND l.entry_date <= %(at)s
                """,
                company=self.company_id.id,
                at=self.date_at,
            )
        )
        out = []
        for r in rows:
            balance = r["quantity"] - r["done"]
            if balance <= 1e-9 or not r["quantity"]:
                continue
            share = balance / r["quantity"]
            out.append(
                dict(
                    r,
                    quantity_tariff=r["quantity_tariff"] * share,
                    value=(r["value_mxn"] or 0.0) * share,
                    fraction=r["fraction"] or "",
                )
            )
        return out

    def _discharge_rows(self):
        """Ledger rows of the period (reversals subtract), valued at the import line's
        customs value per unit; rows of kind opening (before go-live) are not reported."""
        self.env["l10n_mx_immex.discharge"].flush_model()
        return self.env.execute_query_dict(
            SQL(
                """
                SELECT COALESCE(k.code, '') AS key, d.date, COALESCE(f.code, '') AS fraction,
                       CASE WHEN l.quantity > 0 THEN l.value_mxn * d.quantity / l.quantity
                            ELSE 0 END AS value,
                       l.material_type = 'fixed_asset' AS fixed_asset,
                       e.name AS destination
                  FROM l10n_mx_immex_discharge d
                  JOIN l10n_mx_immex_pedimento_line l ON l.id = d.import_line_id
                  LEFT JOIN l10n_mx_catalogs_c_fraccion f ON f.id = l.fraction_id
                  LEFT JOIN l10n_mx_immex_pedimento e ON e.id = COALESCE(
                        d.exit_pedimento_id,
                        (SELECT r.exit_pedimento_id FROM l10n_mx_immex_discharge r
                          WHERE r.id = d.reversed_id))
                  LEFT JOIN l10n_mx_immex_pedimento_key k ON k.id = e.key_id
                 WHERE d.company_id = %(company)s AND d.kind <> 'opening'
                   AND d.date BETWEEN %(start)s AND %(stop)s
                """,
                company=self.company_id.id,
                start=self.date_from,
                stop=self.date_to,
            )
        )
