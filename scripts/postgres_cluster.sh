#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1 for the project's Postgres
# target and its tests.
#
#   scripts/postgres_cluster.sh start   install (apt) when missing, initdb, start,
#                                       create the database and the roles
#   scripts/postgres_cluster.sh stop    stop it (the files stay in RPM_PG_DIR)
#   scripts/postgres_cluster.sh env     print the connection variables
#
# Roles (passwords from the environment; when unset they are generated once
# into $RPM_PG_DIR/credentials.env, outside the repository):
#   rpm_owner      builds the project (owns the database and its schemas)
#   rpm_bi_reader  BI tools: the marts, nothing upstream
#   rpm_auditor    the marts, staging and quarantine
# Neither reader can write; dbt grants and the on-run-end hook give them what
# they read (dbt_project.yml).
set -euo pipefail

PG_BIN=${RPM_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=${RPM_PG_DIR:-${TMPDIR:-/tmp}/rpm_pg}
PG_PORT=${RPM_PG_PORT:-55432}
PG_DATABASE=${RPM_PG_DATABASE:-rpm}
CREDENTIALS=$PG_DIR/credentials.env

as_cluster_user() {
    # initdb and the server refuse to run as root: use the postgres account.
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install_if_missing() {
    if [ ! -x "$PG_BIN/initdb" ]; then
        echo "PostgreSQL 15 not found in $PG_BIN: installing it with apt" >&2
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        # Test workers may install at the same time: one apt at a time.
        exec 9>/tmp/rpm-apt.lock && flock 9
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-15 >/dev/null
    fi
}

write_credentials() {
    mkdir -p "$PG_DIR"
    if [ ! -f "$CREDENTIALS" ]; then
        umask 077
        {
            echo "RPM_PG_PASSWORD=${RPM_PG_PASSWORD:-$(python3 -c "import secrets; print(secrets.token_hex(16))")}"
            echo "RPM_PG_BI_PASSWORD=${RPM_PG_BI_PASSWORD:-$(python3 -c "import secrets; print(secrets.token_hex(16))")}"
            echo "RPM_PG_AUDITOR_PASSWORD=${RPM_PG_AUDITOR_PASSWORD:-$(python3 -c "import secrets; print(secrets.token_hex(16))")}"
        } >"$CREDENTIALS"
    fi
}

print_env() {
    write_credentials
    sed 's/^/export /' "$CREDENTIALS"
    echo "export RPM_PG_HOST=127.0.0.1"
    echo "export RPM_PG_PORT=$PG_PORT"
    echo "export RPM_PG_DATABASE=$PG_DATABASE"
    echo "export RPM_PG_USER=rpm_owner"
}

superuser_sql() {
    as_cluster_user "$PG_BIN/psql" -v ON_ERROR_STOP=1 -q -X -h "$PG_DIR/socket" -p "$PG_PORT" \
        -U postgres -d "${2:-postgres}" -c "$1"
}

start() {
    install_if_missing
    write_credentials
    # shellcheck disable=SC1090
    source "$CREDENTIALS"
    mkdir -p "$PG_DIR/socket"
    [ "$(id -u)" = 0 ] && chown -R postgres: "$PG_DIR"
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        as_cluster_user "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/socket'
# A throwaway cluster: speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
EOF
    fi
    if ! as_cluster_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        as_cluster_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w start >/dev/null
    fi
    superuser_sql "
        do \$\$
        begin
            if not exists (select from pg_roles where rolname = 'rpm_owner') then
                create role rpm_owner login createdb;
            end if;
            if not exists (select from pg_roles where rolname = 'rpm_bi_reader') then
                create role rpm_bi_reader login;
            end if;
            if not exists (select from pg_roles where rolname = 'rpm_auditor') then
                create role rpm_auditor login;
            end if;
        end
        \$\$;
        alter role rpm_owner password '$RPM_PG_PASSWORD';
        alter role rpm_bi_reader password '$RPM_PG_BI_PASSWORD';
        alter role rpm_auditor password '$RPM_PG_AUDITOR_PASSWORD';"
    local exists
    exists=$(as_cluster_user "$PG_BIN/psql" -tAX -h "$PG_DIR/socket" -p "$PG_PORT" -U postgres \
        -d postgres -c "select 1 from pg_database where datname = '$PG_DATABASE'")
    [ -n "$exists" ] || superuser_sql "create database $PG_DATABASE owner rpm_owner"
    # Readers may connect, and create nothing anywhere.
    superuser_sql "
        revoke create on schema public from public;
        revoke all on database $PG_DATABASE from public;
        grant connect on database $PG_DATABASE to rpm_owner, rpm_bi_reader, rpm_auditor;
        grant create on database $PG_DATABASE to rpm_owner;" "$PG_DATABASE"
    echo "PostgreSQL 15 on 127.0.0.1:$PG_PORT, database $PG_DATABASE (cluster in $PG_DIR)" >&2
}

stop() {
    if [ -f "$PG_DIR/data/PG_VERSION" ]; then
        as_cluster_user "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *)
        echo "usage: $0 start|stop|env" >&2
        exit 2
        ;;
esac
