# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, models, tools
from odoo.exceptions import AccessError

# Reads of these models by a SAT auditor are written to the access log (one row per call).
AUDITOR_LOGGED_MODELS = frozenset(
    {"product.product", "product.template", "mrp.bom", "mrp.bom.line"}
)
# The auditor's own read-only views of the master data Annex 24 links to: the standard ones
# compute stock, purchase and accounting figures, closed to them.
AUDITOR_VIEWS = {
    ("product.template", "form"): "product_template_view_form_sat_auditor",
    ("product.template", "list"): "product_template_view_list_sat_auditor",
    ("product.product", "form"): "product_product_view_form_sat_auditor",
    ("product.product", "list"): "product_product_view_list_sat_auditor",
    ("mrp.bom", "form"): "mrp_bom_view_form_sat_auditor",
    ("res.partner", "form"): "res_partner_view_form_sat_auditor",
    ("res.partner", "list"): "res_partner_view_list_sat_auditor",
}
# Computed without declared dependencies, from models closed to the auditor.
AUDITOR_HIDDEN_FIELDS = {"l10n_mx_immex.pedimento": {"picking_count"}}


class Base(models.AbstractModel):
    _inherit = "base"

    # An Annex 24 model whose rows a SAT auditor's own actions may add (the access log, an
    # integrity run they start) sets this to True; every other one refuses them.
    _l10n_mx_immex_auditor_may_write = False

    def _l10n_mx_immex_is_annex24_record(self):
        return (
            self._name.startswith("l10n_mx_immex.")
            and not self._transient
            and not self._abstract
            and not self._l10n_mx_immex_auditor_may_write
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

    @tools.ormcache("self.env.uid")
    def _l10n_mx_immex_auditor_hidden_fields(self):
        """Fields of this model a SAT auditor cannot read: relations to models closed to
        them (pickings, moves, purchases...) and computed values that go through one."""
        access = self.env["ir.model.access"]
        hidden = set(AUDITOR_HIDDEN_FIELDS.get(self._name, ()))
        for name, field in self._fields.items():
            if field.relational and not access.check(field.comodel_name, "read", False):
                hidden.add(name)
                continue
            if not field.compute or field.store:
                continue
            for path in field.get_depends(self)[0]:
                model = self
                for part in path.split("."):
                    sub = model._fields.get(part)
                    if sub is None or not sub.relational:
                        break
                    if not access.check(sub.comodel_name, "read", False):
                        hidden.add(name)
                        break
                    model = self.env[sub.comodel_name]
                if name in hidden:
                    break
        return frozenset(hidden)

    @api.model
    def get_view(self, view_id=None, view_type="form", **options):
        auditor = not self.env.su and self.env.user._l10n_mx_immex_is_auditor()
        if auditor and (self._name, view_type) in AUDITOR_VIEWS:
            xmlid = AUDITOR_VIEWS[self._name, view_type]
            view = self.env.ref(f"l10n_mx_immex_annex24.{xmlid}", raise_if_not_found=False)
            view_id = view.id if view else view_id
        result = super().get_view(view_id, view_type, **options)
        if not auditor:
            return result
        # The Annex 24 screens show pickings, moves or purchase orders to IMMEX users; for an
        # auditor those fields would fail to load, so they are left out of the view.
        node = etree.fromstring(result["arch"])
        removed = {}
        self._l10n_mx_immex_strip_auditor_fields(node, removed)
        if removed:
            result["arch"] = etree.tostring(node, encoding="unicode")
        # Fields only referenced by modifiers are fetched by the client too.
        result["models"] = {
            model: tuple(
                f
                for f in fnames
                if f not in removed.get(model, ())
                and f not in self.env[model]._l10n_mx_immex_auditor_hidden_fields()
            )
            for model, fnames in result["models"].items()
        }
        return result

    def _l10n_mx_immex_strip_auditor_fields(self, node, removed):
        hidden = self._l10n_mx_immex_auditor_hidden_fields()
        for child in list(node):
            if child.tag == "field" and child.get("name") in hidden:
                removed.setdefault(self._name, set()).add(child.get("name"))
                child.getparent().remove(child)
                continue
            field = self._fields.get(child.get("name")) if child.tag == "field" else None
            if field is not None and field.relational:
                # inline sub-views of an x2many describe the comodel
                self.env[field.comodel_name]._l10n_mx_immex_strip_auditor_fields(child, removed)
            else:
                self._l10n_mx_immex_strip_auditor_fields(child, removed)

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

    def _l10n_mx_immex_log_auditor_groups(self, groupings):
        """Grouped views (lists, kanban, pivot, graph) show Annex 24 figures without reading
        the records one by one: each call is a 'read' row saying how it was grouped."""
        if (
            self.env.su
            or not (self._l10n_mx_immex_is_annex24_record() or self._name in AUDITOR_LOGGED_MODELS)
            or not self.env.user._l10n_mx_immex_is_auditor()
        ):
            return
        detail = "; ".join(", ".join(groupby) or "-" for groupby in groupings)
        self.env["l10n_mx_immex.access.log"].sudo()._l10n_mx_immex_record(
            "read", model_name=self._name, detail=f"grouped by: {detail}"[:1000]
        )

    @api.model
    def formatted_read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        result = super().formatted_read_group(
            domain,
            groupby=groupby,
            aggregates=aggregates,
            having=having,
            offset=offset,
            limit=limit,
            order=order,
        )
        self._l10n_mx_immex_log_auditor_groups([groupby])
        return result

    @api.model
    def formatted_read_grouping_sets(self, domain, grouping_sets, aggregates=(), *, order=None):
        result = super().formatted_read_grouping_sets(
            domain, grouping_sets, aggregates=aggregates, order=order
        )
        self._l10n_mx_immex_log_auditor_groups(grouping_sets)
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
