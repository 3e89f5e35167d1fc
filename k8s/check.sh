#!/usr/bin/env bash
# Offline check of the Kubernetes manifests. Needs the proto and rest-facade modules built first
# (./mvnw verify, or ./mvnw -pl proto,rest-facade -DskipTests package), because the Envoy
# ConfigMap packs their descriptor set and OpenAPI document.
#   1. prepare.sh copies envoy.yaml, payflow.pb and payflow-openapi.json into k8s/base/generated/
#   2. `kubectl kustomize` renders (offline) the default kustomization (k8s/), the production
#      overlay (k8s/overlays/production) and the example without operators
#      (k8s/examples/without-operators) into k8s/generated/
#   3. tools/validate-manifests.mjs checks each against the Kubernetes schema (npm
#      kubernetes-models), the vendored CRD schemas (tools/crd-schemas/) and PayFlow's rules;
#      the production overlay must have every image pinned by digest
#   4. promtool checks the example's prometheus.yml (scripts/promtool.sh finds or fetches it)
#
# Usage: k8s/check.sh [--dry]
#   --dry   accept `sha256:<...>` digest placeholders in the production overlay (and say how
#           many): for the repository itself, whose overlay has placeholders (CI runs this).
#           Without it, the overlay passes only with real digests: run it so before deploying.
# Environment: KUBECTL (default: kubectl on PATH; CI installs Debian's kubernetes-client),
#              PAYFLOW_K8S_TOOLS_CACHE (where the npm tools are installed once).
set -euo pipefail
K8S="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$K8S/.." && pwd)"
DRY=()
for arg in "$@"; do
  case "$arg" in
    --dry) DRY=(--dry) ;;
    *) echo "usage: k8s/check.sh [--dry]" >&2; exit 2 ;;
  esac
done
KM_VERSION=4.5.1     # 5.x needs node >= 22
YAML_VERSION=2.9.1
AJV_VERSION=8.20.0
CACHE="${PAYFLOW_K8S_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/payflow-k8s-tools}/km-$KM_VERSION-yaml-$YAML_VERSION-ajv-$AJV_VERSION"
KUBECTL="${KUBECTL:-kubectl}"

"$K8S/prepare.sh"

command -v "$KUBECTL" >/dev/null || { echo "k8s: kubectl is needed (kubectl kustomize renders offline; Debian: apt-get install kubernetes-client)" >&2; exit 2; }
echo "k8s: $("$KUBECTL" version --client 2>/dev/null | head -1)"

if [ ! -d "$CACHE/node_modules/kubernetes-models" ] || [ ! -d "$CACHE/node_modules/yaml" ] || [ ! -d "$CACHE/node_modules/ajv" ]; then
  mkdir -p "$(dirname "$CACHE")"
  tmp="$(mktemp -d "$(dirname "$CACHE")/.install.XXXXXX")"
  npm install --prefix "$tmp" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "kubernetes-models@$KM_VERSION" "yaml@$YAML_VERSION" "ajv@$AJV_VERSION" >&2
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
fi

mkdir -p "$K8S/generated"
# render NAME DIR PROFILE [extra files to validate with it]
render() {
  local name="$1" dir="$2" profile="$3"; shift 3
  local out="$K8S/generated/$name.yaml"
  # Newer kubectls warn on stderr about `bases` and `patchesStrategicMerge` (kept for v2.0.3).
  "$KUBECTL" kustomize "$K8S/$dir" > "$out" 2> "$K8S/generated/$name.err" || { cat "$K8S/generated/$name.err" >&2; exit 1; }
  echo "k8s: rendered k8s/$dir: $(grep -c '^kind:' "$out") objects into k8s/generated/$name.yaml"
  PAYFLOW_K8S_TOOLS="$CACHE" node "$K8S/tools/validate-manifests.mjs" --profile "$profile" "${DRY[@]}" "$out" "$@"
}
render default . base
render production overlays/production production
render without-operators examples/without-operators example
# The Secret templates (not in any kustomization) against the schema and the label rule.
PAYFLOW_K8S_TOOLS="$CACHE" node "$K8S/tools/validate-manifests.mjs" --profile secrets "$K8S/secret.example.yaml"

# The example's prometheus.yml. Debian's promtool is built without Kubernetes service discovery,
# so when it does not know kubernetes_sd_configs the check runs on a copy whose discovery is
# swapped for a static target: the rest (relabel rules, regexes, paths) is still checked.
PROM_CONFIG="$K8S/examples/without-operators/prometheus.yml"
PROMTOOL="$("$ROOT/scripts/promtool.sh")"
prom="$K8S/generated/prometheus.check.yml"
if "$PROMTOOL" check config "$PROM_CONFIG" >/dev/null 2>"$K8S/generated/promtool.err"; then
  echo "k8s: promtool check config prometheus.yml: OK"
elif grep -q 'field kubernetes_sd_configs not found' "$K8S/generated/promtool.err"; then
  PAYFLOW_K8S_TOOLS="$CACHE" node -e '
    const { createRequire } = require("node:module");
    const r = createRequire(process.env.PAYFLOW_K8S_TOOLS + "/noop.js");
    const YAML = r("yaml"); const fs = require("node:fs");
    const cfg = YAML.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const job of cfg.scrape_configs) {
      if (job.kubernetes_sd_configs) { delete job.kubernetes_sd_configs; job.static_configs = [{ targets: ["core-service-0:9464"] }]; }
    }
    fs.writeFileSync(process.argv[2], YAML.stringify(cfg));' "$PROM_CONFIG" "$prom"
  "$PROMTOOL" check config "$prom" >/dev/null
  echo "k8s: promtool check config prometheus.yml: OK (kubernetes_sd_configs not checked: this promtool lacks it)"
else
  cat "$K8S/generated/promtool.err" >&2
  exit 1
fi
echo "k8s: all checks passed${DRY[*]:+ (--dry: digest placeholders accepted)}"
