#!/usr/bin/env bash
# Copies the build outputs that k8s/base/kustomization.yaml packs into the `envoy-config` ConfigMap
# into k8s/base/generated/ (ignored by git):
#   generated/envoy.yaml  <- envoy/envoy.yaml
#   generated/payflow.pb  <- proto/target/classes/descriptor/payflow.pb (the descriptor set the
#                            proto module builds; the same bytes as descriptor/payflow.pb in the
#                            payflow-proto jar)
# Run it after `mvn -pl proto -am install` (or a full build), then `kubectl apply -k k8s` (or k8s/overlays/production).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PB="$ROOT/proto/target/classes/descriptor/payflow.pb"
if [ ! -s "$PB" ]; then
  echo "prepare: $PB is missing: build the proto module first:" >&2
  echo "  (cd \"$ROOT\" && mvn -q -pl proto -am install)" >&2
  exit 2
fi
# A descriptor set older than a .proto file is stale: Envoy would serve yesterday's API.
if [ -n "$(find "$ROOT/proto/src/main/proto" -name '*.proto' -newer "$PB" -print -quit)" ]; then
  echo "prepare: $PB is older than the .proto sources: rebuild the proto module first" >&2
  exit 2
fi
mkdir -p "$ROOT/k8s/base/generated"
cp "$ROOT/envoy/envoy.yaml" "$ROOT/k8s/base/generated/envoy.yaml"
cp "$PB" "$ROOT/k8s/base/generated/payflow.pb"
OPENAPI="$ROOT/rest-facade/target/classes/openapi/payflow-openapi.json"
if [ ! -s "$OPENAPI" ] || [ "$OPENAPI" -ot "$PB" ]; then
  echo "prepare: $OPENAPI is missing or older than payflow.pb: build rest-facade first:" >&2
  echo "  (cd \"$ROOT\" && ./mvnw -B -q -pl proto,rest-facade -DskipTests package)" >&2
  exit 2
fi
cp "$OPENAPI" "$ROOT/k8s/base/generated/payflow-openapi.json"
echo "prepare: k8s/base/generated/ has envoy.yaml, payflow-openapi.json and payflow.pb ($(wc -c <"$PB") bytes)"
