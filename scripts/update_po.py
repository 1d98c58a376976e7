#!/usr/bin/env python3
"""Refresh the addon's translation template and merge it into the Mexican Spanish catalog.

Usage::

    python3 scripts/update_po.py /tmp/l10n_mx_immex_annex24.pot [--strict] [--keep-obsolete]

The given .pot (freshly exported by Odoo) overwrites ``i18n/l10n_mx_immex_annex24.pot`` and is
merged into ``i18n/es_MX.po`` with polib, the way ``msgmerge`` does: existing translations are
kept, new msgids are added untranslated, and msgids that vanished from the template become
obsolete (dropped unless ``--keep-obsolete``). The entries that still need a translator (empty
or fuzzy) are printed at the end; with ``--strict`` the script then exits with status 1.
"""

import argparse
import os
import shutil
import sys

import polib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "l10n_mx_immex_annex24"
I18N = os.path.join(ROOT, ADDON, "i18n")
POT_PATH = os.path.join(I18N, f"{ADDON}.pot")
PO_PATH = os.path.join(I18N, "es_MX.po")
WRAP = 78

ES_MX_METADATA = {
    "Language": "es_MX",
    "Language-Team": "Spanish (Mexico)",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=2; plural=(n != 1);",
}


def copy_pot(source, target=POT_PATH):
    """Overwrite the addon's template with ``source`` (nothing to do if it is the same file)."""
    if os.path.exists(target) and os.path.samefile(source, target):
        return
    shutil.copyfile(source, target)


def load_catalog(path, pot):
    """The existing catalog, or an empty one with the header of the template."""
    if os.path.exists(path):
        return polib.pofile(path, wrapwidth=WRAP)
    po = polib.POFile(wrapwidth=WRAP)
    po.header = pot.header
    po.metadata = dict(pot.metadata)
    return po


def merge(po, pot, keep_obsolete=False):
    """Merge ``pot`` into ``po`` in place; entries follow the template's order."""
    po.merge(pot)
    order = {entry.msgid_with_context: index for index, entry in enumerate(pot)}
    current = [entry for entry in po if not entry.obsolete]
    current.sort(key=lambda entry: order[entry.msgid_with_context])
    obsolete = [entry for entry in po if entry.obsolete] if keep_obsolete else []
    dropped = 0 if keep_obsolete else sum(1 for entry in po if entry.obsolete)
    po[:] = current + obsolete
    metadata = dict(po.metadata)
    for key in ("Project-Id-Version", "POT-Creation-Date"):
        if pot.metadata.get(key):
            metadata[key] = pot.metadata[key]
    metadata.update(ES_MX_METADATA)
    po.metadata = metadata
    return dropped


def pending(po):
    """Entries a translator still has to look at: empty or fuzzy, obsolete ones excluded."""
    return [entry for entry in po if not entry.obsolete and not entry.translated()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pot", help="path of the .pot freshly exported by Odoo")
    parser.add_argument("--po", default=PO_PATH, help="catalog to update (default: %(default)s)")
    parser.add_argument(
        "--keep-obsolete",
        action="store_true",
        help="keep msgids no longer in the template as obsolete (#~) entries",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when some msgid is untranslated or fuzzy",
    )
    args = parser.parse_args(argv)

    pot = polib.pofile(args.pot, wrapwidth=WRAP)
    copy_pot(args.pot)
    po = load_catalog(args.po, pot)
    known = {entry.msgid_with_context for entry in po if not entry.obsolete}
    added = sum(1 for entry in pot if entry.msgid_with_context not in known)
    dropped = merge(po, pot, keep_obsolete=args.keep_obsolete)
    po.save(args.po)

    todo = pending(po)
    untranslated = [entry for entry in todo if not entry.fuzzy]
    fuzzy = [entry for entry in todo if entry.fuzzy]
    print(f"Template: {POT_PATH} ({len(pot)} msgids)")
    print(
        f"Catalog: {args.po} ({len(po)} entries, {len(po.translated_entries())} translated, "
        f"{added} new, {dropped} obsolete dropped)"
    )
    print(f"Untranslated: {len(untranslated)}  Fuzzy: {len(fuzzy)}")
    for entry in todo:
        mark = "fuzzy" if entry.fuzzy else "new"
        context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
        print(f"  - ({mark}) {context}{entry.msgid!r}")
    return 1 if args.strict and todo else 0


if __name__ == "__main__":
    sys.exit(main())
