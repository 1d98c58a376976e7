# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from lxml import etree

from odoo.tests import Form, tagged

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestPedimentoForm(Annex24Common):
    def _arch(self, xmlid, model="l10n_mx_immex.pedimento", view_type="form"):
        view = self.env.ref(xmlid)
        return etree.fromstring(self.env[model].get_view(view.id, view_type)["arch"])

    def test_key_in_proposes_regime_ite(self):
        form = Form(self.env["l10n_mx_immex.pedimento"])
        form.name = "26  24  3420  6004001"
        form.entry_date = date(2026, 3, 10)
        form.key_id = self.key_in
        self.assertEqual(form.regime_id, self.regime_ite)
        form.key_id = self.key_af
        self.assertEqual(form.regime_id, self.regime_ite)
        ped = form.save()
        self.assertEqual(ped.regime, "ITE")

    def test_retyped_number_brings_its_office_and_patent(self):
        form = Form(self.env["l10n_mx_immex.pedimento"])
        form.key_id = self.key_in
        form.entry_date = date(2026, 3, 10)
        form.name = "26  24  3420  6004002"
        self.assertEqual(form.customs_office_id.code[:2], "24")
        self.assertEqual(form.patent, "3420")
        # retyped: Ciudad Juarez (07), broker 1646; the old office would be refused
        form.name = "26  07  1646  6004002"
        self.assertEqual(form.customs_office_id.code[:2], "07")
        self.assertEqual(form.patent, "1646")
        ped = form.save()
        self.assertEqual(ped.name, "26  07  1646  6004002")

    def test_export_labels(self):
        arch = self._arch("l10n_mx_immex_annex24.l10n_mx_immex_pedimento_view_form")

        def labelled(name, string):
            nodes = arch.xpath(f"//field[@name='{name}'][@string='{string}']")
            self.assertEqual(len(nodes), 1, f"{name} as {string}")
            return nodes[0].get("invisible")

        self.assertEqual(labelled("entry_date", "Exit Date"), "operation != 'export'")
        self.assertEqual(labelled("importer_rfc", "Exporter RFC"), "operation != 'export'")
        self.assertEqual(labelled("partner_id", "Customer"), "operation != 'export'")
        lines = arch.xpath("//field[@name='line_ids']/list")[0]
        shipped = lines.xpath("field[@name='qty_received'][@string='Shipped']")
        self.assertEqual(shipped[0].get("column_invisible"), "parent.operation != 'export'")
        dest = lines.xpath("field[@name='origin_country_id'][@string='Destination Country']")
        self.assertEqual(dest[0].get("column_invisible"), "parent.operation != 'export'")
        check = lines.xpath("field[@name='difference_state']")[0]
        self.assertEqual(check.get("column_invisible"), "parent.operation == 'export'")
        # and an export pedimento still saves through the form
        form = Form(self.env["l10n_mx_immex.pedimento"])
        form.operation = "export"
        form.name = "26  24  3420  6004003"
        form.key_id = self.key_rt
        form.entry_date = date(2026, 3, 12)
        self.assertEqual(form.save().operation, "export")

    def test_numbers_shown_whole_and_dialog_without_legal_cancel(self):
        for xmlid, model, field in (
            ("l10n_mx_immex_pedimento_view_list", "l10n_mx_immex.pedimento", "name"),
            (
                "l10n_mx_immex_pedimento_line_view_list",
                "l10n_mx_immex.pedimento.line",
                "pedimento_id",
            ),
        ):
            arch = self._arch(f"l10n_mx_immex_annex24.{xmlid}", model, "list")
            self.assertTrue(arch.xpath(f"//field[@name='{field}'][@width]"), xmlid)
        form = self._arch("l10n_mx_immex_annex24.l10n_mx_immex_pedimento_view_form")
        cancel = form.xpath("//button[@name='action_cancel_wizard']")[0]
        self.assertIn("l10n_mx_immex_from_picking", cancel.get("invisible"))
        picking = self._arch("stock.view_picking_form", "stock.picking")
        field = picking.xpath("//field[@name='l10n_mx_immex_pedimento_id']")[0]
        self.assertIn("'l10n_mx_immex_from_picking': True", field.get("context"))
        self.assertFalse(field.get("required"))
