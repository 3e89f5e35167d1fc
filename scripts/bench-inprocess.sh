#!/usr/bin/env bash
# The older in-process benchmark (the speed harness is scripts/bench.sh): starts PayFlow on an embedded PostgreSQL (fsync on) and prints
# throughput and latency percentiles per scenario. Options as Java properties, e.g.
#   scripts/bench-inprocess.sh -Dbench.clients=32 -Dbench.measureMs=20000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# One reactor build, nothing installed: the sibling modules resolve to their target/classes.
./mvnw -B -q -DskipTests -pl core-service -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -Xmx1g "$@" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "core-service/target/test-classes:core-service/target/classes:$(cat core-service/target/bench.classpath)" \
  dev.payflow.core.bench.MoneyMovementBenchmark
