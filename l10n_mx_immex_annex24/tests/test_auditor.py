# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from psycopg2 import errors

from odoo import fields
from odoo.exceptions import AccessDenied, AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import Annex24Common

PASSWORD = "Auditor-pass-2026!"


@tagged("post_install", "-at_install")
class TestAuditor(Annex24Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.whs = cls._new_user("aud_whs", "stock.group_stock_user")
        cls.manager = cls._new_user(
            "aud_mgr", "stock.group_stock_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.auditor = cls.env["res.users"].create(
            {
                "name": "Auditora SAT",
                "login": "sat_auditora",
                "password": PASSWORD,
                "tz": "America/Mexico_City",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "group_ids": [
                    Command.set(cls.env.ref("l10n_mx_immex_annex24.group_sat_auditor").ids)
                ],
                "l10n_mx_immex_auditor_valid_from": cls.today - timedelta(days=1),
                "l10n_mx_immex_auditor_valid_until": cls.today + timedelta(days=30),
            }
        )
        cls.stranger = cls.env["res.partner"].create({"name": "Cliente Ajeno SA"})
        cls.ped = cls._create_pedimento(lines=[(cls.terminal, 100)])
        cls.ped.action_confirm()
        cls.draft = cls._create_pedimento(number="26  24  3420  6000777", lines=[(cls.wire, 50)])
        cls.Log = cls.env["l10n_mx_immex.access.log"]

    def _logs(self, **domain):
        dom = [("user_id", "=", self.auditor.id)] + [(k, "=", v) for k, v in domain.items()]
        return self.Log.sudo().search(dom)

    def _authenticate(self, login="sat_auditora", password=PASSWORD):
        credential = {"type": "password", "login": login, "password": password}
        return self.env["res.users"].authenticate(credential, {"interactive": False})

    # --- menus -------------------------------------------------------------------------

    def test_auditor_sees_only_annex24_menus(self):
        menus = self.env["ir.ui.menu"].with_user(self.auditor).load_menus(debug=False)
        menu_ids = {key for key in menus if key != "root"}
        root = self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_menu_root")
        annex24 = self.env["ir.ui.menu"].search([("id", "child_of", root.id)])
        self.assertEqual(menus["root"]["children"], [root.id])
        self.assertLessEqual(menu_ids, set(annex24.ids))
        self.assertIn(
            self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_pedimento_menu").id, menu_ids
        )
        for xmlid in (
            "stock.menu_stock_root",
            "mail.menu_root_discuss",
            "base.menu_administration",
            "purchase.menu_purchase_root",
            "mrp.menu_mrp_root",
            "l10n_mx_immex_annex24.l10n_mx_immex_access_log_menu",
            "l10n_mx_immex_annex24.l10n_mx_immex_reconstruction_menu",
        ):
            self.assertNotIn(self.env.ref(xmlid).id, menu_ids, xmlid)

    def test_other_users_keep_their_menus(self):
        menus = self.env["ir.ui.menu"].with_user(self.whs).load_menus(debug=False)
        self.assertIn(self.env.ref("stock.menu_stock_root").id, menus)
        self.assertIn(self.env.ref("mail.menu_root_discuss").id, menus)
        menus = self.env["ir.ui.menu"].with_user(self.manager).load_menus(debug=False)
        self.assertIn(self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_access_log_menu").id, menus)

    # --- reads -------------------------------------------------------------------------

    def test_auditor_reads_annex24_records(self):
        env = self.env(user=self.auditor)
        ped = env["l10n_mx_immex.pedimento"].browse(self.ped.id)
        self.assertEqual(ped.line_ids.qty_balance, 100)
        self.assertEqual(ped.partner_id.name, "Texas Wire Supply LLC")
        self.assertEqual(ped.company_id.name, "Arneses del Bravo SA de CV")
        self.assertEqual(
            ped.line_ids.product_id.read(["default_code"])[0]["default_code"], "TERM-28"
        )
        self.assertEqual(env["res.company"].search([]), self.company)
        self.assertEqual(env["res.users"].search([]), self.auditor)

    def test_auditor_reads_nothing_else(self):
        env = self.env(user=self.auditor)
        partners = env["res.partner"].search([])
        self.assertIn(self.supplier_us, partners)  # a pedimento's partner
        self.assertIn(self.auditor.partner_id, partners)
        self.assertIn(self.company.partner_id, partners)
        self.assertNotIn(self.stranger, partners)
        self.assertNotIn(self.supplier_mx, partners)  # on no pedimento
        self.assertNotIn(self.whs.partner_id, partners)
        with self.assertRaises(AccessError):
            env["res.partner"].browse(self.stranger.id).read(["name"])
        with self.assertRaises(AccessError):
            env["res.users"].browse(self.whs.id).read(["login"])
        # products outside Annex 24 are not shown
        self.assertFalse(env["product.product"].search([("id", "=", self.office_supplies.id)]))
        with self.assertRaises(AccessError):
            env["product.product"].browse(self.office_supplies.id).read(["name"])
        # the rest of the ERP is closed, whatever base.group_user grants
        for model in (
            "stock.picking",
            "stock.warehouse",
            "purchase.order",
            "mrp.production",
            "mail.template",
        ):
            with self.assertRaises(AccessError, msg=model):
                env[model].search([], limit=1)
        with self.assertRaises(AccessError):
            env["l10n_mx_immex.access.log"].search([])
        general = self.env.ref("mail.channel_all_employees", raise_if_not_found=False)
        if general:
            self.assertNotIn(self.auditor.partner_id, general.channel_partner_ids)
            self.assertFalse(env["discuss.channel"].search([("id", "=", general.id)]))

    def test_auditor_screens_load(self):
        """Every Annex 24 screen the auditor can open loads its list and form, with what the
        client would fetch, without touching models closed to the auditor."""
        env = self.env(user=self.auditor)
        self.env.invalidate_all()  # read from the database, as a new request would
        menus = env["ir.ui.menu"].load_menus(debug=False)
        actions = self.env["ir.actions.act_window"].browse(
            {
                m["action_id"]
                for key, m in menus.items()
                if key != "root" and m.get("action_model") == "ir.actions.act_window"
            }
        )
        models = set(actions.mapped("res_model")) | {"product.product", "mrp.bom", "res.partner"}
        self.assertIn("l10n_mx_immex.pedimento", models)
        for model in sorted(models):
            Model = env[model]
            views = Model.get_views([[False, "list"], [False, "form"]])
            described = {name: set(info["fields"]) for name, info in views["models"].items()}

            def spec(model_name, depth=0, described=described):
                out = {}
                for fname in described.get(model_name, ()):
                    field = env[model_name]._fields[fname]
                    if field.type in ("one2many", "many2many") and depth == 0:
                        out[fname] = {"fields": spec(field.comodel_name, 1)}
                    elif field.type == "many2one":
                        out[fname] = {"fields": {"display_name": {}}}
                    else:
                        out[fname] = {}
                return out

            result = Model.web_search_read([], spec(model), limit=5)
            ids = [row["id"] for row in result["records"]]
            if ids:
                Model.browse(ids[:1]).web_read(spec(model))
            for name, fnames in described.items():
                self.assertFalse(
                    set(fnames) & {"picking_ids", "move_ids", "purchase_order_ids"}
                    if name.startswith("l10n_mx_immex.")
                    else set(),
                    f"{model}: {name}",
                )
        # the ordinary screens still show IMMEX users the stock links
        fields = (
            self.env["l10n_mx_immex.pedimento"]
            .with_user(self.whs)
            .get_views([[False, "form"]])["models"]["l10n_mx_immex.pedimento"]["fields"]
        )
        self.assertIn("picking_count", fields)

    def test_auditor_group_on_an_immex_user_changes_nothing(self):
        both = self._new_user(
            "aud_both", "stock.group_stock_user,l10n_mx_immex_annex24.group_sat_auditor"
        )
        self.assertIn(self.warehouse, self.env["stock.warehouse"].with_user(both).search([]))
        self.assertIn(self.stranger, self.env["res.partner"].with_user(both).search([]))

    # --- writes ------------------------------------------------------------------------

    def test_auditor_changes_nothing(self):
        env = self.env(user=self.auditor)
        with self.assertRaises(AccessError):
            env["l10n_mx_immex.pedimento"].browse(self.draft.id).exchange_rate = 19.0
        with self.assertRaises(AccessError):
            env["l10n_mx_immex.pedimento"].browse(self.draft.id).action_confirm()
        self.assertEqual(self.draft.state, "draft")
        vals = {
            "import_line_id": self.ped.line_ids.id,
            "product_id": self.terminal.id,
            "quantity": 10,
            "kind": "return",
            "company_id": self.company.id,
        }
        # the ledger refuses hand-made rows from anyone (UserError) before the auditor
        # guard (AccessError) is reached; either way no row is written
        with self.assertRaises(UserError):  # AccessError is a UserError
            env["l10n_mx_immex.discharge"].create(vals)
        # not even server code running sudo on the auditor's behalf writes Annex 24
        with self.assertRaises(UserError):  # AccessError is a UserError
            env["l10n_mx_immex.discharge"].sudo().create(vals)
        self.assertFalse(
            self.env["l10n_mx_immex.discharge"].search(
                [("import_line_id", "=", self.ped.line_ids.id)]
            )
        )
        with self.assertRaises(AccessError):
            env["l10n_mx_immex.pedimento"].sudo().browse(self.draft.id).write({"exchange_rate": 1})
        self.assertEqual(self.ped.line_ids.qty_balance, 100)
        with self.assertRaises(AccessError):
            env["res.partner"].browse(self.supplier_us.id).name = "Renamed"
        with self.assertRaises(AccessError):
            env["product.product"].browse(self.terminal.id).default_code = "X"
        with self.assertRaises(AccessError):
            env["res.partner"].create({"name": "New"})
        # Own preferences stay editable (safe fields only, as for every Odoo user).
        own = env["res.users"].browse(self.auditor.id)
        own.tz = "America/Tijuana"
        self.assertEqual(self.auditor.tz, "America/Tijuana")
        with self.assertRaises(AccessError):
            own.write({"l10n_mx_immex_auditor_valid_until": self.today + timedelta(days=999)})

    # --- login and validity ------------------------------------------------------------

    def test_login_within_validity_is_logged(self):
        auth = self._authenticate()
        self.assertEqual(auth["uid"], self.auditor.id)
        login = self._logs(action="login")
        self.assertEqual(len(login), 1)
        self.assertEqual(login.company_id, self.company)
        self.assertTrue(self.auditor._compute_session_token("sid-1"))
        # per-call RPC authentication, also once core has cached a successful check
        self.env["res.users"]._check_uid_passwd(self.auditor.id, PASSWORD)
        self.auditor.l10n_mx_immex_auditor_valid_until = self.today - timedelta(days=1)
        with self.assertRaisesRegex(AccessDenied, "expired"):
            self.env["res.users"]._check_uid_passwd(self.auditor.id, PASSWORD)

    def test_login_refused_outside_validity(self):
        self.auditor.l10n_mx_immex_auditor_valid_until = self.today - timedelta(days=1)
        self.auditor.l10n_mx_immex_auditor_valid_from = self.today - timedelta(days=10)
        with self.assertRaisesRegex(AccessDenied, "expired"):
            self._authenticate()
        with self.assertRaises(AccessDenied):
            self.env["res.users"]._check_uid_passwd(self.auditor.id, PASSWORD)
        # an open session stops working
        self.assertFalse(self.auditor._compute_session_token("sid-2"))
        self.auditor.write(
            {
                "l10n_mx_immex_auditor_valid_from": self.today + timedelta(days=1),
                "l10n_mx_immex_auditor_valid_until": self.today + timedelta(days=5),
            }
        )
        with self.assertRaisesRegex(AccessDenied, "cannot be used before"):
            self._authenticate()
        self.auditor.l10n_mx_immex_auditor_valid_until = False
        with self.assertRaisesRegex(AccessDenied, "no validity period"):
            self._authenticate()
        self.assertFalse(self._logs(action="login"))
        # every refused attempt is on record, with the reason
        refused = self._logs(action="login_refused")
        self.assertEqual(len(refused), 3)
        self.assertTrue(any("expired" in r.detail for r in refused))
        # the validity applies to auditor accounts only
        self.assertEqual(self._authenticate("aud_whs", "aud_whsx")["uid"], self.whs.id)

    def test_refusal_message_is_translated(self):
        self.env["res.lang"]._activate_lang("es_MX")
        self.auditor.write(
            {"lang": "es_MX", "l10n_mx_immex_auditor_valid_until": self.today - timedelta(days=2)}
        )
        with self.assertRaisesRegex(AccessDenied, "venció"):
            self._authenticate()

    # --- access log ----------------------------------------------------------------------

    def test_reads_exports_and_prints_are_logged(self):
        Ped = self.env["l10n_mx_immex.pedimento"].with_user(self.auditor)
        Ped.web_search_read([("id", "=", self.ped.id)], {"name": {}, "state": {}})
        row = self._logs(action="read", model_name="l10n_mx_immex.pedimento")
        self.assertEqual(len(row), 1)  # one row per call, not per record or per method layer
        self.assertEqual(row.res_ids, str(self.ped.id))
        self.assertEqual(row.record_count, 1)
        Ped.browse(self.ped.id).web_read({"line_ids": {"fields": {"quantity": {}}}})
        self.assertEqual(len(self._logs(action="read", model_name="l10n_mx_immex.pedimento")), 2)
        lines = self._logs(action="read", model_name="l10n_mx_immex.pedimento.line")
        self.assertEqual(lines.res_ids, str(self.ped.line_ids.id))
        self.env["l10n_mx_immex.pedimento.line"].with_user(self.auditor).search_read(
            [("pedimento_id", "=", self.ped.id)], ["quantity"]
        )
        self.assertEqual(
            len(self._logs(action="read", model_name="l10n_mx_immex.pedimento.line")), 2
        )
        # grouped views (list groups, pivot, graph) read figures without records
        Discharge = self.env["l10n_mx_immex.discharge"].with_user(self.auditor)
        Discharge.web_read_group([], ["kind"], ["quantity:sum"])
        grouped = self._logs(action="read", model_name="l10n_mx_immex.discharge")
        self.assertEqual(len(grouped), 1)
        self.assertEqual(grouped.detail, "grouped by: kind")
        Discharge.formatted_read_grouping_sets([], [["kind"], ["product_id", "date:month"]])
        grouped = self._logs(action="read", model_name="l10n_mx_immex.discharge")
        self.assertEqual(len(grouped), 2)
        self.assertIn("grouped by: kind; product_id, date:month", grouped.mapped("detail"))
        # an ordinary user's reads are not logged
        self.env["l10n_mx_immex.discharge"].with_user(self.whs).web_read_group([], ["kind"])
        self.ped.with_user(self.whs).read(["name"])
        self.assertFalse(self.Log.sudo().search([("user_id", "=", self.whs.id)]))

        Ped.browse(self.ped.id).export_data(["name", "line_ids/quantity"])
        export = self._logs(action="export")
        self.assertEqual(export.model_name, "l10n_mx_immex.pedimento")
        self.assertEqual(export.detail, "name, line_ids/quantity")

        view = self.env["ir.ui.view"].create(
            {
                "name": "test_auditor_print",
                "type": "qweb",
                "key": "l10n_mx_immex_annex24.test_auditor_print",
                "arch": '<t t-name="l10n_mx_immex_annex24.test_auditor_print">'
                '<t t-foreach="docs" t-as="o"><p t-out="o.name"/></t></t>',
            }
        )
        report = self.env["ir.actions.report"].create(
            {
                "name": "Pedimento (test)",
                "model": "l10n_mx_immex.pedimento",
                "report_type": "qweb-html",
                "report_name": view.key,
            }
        )
        html, _fmt = (
            self.env["ir.actions.report"]
            .with_user(self.auditor)
            ._render(report.report_name, self.ped.ids)
        )
        self.assertIn(b"6001234", html)
        printed = self._logs(action="print")
        self.assertEqual(printed.report_type, view.key)
        self.assertEqual(printed.res_ids, str(self.ped.id))

    def test_log_cannot_be_altered(self):
        self._authenticate()
        row = self._logs(action="login")
        self.assertIn(row, self.Log.with_user(self.manager).search([]))
        for user in (self.auditor, self.manager):
            with self.assertRaises(UserError):
                row.with_user(user).write({"action": "read"})
            with self.assertRaises(UserError):
                row.with_user(user).unlink()
            with self.assertRaises(UserError):
                self.Log.with_user(user).create({"user_id": self.auditor.id, "action": "login"})
        with self.assertRaises(UserError):
            row.sudo().write({"action": "read"})
        with self.assertRaises(UserError):
            row.sudo().unlink()
        self.env.flush_all()
        for query in (
            "UPDATE l10n_mx_immex_access_log SET action = 'read' WHERE id = %s",
            "DELETE FROM l10n_mx_immex_access_log WHERE id = %s",
        ):
            with mute_logger("odoo.sql_db"), self.assertRaises(errors.InsufficientPrivilege):
                with self.env.cr.savepoint():
                    self.env.cr.execute(query, [row.id])
        self.env.cr.execute("SELECT action FROM l10n_mx_immex_access_log WHERE id = %s", [row.id])
        self.assertEqual(self.env.cr.fetchone()[0], "login")

    # --- account wizard ------------------------------------------------------------------

    def _wizard_vals(self, **vals):
        return {
            "name": "Lic. Revisora",
            "login": "revisora_sat",
            "email": "revisora@sat.example",
            "company_id": self.company.id,
            "valid_from": self.today,
            "valid_until": self.today + timedelta(days=15),
            **vals,
        }

    def test_wizard_creates_auditor_account(self):
        wizard = (
            self.env["l10n_mx_immex.auditor.account"]
            .with_user(self.manager)
            .create(self._wizard_vals())
        )
        wizard.action_apply()
        self.assertEqual(wizard.state, "done")
        user = self.env["res.users"].search([("login", "=", "revisora_sat")])
        self.assertTrue(user._l10n_mx_immex_is_auditor())
        self.assertTrue(user._is_internal())
        self.assertFalse(user.has_group("stock.group_stock_user"))
        self.assertFalse(user.has_group("l10n_mx_immex_annex24.group_immex_user"))
        self.assertEqual(user.company_ids, self.company)
        self.assertEqual(user.l10n_mx_immex_auditor_valid_until, self.today + timedelta(days=15))
        self.assertEqual(
            self._authenticate("revisora_sat", wizard.initial_password)["uid"], user.id
        )
        # the manager's list of auditor accounts shows it
        action = self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_auditor_user_action")
        listed = (
            self.env["res.users"]
            .with_user(self.manager)
            .with_context(active_test=False)
            .search(safe_eval(action.domain))
        )
        self.assertIn(user, listed)
        self.assertNotIn(self.whs, listed)
        # the manager changes the period of the existing account
        wizard = (
            self.env["l10n_mx_immex.auditor.account"]
            .with_user(self.manager)
            .create(self._wizard_vals(user_id=user.id, valid_until=self.today + timedelta(days=40)))
        )
        wizard.action_apply()
        self.assertEqual(user.l10n_mx_immex_auditor_valid_until, self.today + timedelta(days=40))
        # but cannot turn an ordinary user into something else through it
        wizard = (
            self.env["l10n_mx_immex.auditor.account"]
            .with_user(self.manager)
            .create(self._wizard_vals(user_id=self.whs.id))
        )
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_wizard_refused_to_non_managers(self):
        with self.assertRaises(AccessError):
            self.env["l10n_mx_immex.auditor.account"].with_user(self.whs).create(
                self._wizard_vals()
            )
        # the method checks the group itself, not only the access rules
        wizard = self.env["l10n_mx_immex.auditor.account"].create(self._wizard_vals())
        for user in (self.whs, self.auditor):
            with self.assertRaises(AccessError):
                wizard.with_user(user).action_apply()
        self.assertFalse(self.env["res.users"].search([("login", "=", "revisora_sat")]))
        other = self.env["res.company"].create({"name": "Otra Planta", "country_id": self.mx.id})
        wizard = (
            self.env["l10n_mx_immex.auditor.account"]
            .with_user(self.manager)
            .create(self._wizard_vals(company_id=self.company.id))
        )
        wizard.sudo().company_id = other
        with self.assertRaises(AccessError):
            wizard.action_apply()
        wizard.sudo().company_id = self.company
        wizard.valid_until = self.today - timedelta(days=1)
        with self.assertRaises(UserError):
            wizard.action_apply()
