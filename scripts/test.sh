#!/usr/bin/env bash
# The project's test command: pure suite + static checks always, the Odoo suite (pytest-odoo
# against a throwaway database on the project's own PostgreSQL cluster) whenever Odoo 19 is
# importable. Idempotent; works from a fresh clone.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
bash scripts/setup.sh || exit 1

status=0
step() { echo; echo "=== $* ==="; }

step "ruff"
python3 -m ruff check . || status=1
python3 -m ruff format --check . || status=1

step "pylint-odoo"
python3 -m pylint --rcfile=.pylintrc "$ADDON" || status=1

step "pure suite (domain library + static checks of the addon)"
# -p no:odoo: the pytest-odoo plugin imports odoo.release at start-up, which fails where Odoo
# is not installed (the OCA catalog wheel still leaves an 'odoo' namespace folder). The pure
# suite needs no Odoo, so it never loads the plugin.
python3 -m pytest -q -p no:odoo tests || status=1

if odoo_is_19; then
    step "Odoo suite (pytest-odoo, Odoo $(python3 -c 'import odoo.release as r; print(r.version)'))"
    bash scripts/pg.sh || exit 1
    . scripts/common.sh  # the cluster's port is known once it exists
    db="immex_test_$(date +%s)_$$"
    addons="$(odoo_addons_path)"
    conf="$LOCAL/odoo-test.conf"
    mkdir -p "$LOCAL/data"
    cat > "$conf" <<CONF
[options]
addons_path = $addons
data_dir = $LOCAL/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
http_interface = 127.0.0.1
CONF
    # A throwaway database as scripts/run.sh makes it: a Mexican main company (so l10n_mx
    # and its chart come first), then the addon and its demo data (the demo must load).
    errors="^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) |^Traceback"
    : > "$LOCAL/install.log"
    if ! odoo_bin db -c "$conf" init "$db" --with-demo --country MX >>"$LOCAL/install.log" 2>&1; then
        echo "Odoo suite: creating the database failed (see .local/install.log)"
        status=1
    fi
    for modules in l10n_mx "$ADDON"; do
        if odoo_bin -c "$conf" -d "$db" -i "$modules" --stop-after-init \
            --log-level=warn --http-port=0 2>&1 | tee -a "$LOCAL/install.log" | grep -E "$errors" ; then
            echo "Odoo suite: installing $modules logged errors (see .local/install.log)"
            status=1
        fi
    done
    # --odoo-http: without it pytest-odoo skips every HttpCase (the browser test of the menus)
    python3 -m pytest -q --odoo-config="$conf" --odoo-database="$db" --odoo-http \
        "$ADDON/tests" || status=1
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$LOCAL/data/filestore/$db"
else
    echo
    echo "!!! Odoo suite NOT RUN: Odoo 19 is not importable here (python3 -c 'import odoo.release' fails or is not 19.0); only the pure suite and static checks ran. !!!"
fi
exit $status
