# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii
from collections import defaultdict
from datetime import datetime, time

from odoo import fields, models
from odoo.exceptions import UserError

from ..immex import opening
from ..models import l10n_mx_immex_guard as guard


class L10nMxImmexInitialInventory(models.TransientModel):
    """Going live with IMMEX history: the open balances of the previous system.

    Creates (or completes, when Data Stage created them as drafts) the pedimentos and lines
    with their **declared** quantities, so they still match Data Stage, and records what was
    discharged before go-live as ledger rows of kind ``opening``, so the balances match the
    previous system. The totals per fraction are shown before anything is written.
    """

    _name = "l10n_mx_immex.initial.inventory"
    _description = "Annex 24 Initial Inventory"

    file = fields.Binary(string="File (CSV or XLSX)", required=True)
    file_name = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(
        string="Opening Date",
        required=True,
        default=fields.Date.context_today,
        help="The balances of the file are as of this day; what was discharged before "
        "takes effect on it (ledger rows of kind opening).",
    )
    state = fields.Selection([("upload", "Upload"), ("preview", "Check")], default="upload")
    total_ids = fields.One2many(
        "l10n_mx_immex.initial.inventory.total", "wizard_id", string="Totals per Fraction"
    )
    problems = fields.Text(readonly=True)

    def _check_caller(self):
        self.ensure_one()
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)

    def _rows(self):
        try:
            data = base64.b64decode(self.file or b"", validate=True)
        except (binascii.Error, ValueError) as err:
            raise UserError(self.env._("The file cannot be read.")) from err
        try:
            rows, errors = opening.read_rows(data, self.file_name or "")
        except opening.OpeningError as err:
            raise UserError(self._error_message(err)) from err
        return rows, errors

    def _error_message(self, err):
        p = {k: v if v is not None else "" for k, v in (err.params or {}).items()}
        messages = {
            "file": self.env._("The file is neither a CSV nor an XLSX file."),
            "empty": self.env._("The file is empty."),
            "columns": self.env._("Columns missing: %(columns)s.", columns=p.get("columns")),
            "pedimento": self.env._("%(value)s is not a pedimento number.", value=p.get("value")),
            "number": self.env._(
                "Column %(column)s: %(value)s is not a number.",
                column=p.get("column"),
                value=p.get("value"),
            ),
            "date": self.env._(
                "Column %(column)s: %(value)s is not a date.",
                column=p.get("column"),
                value=p.get("value"),
            ),
            "required": self.env._("Column %(column)s is empty.", column=p.get("column")),
            "negative": self.env._("Column %(column)s is negative.", column=p.get("column")),
            "over_discharged": self.env._("More discharged than declared."),
            "balance": self.env._(
                "The balance %(found)s is not declared minus discharged (%(expected)s).",
                found=p.get("found"),
                expected=p.get("expected"),
            ),
            "product": self.env._("No product has part number %(value)s.", value=p.get("value")),
            "line_missing": self.env._(
                "Pedimento %(value)s is confirmed and has no line %(sequence)s.",
                value=p.get("value"),
                sequence=p.get("sequence"),
            ),
            "declared": self.env._(
                "Line %(sequence)s of pedimento %(value)s declares %(found)s, not %(expected)s.",
                value=p.get("value"),
                sequence=p.get("sequence"),
                found=p.get("found"),
                expected=p.get("expected"),
            ),
            "opened": self.env._(
                "Line %(sequence)s of pedimento %(value)s already has discharges.",
                value=p.get("value"),
                sequence=p.get("sequence"),
            ),
            "key": self.env._("Unknown pedimento key %(value)s.", value=p.get("value")),
        }
        text = messages.get(err.code, err.code)
        if err.line:
            return self.env._("Line %(line)s: %(problem)s", line=err.line, problem=text)
        return text

    def action_preview(self):
        self._check_caller()
        rows, errors = self._rows()
        self.total_ids.unlink()
        self.write(
            {
                "state": "preview",
                "problems": "\n".join(self._error_message(e) for e in errors) or False,
                "total_ids": [
                    (
                        0,
                        0,
                        {
                            "fraction": f,
                            "line_count": n,
                            "declared": q,
                            "discharged": d,
                            "balance": b,
                        },
                    )
                    for f, n, q, d, b in opening.totals_by_fraction(rows)
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_confirm(self):
        """Write the initial inventory, all or nothing; open the lines loaded."""
        self._check_caller()
        rows, errors = self._rows()
        if errors:
            raise UserError("\n".join(self._error_message(e) for e in errors[:50]))
        with self.env.cr.savepoint():
            lines = self._load(rows)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Initial Inventory"),
            "res_model": lines._name,
            "view_mode": "list,form",
            "domain": [("id", "in", lines.ids)],
        }

    def _load(self, rows):
        company = self.company_id
        Ped = self.env["l10n_mx_immex.pedimento"]
        Batch = self.env["l10n_mx_immex.datastage.batch"]
        by_name = defaultdict(list)
        for row in rows:
            by_name[row["pedimento"]].append(row)
        existing = {
            p.name: p
            for p in Ped.search([("company_id", "=", company.id), ("name", "in", list(by_name))])
        }
        products = Batch._immex_products_by_code(company, {r["part_number"] for r in rows})
        keys = {k.code: k for k in self.env["l10n_mx_immex.pedimento.key"].search([])}
        refs = Batch._immex_line_refs_for({r["fraction"] for r in rows})
        problems = []
        to_confirm = Ped
        for name, ped_rows in by_name.items():
            ped = existing.get(name)
            have = {line.sequence: line for line in ped.line_ids} if ped else {}
            new_lines = []
            for row in ped_rows:
                line = have.get(row["sequence"])
                if line:
                    if line.uom_id.compare(line.quantity, row["quantity"]) != 0:
                        problems.append(
                            opening.OpeningError(
                                "declared",
                                row["line"],
                                value=name,
                                sequence=row["sequence"],
                                found=line.quantity,
                                expected=row["quantity"],
                            )
                        )
                    continue
                if ped and ped.state != "draft":
                    problems.append(
                        opening.OpeningError(
                            "line_missing", row["line"], value=name, sequence=row["sequence"]
                        )
                    )
                    continue
                product = products.get(row["part_number"])
                if not product:
                    problems.append(
                        opening.OpeningError("product", row["line"], value=row["part_number"])
                    )
                    continue
                new_lines.append(self._line_vals(row, product, refs))
            if problems:
                continue
            if ped:
                if new_lines:
                    ped.write({"line_ids": [(0, 0, v) for v in new_lines]})
            else:
                code = (ped_rows[0]["key"] or "IN").upper()
                key = keys.get(code)
                if not key:
                    problems.append(opening.OpeningError("key", ped_rows[0]["line"], value=code))
                    continue
                ped = Ped.create(
                    {
                        "name": name,
                        "operation": "import",
                        "key_id": key.id,
                        "regime_id": key.default_regime_id.id,
                        "entry_date": ped_rows[0]["entry_date"],
                        "payment_date": ped_rows[0]["payment_date"],
                        "company_id": company.id,
                        "line_ids": [(0, 0, v) for v in new_lines],
                    }
                )
            if ped.state == "draft":
                to_confirm |= ped
        if problems:
            raise UserError("\n".join(self._error_message(e) for e in problems[:50]))
        for ped in to_confirm:
            ped._immex_confirm()
            # loaded from the previous system: it reached Annex 24 with its entry
            ped._immex_set_registered_at(datetime.combine(ped.entry_date, time(0)))
        lines = self._open(by_name)
        return lines

    def _line_vals(self, row, product, refs):
        vals = {
            "sequence": row["sequence"],
            "product_id": product.id,
            "quantity": row["quantity"],
            "uom_id": product.uom_id.id,
            "value_mxn": row["value_mxn"] or 0.0,
            "value_usd": row["value_usd"] or 0.0,
        }
        if row["quantity_tariff"] is not None:
            vals["quantity_tariff"] = row["quantity_tariff"]
        fraction = refs["fractions"].get(row["fraction"])
        if fraction:
            vals["fraction_id"] = fraction
        uom_t = refs["uoms"].get(row["uom_tariff"])
        if uom_t:
            vals["uom_tariff_id"] = uom_t.id
        return vals

    def _open(self, by_name):
        """Ledger rows of kind ``opening`` for what was discharged before go-live."""
        Line = self.env["l10n_mx_immex.pedimento.line"]
        lines = Line.search(
            [("company_id", "=", self.company_id.id), ("pedimento_name", "in", list(by_name))]
        )
        index = {(line.pedimento_name, line.sequence): line for line in lines}
        rows = []
        loaded = Line
        for name, ped_rows in by_name.items():
            for row in ped_rows:
                line = index[(name, row["sequence"])]
                loaded |= line
                if row["discharged"] <= 0:
                    continue
                if line.qty_discharged > 0 or line.discharge_ids:
                    raise UserError(
                        self._error_message(
                            opening.OpeningError(
                                "opened", row["line"], value=name, sequence=row["sequence"]
                            )
                        )
                    )
                ratio = line.quantity_tariff / line.quantity if line.quantity else 0.0
                rows.append(
                    {
                        "import_line_id": line.id,
                        "import_pedimento_id": line.pedimento_id.id,
                        "product_id": line.product_id.id,
                        # declared in the partida's unit; the ledger keeps the product's
                        "quantity": line.uom_id._l10n_mx_immex_convert(
                            row["discharged"], line.product_id.uom_id
                        ),
                        "quantity_tariff": round(row["discharged"] * ratio, 6),
                        "date": self.date,
                        "company_id": self.company_id.id,
                    }
                )
        self.env["l10n_mx_immex.discharge.service"].sudo()._write_rows(rows, "opening")
        return loaded


class L10nMxImmexInitialInventoryTotal(models.TransientModel):
    _name = "l10n_mx_immex.initial.inventory.total"
    _description = "Initial Inventory Total per Fraction"
    _order = "fraction"

    wizard_id = fields.Many2one(
        "l10n_mx_immex.initial.inventory", required=True, ondelete="cascade"
    )
    fraction = fields.Char()
    line_count = fields.Integer(string="Lines")
    declared = fields.Float(digits="Product Unit")
    discharged = fields.Float(digits="Product Unit")
    balance = fields.Float(digits="Product Unit")
