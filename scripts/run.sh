#!/usr/bin/env bash
# The project's run command: installs what is missing, starts the project's PostgreSQL cluster,
# creates (once) the database "immex_demo" with the addon and its demo data, then serves Odoo
# in the foreground on http://127.0.0.1:8069 (login admin / admin). Idempotent; works from a
# fresh clone. Settings: IMMEX_DB (database name), IMMEX_HTTP_PORT (port), IMMEX_COUNTRY
# (country of the main company of a new database, default MX; empty for none).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

if ! odoo_is_19; then
    echo "run.sh: Odoo 19.0 is not importable by python3; install it from an Odoo 19.0 source tree with 'python3 -m pip install -e /path/to/odoo-19.0' and run this again." >&2
    exit 1
fi

DB="${IMMEX_DB:-immex_demo}"
PORT="${IMMEX_HTTP_PORT:-8069}"
COUNTRY="${IMMEX_COUNTRY-MX}"

bash scripts/setup.sh
bash scripts/pg.sh
. scripts/common.sh  # the cluster's port is known once it exists

conf="$LOCAL/odoo-run.conf"
mkdir -p "$LOCAL/data"
cat > "$conf" <<CONF
[options]
addons_path = $(odoo_addons_path)
data_dir = $LOCAL/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
db_name = $DB
dbfilter = ^${DB}\$
list_db = False
http_interface = 127.0.0.1
http_port = $PORT
CONF

sql() { psql -X -q -t -A -d "$1" -c "$2" 2>/dev/null || true; }

db_exists="$(sql postgres "SELECT 1 FROM pg_database WHERE datname = '$DB'")"
addon_state=""
if [ "$db_exists" = 1 ]; then
    addon_state="$(sql "$DB" "SELECT state FROM ir_module_module WHERE name = '$ADDON'")"
    base_state="$(sql "$DB" "SELECT state FROM ir_module_module WHERE name = 'base'")"
    if [ "$base_state" != installed ]; then
        # Left over by an interrupted first run: start again.
        echo "run.sh: database $DB is incomplete; creating it again"
        dropdb --if-exists "$DB"
        rm -rf "$LOCAL/data/filestore/$DB"
        db_exists=""
    fi
fi

update_args=()
if [ "$db_exists" != 1 ]; then
    echo "run.sh: creating database $DB with demo data${COUNTRY:+ (company country $COUNTRY)}"
    if [ -n "$COUNTRY" ]; then
        # A Mexican main company brings the Mexican chart of accounts (l10n_mx) with account.
        if ! odoo_bin db -c "$conf" init "$DB" --with-demo --country "$COUNTRY" >"$LOCAL/run-init.log" 2>&1; then
            echo "run.sh: creating $DB with country $COUNTRY failed (see .local/run-init.log); creating it without a country"
            odoo_bin db -c "$conf" drop "$DB" >/dev/null 2>&1 || dropdb --if-exists "$DB"
            COUNTRY=""
        fi
    fi
    if [ -z "$COUNTRY" ]; then
        odoo_bin db -c "$conf" init "$DB" --with-demo >"$LOCAL/run-init.log" 2>&1 || {
            echo "run.sh: could not create database $DB (see .local/run-init.log)" >&2
            exit 1
        }
    fi
fi
if [ "$addon_state" != installed ]; then
    echo "run.sh: installing $ADDON in $DB (log in .local/run-install.log)"
    if [ "$COUNTRY" = MX ]; then
        # The Mexican chart first: the demo then gives it to the IMMEX plant (the main company).
        odoo_bin -c "$conf" -d "$DB" -i l10n_mx --stop-after-init --http-port=0 \
            >"$LOCAL/run-install.log" 2>&1 || echo "run.sh: installing l10n_mx failed (see .local/run-install.log); going on without it"
    fi
    if ! odoo_bin -c "$conf" -d "$DB" -i "$ADDON" --stop-after-init --http-port=0 \
        >>"$LOCAL/run-install.log" 2>&1; then
        echo "run.sh: installing $ADDON failed (see .local/run-install.log)" >&2
        exit 1
    fi
else
    # An existing database follows the code of this checkout.
    update_args=(-u "$ADDON")
fi

echo "run.sh: serving $DB on http://127.0.0.1:$PORT (login admin / admin); Ctrl-C stops"
# exec needs a command, not a shell function: the same choice odoo_bin makes in common.sh. The
# server then receives the signals itself (Ctrl-C, TERM from a supervisor) and stops cleanly.
if command -v odoo >/dev/null 2>&1; then
    odoo_cmd=(odoo)
else
    odoo_cmd=(python3 -m odoo)
fi
exec "${odoo_cmd[@]}" -c "$conf" -d "$DB" "${update_args[@]}"
