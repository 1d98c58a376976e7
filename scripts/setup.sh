#!/usr/bin/env bash
# Install what the project needs besides Odoo itself: PostgreSQL server binaries (Debian), the
# OCA catalog addon and the test tools (PyPI). Idempotent: skips what is already present.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "setup.sh: install the PostgreSQL server (Debian package 'postgresql')" >&2
    fi
fi

# A browser for the Odoo suite's HttpCase tests (the Annex 24 menus are opened in it). Odoo
# finds it on the PATH as google-chrome, chromium or chromium-browser.
if ! command -v chromium >/dev/null && ! command -v google-chrome >/dev/null \
    && ! command -v chromium-browser >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "setup.sh: install Chromium (Debian package 'chromium') for the browser tests" >&2
    fi
fi

pip_install() {
    python3 -m pip install --quiet --disable-pip-version-check "$@" 2>&1 | grep -v -E '^WARNING: (Location|Running pip)' || true
}
missing=""
python3 -c "import pytest, ruff" 2>/dev/null || missing=1
python3 -c "import pylint_odoo, xlrd" 2>/dev/null || missing=1
python3 -c "import pytest_odoo, websocket" 2>/dev/null || missing=1
if [ -n "$missing" ]; then
    pip_install -r "$ROOT/requirements-test.txt"
fi
# --no-deps: the wheel pins odoo==19.0.*, which is not on PyPI; Odoo is installed separately.
if ! python3 -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('odoo.addons.l10n_mx_catalogs_comex') else 1)" 2>/dev/null; then
    pip_install --no-deps -r "$ROOT/requirements.txt"
fi
