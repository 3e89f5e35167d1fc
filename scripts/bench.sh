#!/usr/bin/env bash
# The speed harness (BENCHMARKS.md): builds the service jar and the bench module (profile "bench",
# outside the default build), starts the service as a separate process on a real PostgreSQL (its
# embedded one unless PAYFLOW_DATABASE_URL is set), seeds funded wallets, runs the SQL-function
# baseline and the single-row INSERT ceiling on the same database, then every workload over gRPC and
# REST at 1, 4, 16 and 64 clients, prints a table and writes bench/target/results-<time>.json.
#
#   scripts/bench.sh                                               # the full run (about 20 minutes)
#   scripts/bench.sh -Dbench.clients=16 -Dbench.workloads=transfer-uniform -Dbench.transports=grpc
#   PAYFLOW_GROUP_COMMIT_ENABLED=false scripts/bench.sh ...        # the service without group commit
#   BENCH_SKIP_BUILD=1 scripts/bench.sh ...                        # reuse the jars already built
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ -z "${BENCH_SKIP_BUILD:-}" || ! -f core-service/target/payflow-core.jar || ! -f bench/target/payflow-bench.jar ]]; then
  ./mvnw -B -q -Pbench -DskipTests -Dbuf.skip=true -pl core-service,bench -am package
fi
exec java -Xmx1g "$@" -jar bench/target/payflow-bench.jar
