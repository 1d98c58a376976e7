#!/usr/bin/env bash
# Shared settings for the project's scripts: where the local PostgreSQL cluster lives and how
# Odoo reaches it. Sourced, never run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ADDON=l10n_mx_immex_annex24
LOCAL="$ROOT/.local"                       # ignored by git
PGDATA_DIR="$LOCAL/pgdata"
PG_SOCKET_DIR="$LOCAL/pgsock"
PG_OS_USER="${IMMEX_PG_OS_USER:-immexpg}"  # PostgreSQL refuses to run as root
export PGHOST=127.0.0.1
# The port chosen when the cluster was created (pg.sh picks a free one) unless overridden.
if [ -z "${IMMEX_PGPORT:-}" ] && [ -s "$LOCAL/pgport" ]; then
    IMMEX_PGPORT="$(cat "$LOCAL/pgport")"
fi
export PGPORT="${IMMEX_PGPORT:-54329}"
export PGUSER=odoo
export PGPASSWORD=odoo

odoo_is_19() {
    python3 - <<'PY' 2>/dev/null
import sys
try:
    import odoo.release
except Exception:
    sys.exit(1)
sys.exit(0 if odoo.release.version_info[0] == 19 else 1)
PY
}

odoo_bin() {
    # The console script of an installed Odoo, else the module entry point.
    if command -v odoo >/dev/null 2>&1; then
        odoo "$@"
    else
        python3 -m odoo "$@"
    fi
}

odoo_addons_path() {
    # Core addons of the importable Odoo plus this repository (for the addon itself).
    python3 - "$ROOT" <<'PY'
import os, sys
import odoo.release
# odoo may be a namespace package (addon wheels add to it): locate it through a real module.
base = os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__)))
paths = [p for p in (os.path.join(base, "addons"), os.path.join(base, "odoo", "addons")) if os.path.isdir(p)]
paths.append(sys.argv[1])
print(",".join(paths))
PY
}
