"""Static checks of the addon's files: manifest, data files, XML, access rights, Python.

Pure pytest, no Odoo import: they run wherever the repository is checked out. Each check is a
small function returning the problems it finds; the tests assert that the addon has none and,
on purpose-built bad inputs, that the checks do find problems (so they can fail).
"""

from __future__ import annotations

import ast
import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDON = ROOT / "l10n_mx_immex_annex24"
MODULE = ADDON.name
DATA_DIRS = ("views", "security", "data", "demo", "wizards", "report")
ACCESS_HEADER = [
    "id",
    "name",
    "model_id:id",
    "group_id:id",
    "perm_read",
    "perm_write",
    "perm_create",
    "perm_unlink",
]
VERSION_RE = re.compile(r"^19\.0\.\d+\.\d+\.\d+$")
REQUIRED_KEYS = ("name", "version", "license", "author", "depends")


# --- checks -----------------------------------------------------------------------------


def read_manifest(addon: Path) -> dict:
    """The manifest as a Python literal (ast.literal_eval raises on anything else)."""
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def manifest_problems(manifest: dict) -> list[str]:
    problems = [f"missing key {key!r}" for key in REQUIRED_KEYS if key not in manifest]
    if not VERSION_RE.match(str(manifest.get("version", ""))):
        problems.append(f"version {manifest.get('version')!r} is not 19.0.x.y.z")
    if manifest.get("license") != "LGPL-3":
        problems.append(f"license {manifest.get('license')!r} is not LGPL-3")
    if "description" in manifest:
        problems.append("deprecated key 'description' (use readme/DESCRIPTION.md)")
    if "l10n_mx_catalogs_comex" not in manifest.get("depends", []):
        problems.append("depends lacks l10n_mx_catalogs_comex")
    for key in ("data", "demo"):
        files = manifest.get(key, [])
        duplicated = sorted({f for f in files if files.count(f) > 1})
        if duplicated:
            problems.append(f"{key} lists {duplicated} more than once")
    return problems


def listed_files(manifest: dict) -> list[str]:
    return list(manifest.get("data", [])) + list(manifest.get("demo", []))


def missing_listed_files(addon: Path, manifest: dict) -> list[str]:
    return [name for name in listed_files(manifest) if not (addon / name).is_file()]


def unlisted_data_files(addon: Path, manifest: dict) -> list[str]:
    """XML/CSV files under the data folders that the manifest does not load."""
    listed = set(listed_files(manifest))
    found = []
    for folder in DATA_DIRS:
        for path in sorted((addon / folder).rglob("*")):
            if path.suffix in (".xml", ".csv") and path.is_file():
                rel = path.relative_to(addon).as_posix()
                if rel not in listed:
                    found.append(rel)
    return found


def xml_problems(path: Path) -> list[str]:
    """Parse errors and constructs that Odoo 19 rejects or deprecates."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as err:
        return [f"does not parse: {err}"]
    problems = []
    for elem in tree.iter():
        if not isinstance(elem.tag, str):
            continue
        where = f"<{elem.tag} name={elem.get('name')!r}>" if elem.get("name") else f"<{elem.tag}>"
        if elem.tag == "tree":
            problems.append(f"{where}: <tree> is gone in 19.0, use <list>")
        for attr in ("attrs", "states"):
            if attr in elem.attrib:
                problems.append(f"{where}: attribute {attr}= is rejected since 17.0")
        if "t-esc" in elem.attrib:
            problems.append(f"{where}: t-esc is deprecated, use t-out")
        if elem.tag == "field" and elem.get("name") == "view_mode":
            modes = (elem.text or "").split(",")
            if "tree" in (mode.strip() for mode in modes):
                problems.append(f"{where}: view_mode 'tree' is 'list' in 19.0")
    return problems


def demo_id_problems(path: Path) -> list[str]:
    """Records created by a demo file have ids ending in _demo (core records are updated)."""
    tree = ET.parse(path)
    return [
        f"record id {rec.get('id')!r} does not end in _demo"
        for rec in tree.iter("record")
        if "." not in rec.get("id", "") and not rec.get("id", "").endswith("_demo")
    ]


def declared_models(paths: list[Path]) -> dict[str, Path]:
    """Models a set of Python files creates: ``_name`` of Model/TransientModel classes that
    is not one of the class's ``_inherit`` (that would only extend an existing model)."""
    models = {}
    for path in paths:
        module = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for cls in (node for node in ast.walk(module) if isinstance(node, ast.ClassDef)):
            bases = {ast.unparse(base) for base in cls.bases}
            if not bases & {"models.Model", "models.TransientModel", "Model", "TransientModel"}:
                continue  # AbstractModel and mixins have no table: no access rows
            attrs = {}
            for stmt in cls.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]
                    if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                        try:
                            attrs[target.id] = ast.literal_eval(stmt.value)
                        except ValueError:
                            pass
            name = attrs.get("_name")
            inherit = attrs.get("_inherit") or []
            inherit = [inherit] if isinstance(inherit, str) else list(inherit)
            if isinstance(name, str) and name not in inherit:
                models[name] = path
    return models


def model_xmlid(model: str) -> str:
    return "model_" + model.replace(".", "_")


def access_problems(csv_text: str, models: dict[str, Path], groups: set[str]) -> list[str]:
    """Header, unique ids, 0/1 permissions, known local models and groups, and at least one
    row for every model the addon creates."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    if not rows or rows[0] != ACCESS_HEADER:
        return [f"header is {rows[0] if rows else None}, expected {ACCESS_HEADER}"]
    problems = []
    seen = set()
    covered = set()
    local_models = {model_xmlid(model) for model in models}
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(ACCESS_HEADER):
            problems.append(f"line {number}: {len(row)} columns")
            continue
        xmlid, __, model_ref, group_ref, *perms = row
        if xmlid in seen:
            problems.append(f"line {number}: duplicated id {xmlid}")
        seen.add(xmlid)
        bad = [perm for perm in perms if perm not in ("0", "1")]
        if bad:
            problems.append(f"line {number}: permissions must be 0 or 1, got {bad}")
        if model_ref.startswith(f"{MODULE}."):
            model_ref = model_ref.split(".", 1)[1]
        if "." not in model_ref:
            if model_ref not in local_models:
                problems.append(f"line {number}: unknown model {model_ref}")
            covered.add(model_ref)
        if group_ref.startswith(f"{MODULE}."):
            group_ref = group_ref.split(".", 1)[1]
        if group_ref and "." not in group_ref and group_ref not in groups:
            problems.append(f"line {number}: unknown group {group_ref}")
    for model, path in sorted(models.items()):
        if model_xmlid(model) not in covered:
            problems.append(f"model {model} ({path.name}) has no access row")
    return problems


def local_groups(addon: Path) -> set[str]:
    groups = set()
    for path in (addon / "security").glob("*.xml"):
        for rec in ET.parse(path).iter("record"):
            if rec.get("model") == "res.groups" and "." not in rec.get("id", ""):
                groups.add(rec.get("id"))
    return groups


def odoo_imports(path: Path) -> list[str]:
    """Imports of odoo, and relative imports leaving the package, in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name == "odoo" or alias.name.startswith("odoo.")
            ]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and (module == "odoo" or module.startswith("odoo.")):
                found.append(f"line {node.lineno}: from {module} import ...")
            elif node.level >= 2:
                found.append(f"line {node.lineno}: relative import out of the package")
    return found


# --- the addon as it is -----------------------------------------------------------------

MANIFEST = read_manifest(ADDON)
XML_FILES = sorted(p for p in ADDON.rglob("*.xml") if "__pycache__" not in p.parts)
PY_FILES = sorted(ADDON.rglob("*.py"))
MODEL_FILES = (
    sorted((ADDON / "models").glob("*.py"))
    + sorted((ADDON / "wizards").glob("*.py"))
    + sorted((ADDON / "report").glob("*.py"))
)
IMMEX_FILES = sorted((ADDON / "immex").rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ADDON).as_posix()


def test_manifest_keys_and_values():
    assert manifest_problems(MANIFEST) == []
    assert MANIFEST["installable"] is True


def test_manifest_files_exist():
    assert listed_files(MANIFEST), "the manifest loads no data file"
    assert missing_listed_files(ADDON, MANIFEST) == []


def test_every_data_file_is_listed():
    assert unlisted_data_files(ADDON, MANIFEST) == []


def test_security_loads_before_views():
    # Views and menus refer to groups: the security files come first.
    data = MANIFEST["data"]
    security = [i for i, name in enumerate(data) if name.startswith("security/")]
    views = [i for i, name in enumerate(data) if name.startswith("views/")]
    assert security and views
    assert max(security) < min(views)


@pytest.mark.parametrize("path", XML_FILES, ids=_rel)
def test_xml_file(path):
    assert xml_problems(path) == []


@pytest.mark.parametrize("name", MANIFEST.get("demo", []))
def test_demo_ids(name):
    assert demo_id_problems(ADDON / name) == []


def test_access_rights():
    models = declared_models(MODEL_FILES)
    assert "l10n_mx_immex.pedimento" in models  # the parser sees the addon's models
    csv_text = (ADDON / "security" / "ir.model.access.csv").read_text(encoding="utf-8")
    assert access_problems(csv_text, models, local_groups(ADDON)) == []


def test_contract_groups_exist():
    assert {"group_immex_user", "group_immex_manager", "group_sat_auditor"} <= local_groups(ADDON)


@pytest.mark.parametrize("path", PY_FILES, ids=_rel)
def test_python_compiles(path):
    compile(path.read_text(encoding="utf-8"), str(path), "exec")


def test_immex_package_has_sources():
    assert any(path.name != "__init__.py" for path in IMMEX_FILES)


@pytest.mark.parametrize("path", IMMEX_FILES, ids=_rel)
def test_immex_package_is_pure(path):
    assert odoo_imports(path) == []


def test_readme_for_pylint_odoo():
    assert (ADDON / "README.rst").is_file()
    assert (ADDON / "readme" / "DESCRIPTION.md").is_file()


# --- the checks find problems --------------------------------------------------------------


def test_manifest_problems_found():
    bad = {
        "name": "x",
        "version": "18.0.1.0.0",
        "license": "AGPL-3",
        "depends": ["base"],
        "description": "old",
        "data": ["a.xml", "a.xml"],
    }
    problems = manifest_problems(bad)
    assert len(problems) == 6, problems  # author, version, license, description, dep, dup
    assert manifest_problems({**MANIFEST, "version": "19.0.1.0"}) != []


def test_manifest_must_be_a_literal(tmp_path):
    (tmp_path / "__manifest__.py").write_text('{"name": "x", "version": str(19)}')
    with pytest.raises(ValueError):
        read_manifest(tmp_path)


def test_file_listing_problems_found(tmp_path):
    (tmp_path / "views").mkdir()
    (tmp_path / "views" / "a_views.xml").write_text("<odoo/>")
    (tmp_path / "views" / "b_views.xml").write_text("<odoo/>")
    manifest = {"data": ["views/a_views.xml", "views/missing.xml"]}
    assert missing_listed_files(tmp_path, manifest) == ["views/missing.xml"]
    assert unlisted_data_files(tmp_path, manifest) == ["views/b_views.xml"]


def test_xml_problems_found(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text(
        """<odoo><record id="v" model="ir.ui.view"><field name="arch" type="xml">
        <tree><field name="a" attrs="{'invisible': 1}"/><button states="draft"/>
        <t t-esc="x"/></tree></field></record>
        <record id="a" model="ir.actions.act_window"><field name="view_mode">tree,form</field>
        </record></odoo>"""
    )
    problems = xml_problems(path)
    assert len(problems) == 5, problems
    path.write_text("<odoo><record></odoo>")
    assert xml_problems(path)[0].startswith("does not parse")


def test_demo_id_problems_found(tmp_path):
    path = tmp_path / "demo.xml"
    path.write_text(
        '<odoo><record id="base.main_company" model="res.company"/>'
        '<record id="partner_demo" model="res.partner"/>'
        '<record id="partner_x" model="res.partner"/></odoo>'
    )
    assert demo_id_problems(path) == ["record id 'partner_x' does not end in _demo"]


def test_access_problems_found(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from odoo import models\n"
        "class A(models.Model):\n    _name = 'x.a'\n"
        "class B(models.TransientModel):\n    _name = 'x.b'\n"
        "class C(models.AbstractModel):\n    _name = 'x.c'\n"
        "class D(models.Model):\n    _name = 'res.partner'\n    _inherit = 'res.partner'\n"
        "class E(models.Model):\n    _inherit = 'res.users'\n"
    )
    models = declared_models([source])
    assert sorted(models) == ["x.a", "x.b"]
    header = ",".join(ACCESS_HEADER)
    good = f"{header}\naccess_a,a,model_x_a,group_u,1,1,1,0\naccess_b,b,model_x_b,,1,1,1,1\n"
    assert access_problems(good, models, {"group_u"}) == []
    bad = f"{header}\naccess_a,a,model_x_a,group_u,1,2,1,0\naccess_a,a,model_x_z,group_v,1,1,1,1\n"
    problems = access_problems(bad, models, {"group_u"})
    assert len(problems) == 5, problems  # perm 2, dup id, unknown model, unknown group, no x.b
    assert access_problems(good.replace("perm_unlink", "perm_delete"), models, set())


def test_odoo_imports_found(tmp_path):
    path = tmp_path / "lib.py"
    path.write_text(
        "import json\nimport odoo.tools\nfrom odoo import fields\nfrom odoo.addons import x\n"
        "from .units import to_tariff\nfrom ..models import y\n"
    )
    assert len(odoo_imports(path)) == 4
