# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

MANAGER_GROUP = "l10n_mx_immex_annex24.group_immex_manager"


class L10nMxImmexAuditorAccount(models.TransientModel):
    """Creates a SAT auditor account (or changes the period of an existing one)."""

    _name = "l10n_mx_immex.auditor.account"
    _description = "SAT Auditor Account"

    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Existing Auditor",
        domain=lambda self: [
            ("group_ids", "in", self.env.ref("l10n_mx_immex_annex24.group_sat_auditor").ids)
        ],
        help="Leave empty to create a new account; choose one to change its period.",
    )
    name = fields.Char(string="Auditor Name")
    login = fields.Char()
    email = fields.Char()
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    valid_from = fields.Date(string="Access From", default=fields.Date.context_today)
    valid_until = fields.Date(string="Access Until", required=True)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    initial_password = fields.Char(
        readonly=True,
        help="Shown once: give it to the auditor, who changes it in their preferences.",
    )

    @api.onchange("user_id")
    def _onchange_user_id(self):
        if self.user_id:
            user = self.user_id.sudo()
            self.name = user.name
            self.login = user.login
            self.email = user.email
            self.company_id = user.company_id
            self.valid_from = user.l10n_mx_immex_auditor_valid_from
            self.valid_until = user.l10n_mx_immex_auditor_valid_until

    def _check_can_manage(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only IMMEX administrators can manage SAT auditor accounts.")
            )
        for wizard in self:
            if wizard.company_id not in self.env.user.company_ids:
                raise AccessError(
                    self.env._(
                        "You cannot give access to the company %(company)s.",
                        company=wizard.company_id.sudo().display_name,
                    )
                )
            if wizard.valid_from and wizard.valid_until < wizard.valid_from:
                raise UserError(self.env._("The access period ends before it starts."))
            if wizard.valid_until < fields.Date.context_today(self):
                raise UserError(self.env._("The access period is already over."))

    def action_apply(self):
        self.ensure_one()
        self._check_can_manage()
        auditor_group = self.env.ref("l10n_mx_immex_annex24.group_sat_auditor")
        period = {
            "l10n_mx_immex_auditor_valid_from": self.valid_from,
            "l10n_mx_immex_auditor_valid_until": self.valid_until,
        }
        if self.user_id:
            user = self.user_id.sudo()
            if not user._l10n_mx_immex_is_auditor() or self.company_id not in user.company_ids:
                raise UserError(
                    self.env._("%(user)s is not a SAT auditor of this company.", user=user.name)
                )
            # sudo: IMMEX administrators are not user administrators; only the period changes.
            user.write(period)
            return {"type": "ir.actions.act_window_close"}
        if not (self.name and self.login):
            raise UserError(self.env._("Give the auditor's name and login."))
        password = secrets.token_urlsafe(12)
        # sudo: the account gets the auditor group only (which implies an internal user):
        # an IMMEX administrator cannot create any other kind of user through this wizard.
        self.env["res.users"].sudo().with_context(no_reset_password=True).create(
            {
                "name": self.name,
                "login": self.login,
                "email": self.email,
                "company_id": self.company_id.id,
                "company_ids": [Command.set(self.company_id.ids)],
                "group_ids": [Command.set(auditor_group.ids)],
                "password": password,
                **period,
            }
        )
        self.write({"state": "done", "initial_password": password})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }
