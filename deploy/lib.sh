# Shared shell functions for deploy/ scripts. Source it; do not run it.
# shellcheck shell=bash

KETENREGIE_ROOT=${KETENREGIE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
KETENREGIE_BUILD_DIR=${KETENREGIE_BUILD_DIR:-$KETENREGIE_ROOT/build}

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The PostgreSQL server binaries (initdb, pg_ctl, postgres, pgbench): Debian
# keeps them outside PATH, in /usr/lib/postgresql/<major>/bin.
pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  die "no PostgreSQL server found (initdb); run deploy/install-deps"
}

# Runs a command as the user that owns PostgreSQL clusters: initdb and pg_ctl
# refuse to run as root, so root hands them to the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Makes a directory that the cluster user can write.
pg_owned_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$1"; fi
  chmod 700 "$1"
}

# True when something accepts TCP connections on 127.0.0.1:$1.
# True while pid $1 runs (a zombie does not count).
pid_alive() {
  [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# True while a live process has directory $1 as its working directory.
processes_in() {
  local want p
  want=$(readlink -f "$1")
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/cwd" 2>/dev/null)" = "$want" ] && pid_alive "${p#/proc/}" && return 0
  done
  return 1
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first port from $1 upwards that nothing listens on.
free_port_from() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

random_secret() {
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# pg_cluster_start DIR [PREFERRED_PORT] [fast]
# Creates (first use) and starts a PostgreSQL cluster under DIR on a free
# loopback port, TCP only, password (SCRAM) authentication. Leaves:
#   DIR/data, DIR/log/postgres.log, DIR/port, DIR/superuser.pw,
#   DIR/pgpass (libpq passfile for the superuser; roles are added later).
# "fast" turns off fsync: for throwaway test clusters only.
# Prints the port.
pg_cluster_start() {
  local dir=$1 preferred=${2:-5432} mode=${3:-}
  local bindir; bindir=$(pg_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$dir"; then
    die "the postgres user cannot reach $dir: make its parent folders world-executable (chmod o+x)"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_owned_dir "$dir/data"
    pg_owned_dir "$dir/log"
    [ -f "$dir/superuser.pw" ] || { random_secret > "$dir/superuser.pw"; chmod 600 "$dir/superuser.pw"; }
    local pwfile="$dir/log/initdb.pw"
    cp "$dir/superuser.pw" "$pwfile"
    if [ "$(id -u)" = 0 ]; then chown postgres "$pwfile"; fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile" ${mode:+--no-sync} \
      >"$dir/log/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$dir/log/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = ''"
      echo "max_connections = 200"
      echo "password_encryption = 'scram-sha-256'"
      if [ "$mode" = fast ]; then
        echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
      fi
    } | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
  fi

  if as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # pg_ctl says it runs while a postmaster's pid file names a process: one
    # that was just killed and not yet reaped, or one still starting. Wait
    # until it answers, or is gone and can be started again.
    # A dead postmaster nobody reaps stays a zombie, and PostgreSQL takes
    # its pid file for a live one: once no PostgreSQL process works in the
    # data directory any more (each runs there), the file is stale.
    local i pid
    for i in $(seq 1 600); do
      if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$(cat "$dir/port")" -t 1; then
        cat "$dir/port"
        return 0
      fi
      pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] || break
      if ! pid_alive "$pid" && ! processes_in "$dir/data"; then
        as_pg rm -f "$dir/data/postmaster.pid"
        break
      fi
      sleep 0.1
    done
  fi
  local port attempt
  if [ -f "$dir/port" ]; then
    # A cluster keeps its port: the services and stack.env know it. Taken
    # by another program, it is not silently moved under them.
    port=$(cat "$dir/port")
    if port_in_use "$port"; then
      die "port $port of the cluster in $dir is taken by another program; stop that program, or remove $dir/port to let the cluster move"
    fi
  else
    port=$(free_port_from "$preferred")
  fi
  for attempt in 1 2 3 4 5; do
    if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgres.log" -w -t 60 \
        -o "-p $port" start >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      pg_write_pgpass "$dir"
      echo "$port"
      return 0
    fi
    # Lost a race for the port (or it is taken on another address): the
    # next one — never for a cluster that already has its port.
    [ -f "$dir/port" ] && break
    port=$(free_port_from $((port + 1)))
  done
  tail -n 20 "$dir/log/postgres.log" >&2
  die "PostgreSQL did not start (log: $dir/log/postgres.log)"
}

# pg_cluster_stop DIR: stops the cluster in DIR if it runs.
pg_cluster_stop() {
  local dir=$1 bindir; bindir=$(pg_bindir)
  [ -f "$dir/data/PG_VERSION" ] || return 0
  if as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  fi
}

# pg_superuser_dsn DIR DBNAME
pg_superuser_dsn() {
  echo "host=127.0.0.1 port=$(cat "$1/port") dbname=$2 user=postgres passfile=$1/pgpass connect_timeout=5"
}

# psql_super DIR DBNAME ARGS...: psql as the cluster's superuser.
psql_super() {
  local dir=$1 db=$2; shift 2
  psql "$(pg_superuser_dsn "$dir" "$db")" -v ON_ERROR_STOP=1 -qAt "$@"
}

# The services, from their one list (services/services.list): each has a
# database role as its migrations create it, a process in the local stack.
mapfile -t KETENREGIE_SERVICES < <(awk '/^[a-z]/ {print $1}' "$KETENREGIE_ROOT/services/services.list")

# service_kind NAME: its kind in services/services.list (domain, audit).
service_kind() {
  awk -v name="$1" '$1 == name {print $3}' "$KETENREGIE_ROOT/services/services.list"
}

# pg_write_pgpass DIR: the libpq passfile DIR/pgpass, from the superuser's
# password and the service roles' in DIR/roles/. Any port: the file stays
# right when the cluster moves to another one.
pg_write_pgpass() {
  local dir=$1 f
  {
    printf '127.0.0.1:*:*:postgres:%s\n' "$(cat "$dir/superuser.pw")"
    for f in "$dir"/roles/*.pw; do
      [ -f "$f" ] || continue
      printf '127.0.0.1:*:*:ketenregie_%s:%s\n' "$(basename "$f" .pw)" "$(cat "$f")"
    done
  } > "$dir/pgpass.new"
  chmod 600 "$dir/pgpass.new"
  mv "$dir/pgpass.new" "$dir/pgpass"
}

# pg_service_logins DIR: gives every service role a password (new once, kept
# in DIR/roles/) and adds them to DIR/pgpass.
pg_service_logins() {
  local dir=$1 svc
  mkdir -p "$dir/roles"; chmod 700 "$dir/roles"
  for svc in "${KETENREGIE_SERVICES[@]}"; do
    [ -f "$dir/roles/$svc.pw" ] || { random_secret > "$dir/roles/$svc.pw"; chmod 600 "$dir/roles/$svc.pw"; }
    # psql's :'var' quotes the value as a literal: no SQL is built by hand.
    psql_super "$dir" postgres -v role="ketenregie_$svc" -v pw="$(cat "$dir/roles/$svc.pw")" \
      <<<"ALTER ROLE :\"role\" PASSWORD :'pw';"
  done
  pg_write_pgpass "$dir"
}
