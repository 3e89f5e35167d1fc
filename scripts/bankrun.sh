#!/usr/bin/env bash
# The bank run (docs/bankrun.md): the service jar on a real PostgreSQL, driven by concurrent clients,
# SIGKILLed and restarted, PostgreSQL restarted, all on a seeded schedule; the books checked after
# every fault. Exits non-zero on any violation.
#
#   scripts/bankrun.sh                     # the short run (CI): 3,000 operations, 3 kills, 1 PostgreSQL restart
#   scripts/bankrun.sh long                # 100,000 operations, 12 kills, 2 PostgreSQL restarts
#   scripts/bankrun.sh short -Dbankrun.seed=42 -Dbankrun.clients=8    # replay a seed, change a setting
#
# Without PAYFLOW_DATABASE_URL it uses the machine's PostgreSQL 15 cluster (as root: installs
# postgresql-15 if missing, starts the cluster if it is down and stops it again afterwards, and
# recreates the database payflow_bankrun for each run). With PAYFLOW_DATABASE_URL it uses that
# database as it is; then say how to restart its server (-Dbankrun.postgresRestartCommand=...) or
# run without (-Dbankrun.postgresRestarts=0).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROFILE=short
if [[ "${1:-}" == short || "${1:-}" == long ]]; then
  PROFILE="$1"
  shift
fi

if [[ ! -f core-service/target/payflow-core.jar || ! -f bankrun/target/payflow-bankrun.jar ]]; then
  ./mvnw -B -q -DskipTests package
fi

PG_VERSION=15
# The database each run recreates; BANKRUN_DATABASE names another, so that two runs can share the cluster.
DATABASE="${BANKRUN_DATABASE:-payflow_bankrun}"
PG_CLUSTER=main
STARTED_CLUSTER=no

stop_cluster_we_started() {
  if [[ "$STARTED_CLUSTER" == yes ]]; then
    echo "bankrun.sh: stopping the PostgreSQL $PG_VERSION/$PG_CLUSTER cluster it started"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || true
  fi
}

psql_as_postgres() {
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"
}

if [[ -z "${PAYFLOW_DATABASE_URL:-}" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "bankrun.sh: without PAYFLOW_DATABASE_URL this needs root (it starts and restarts the PostgreSQL $PG_VERSION cluster)" >&2
    exit 2
  fi
  if ! command -v pg_ctlcluster >/dev/null || ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $PG_CLUSTER"; then
    echo "bankrun.sh: installing postgresql-$PG_VERSION"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_VERSION"
  fi
  if ! pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $4}' | grep -qx online; then
    # pg_ctlcluster can report a failed start of a server that is up (seen once Debian's chromium
    # had pulled systemd and a newer perl onto the machine): what counts is that it then answers.
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || echo "bankrun.sh: pg_ctlcluster start answered $?; waiting for the server to answer"
    pg_isready -q -t 30 -p "$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $3}')"
    STARTED_CLUSTER=yes
  fi
  trap stop_cluster_we_started EXIT
  PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1 == v && $2 == c {print $3}')"
  # Idempotent: the role may exist from an earlier run; the database is new for every run.
  psql_as_postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bankrun') THEN CREATE ROLE bankrun LOGIN PASSWORD 'bankrun'; END IF;
    END \$\$;"
  psql_as_postgres -c "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)"
  psql_as_postgres -c "CREATE DATABASE $DATABASE OWNER bankrun"
  export PAYFLOW_DATABASE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/$DATABASE"
  export PAYFLOW_DATABASE_USER=bankrun
  export PAYFLOW_DATABASE_PASSWORD=bankrun
fi

# No exec: the trap must still stop the cluster when the run ends, whatever its result.
java -Xmx512m -Dbankrun.profile="$PROFILE" "$@" -jar bankrun/target/payflow-bankrun.jar
