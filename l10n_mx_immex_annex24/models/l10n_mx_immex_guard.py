# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may act on Annex 24 records, and how server code writes what callers never may.

Annex 24 data is a customs ledger: states, stored balances and registration times change
only through the addon's own methods. Callers (RPC, other addons, ``sudo()``) cannot write
them whatever context they send; server code writes them inside :func:`server_write`, a
Python context manager a client cannot reach: the token lives in a ``ContextVar`` of the
running request, never in ``env.context`` (which any RPC call fills at will).
"""

import contextvars
import math
from contextlib import contextmanager

from odoo.exceptions import AccessError, UserError, ValidationError

from ..immex import units as units_lib

_SERVER_WRITE = contextvars.ContextVar("l10n_mx_immex_server_write", default=False)

MANAGER = "l10n_mx_immex_annex24.group_immex_manager"
USER = "l10n_mx_immex_annex24.group_immex_user"


@contextmanager
def server_write():
    """Let the addon's own code write protected fields for the duration of the block."""
    token = _SERVER_WRITE.set(True)
    try:
        yield
    finally:
        _SERVER_WRITE.reset(token)


def in_server_write():
    return _SERVER_WRITE.get()


def changed_sql(columns):
    """SQL condition of a row trigger: one of ``columns`` (static names) changes."""
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in sorted(columns))


def protected_fields(model, server_fields):
    """``server_fields`` plus every field of ``model`` the server computes (stored
    read-only computes, related fields): no caller writes them."""
    computed = {
        name
        for name, field in model._fields.items()
        if field.compute and field.readonly and field.store or field.related
    }
    return set(server_fields) | computed


def refuse_protected(env, model, fnames):
    """Refuse a caller's write of server-maintained fields ``fnames`` of ``model``."""
    if not fnames or in_server_write():
        return
    labels = ", ".join(sorted(env[model]._fields[f].get_description(env)["string"] for f in fnames))
    raise UserError(
        env._(
            "These fields are maintained by the Annex 24 system and cannot be written: "
            "%(fields)s. Use the actions of the record (confirm, cancel with a reason...).",
            fields=labels,
        )
    )


def check_group(env, group=MANAGER):
    """The real user (also under ``sudo()``) belongs to ``group``; the superuser passes."""
    user = env.user
    if user._is_superuser() or user.has_group(group):
        return
    raise AccessError(
        env._(
            "You are not allowed to do this on Annex 24 records: it needs the group %(group)s.",
            group=env.ref(group).sudo().display_name,
        )
    )


def check_companies(env, companies):
    """The real user may act for every company of ``companies``.

    Under ``sudo()`` the user's own companies count; otherwise only those allowed in the
    session (``env.companies``), which Odoo already limits to the user's companies.
    """
    user = env.user
    if user._is_superuser():
        return
    allowed = user.sudo().company_ids
    if not env.su:
        allowed &= env.companies
    refused = companies.sudo() - allowed
    if refused:
        raise AccessError(
            env._(
                "You cannot act on Annex 24 records of company %(company)s.",
                company=refused[0].name,
            )
        )


def check_quantity(env, value, what, allow_zero=False):
    """Refuse NaN, infinite, negative, zero (unless ``allow_zero``) and absurd quantities.

    ``what`` names the record in the message; a callable is only called on an error (a
    100-line validation need not compute 100 display names to find nothing wrong).
    """
    problem = units_lib.quantity_problem(value, allow_zero=allow_zero)
    if not problem:
        return
    what = what() if callable(what) else what
    messages = {
        "not_a_number": env._("%(what)s: the quantity is not a number.", what=what),
        "infinite": env._("%(what)s: the quantity cannot be infinite.", what=what),
        "negative": env._("%(what)s: the quantity cannot be negative.", what=what),
        "zero": env._("%(what)s: the quantity must be greater than zero.", what=what),
        "too_large": env._(
            "%(what)s: the quantity %(value)s is beyond any real operation (at most %(maximum)s).",
            what=what,
            value=f"{value:.6g}",
            maximum=f"{units_lib.MAX_QUANTITY:,.0f}",
        ),
    }
    raise ValidationError(messages[problem])


def check_convertible(env, uom, product, what):
    """Refuse a unit that does not convert to the product's unit (kg of goods kept in m)."""
    if not uom or not product or uom == product.uom_id:
        return
    if not uom._l10n_mx_immex_is_convertible(product.uom_id):
        what = what() if callable(what) else what
        raise ValidationError(
            env._(
                "%(what)s: unit %(uom)s cannot be converted to %(unit)s, the unit of product "
                "%(product)s.",
                what=what,
                uom=uom.name,
                unit=product.uom_id.name,
                product=product.display_name,
            )
        )


def refuse_non_finite(env, model, vals_list, quantities=()):
    """Refuse NaN and infinite numbers before the ORM rounds them (it fails obscurely), and
    unusable ``quantities`` (field names) before the database's own checks do."""
    fields_ = env[model]._fields
    for vals in vals_list:
        for fname in quantities:
            if fname in vals:
                check_quantity(env, vals[fname], fields_[fname].get_description(env)["string"])
        for fname, value in vals.items():
            if isinstance(value, float) and not math.isfinite(value) and fname in fields_:
                raise ValidationError(
                    env._(
                        "%(field)s: the value is not a finite number.",
                        field=fields_[fname].get_description(env)["string"],
                    )
                )
