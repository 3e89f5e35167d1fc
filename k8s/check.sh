#!/usr/bin/env bash
# Offline check of the Kubernetes manifests. Needs the proto module built first
# (mvn -q -pl proto -am install), because the Envoy ConfigMap packs its descriptor set.
#   1. prepare.sh copies envoy.yaml and payflow.pb into k8s/generated/
#   2. `kubectl kustomize` renders k8s/ (kubectl works offline for this)
#   3. tools/validate-manifests.mjs checks the result against the Kubernetes schema
#      (npm kubernetes-models, installed once into a cache outside the repo) and PayFlow's rules
#   4. promtool checks prometheus.yml, when promtool is installed (Debian package `prometheus`)
set -euo pipefail
K8S="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KM_VERSION=4.5.1     # 5.x needs node >= 22
YAML_VERSION=2.9.1
CACHE="${PAYFLOW_K8S_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/payflow-k8s-tools}/km-$KM_VERSION-yaml-$YAML_VERSION"

"$K8S/prepare.sh"

command -v kubectl >/dev/null || { echo "k8s: kubectl is needed (kubectl kustomize renders offline)" >&2; exit 2; }
kubectl kustomize "$K8S" > "$K8S/generated/rendered.yaml"
echo "k8s: rendered $(grep -c '^kind:' "$K8S/generated/rendered.yaml") objects into k8s/generated/rendered.yaml"

if [ ! -d "$CACHE/node_modules/kubernetes-models" ] || [ ! -d "$CACHE/node_modules/yaml" ]; then
  mkdir -p "$(dirname "$CACHE")"
  tmp="$(mktemp -d "$(dirname "$CACHE")/.install.XXXXXX")"
  npm install --prefix "$tmp" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
    "kubernetes-models@$KM_VERSION" "yaml@$YAML_VERSION" >&2
  rm -rf "$CACHE"
  mv "$tmp" "$CACHE"
fi
PAYFLOW_K8S_TOOLS="$CACHE" node "$K8S/tools/validate-manifests.mjs" \
  "$K8S/generated/rendered.yaml" "$K8S/secret.example.yaml"

# prometheus.yml. Debian's promtool is built without Kubernetes service discovery, so when it
# does not know kubernetes_sd_configs the check runs on a copy whose discovery is swapped for a
# static target: the rest (relabel rules, regexes, paths) is still checked.
if command -v promtool >/dev/null; then
  prom="$K8S/generated/prometheus.check.yml"
  if promtool check config "$K8S/prometheus.yml" >/dev/null 2>"$K8S/generated/promtool.err"; then
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
      fs.writeFileSync(process.argv[2], YAML.stringify(cfg));' "$K8S/prometheus.yml" "$prom"
    promtool check config "$prom" >/dev/null
    echo "k8s: promtool check config prometheus.yml: OK (kubernetes_sd_configs not checked: this promtool lacks it)"
  else
    cat "$K8S/generated/promtool.err" >&2
    exit 1
  fi
else
  echo "k8s: promtool not installed (apt-get install prometheus): prometheus.yml not checked"
fi
