#!/usr/bin/env bash
# Start (idempotently) the project's own PostgreSQL cluster: data under .local/, loopback only,
# run by a non-root OS user created here if needed. Prints nothing on success but one line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PGBIN=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGBIN="$d"; done
if [ -z "$PGBIN" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGBIN="$d"; done
    fi
    [ -n "$PGBIN" ] || { echo "pg.sh: PostgreSQL server binaries not found" >&2; exit 1; }
fi

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$LOCAL"
chmod 755 "$LOCAL"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    # Another server may already listen on the default port: take the next free one.
    while port_busy "$PGPORT"; do PGPORT=$((PGPORT + 1)); done
    echo "$PGPORT" > "$LOCAL/pgport"
    mkdir -p "$PGDATA_DIR" "$PG_SOCKET_DIR"
    [ "$(id -u)" = 0 ] && { id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"; chown "$PG_OS_USER" "$PGDATA_DIR" "$PG_SOCKET_DIR"; }
    pwfile="$(mktemp)"; echo "$PGPASSWORD" > "$pwfile"; chmod 644 "$pwfile"
    as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U "$PGUSER" --pwfile="$pwfile" --auth=md5 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    cat >> "$PGDATA_DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PG_SOCKET_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
max_connections = 100
CONF
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w start >/dev/null
fi
echo "PostgreSQL running on $PGHOST:$PGPORT (data in $PGDATA_DIR)"
