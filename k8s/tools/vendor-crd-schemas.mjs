// Writes the openAPIV3Schema of CustomResourceDefinitions into k8s/tools/crd-schemas/, trimmed:
// every `description` is dropped (the CloudNativePG Cluster CRD is 470 KB of YAML, most of it
// prose); types, enums, required fields, patterns, bounds and the x-kubernetes-* markers stay.
// Run by hand when the operators' versions change (crd-schemas/README.md says from where), e.g.
//   PAYFLOW_K8S_TOOLS=~/.cache/payflow-k8s-tools/<dir> node k8s/tools/vendor-crd-schemas.mjs \
//     --source "cloudnative-pg v1.30.0" postgresql.cnpg.io_clusters.yaml ...
// validate-manifests.mjs reads the result; nothing here is needed at check time.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.env.PAYFLOW_K8S_TOOLS ?? process.cwd(), "noop.js"));
const { parseAllDocuments } = require("yaml");
const out = join(dirname(fileURLToPath(import.meta.url)), "crd-schemas");

const args = process.argv.slice(2);
let source = "unknown";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--source") source = args[++i];
  else files.push(args[i]);
}

function trim(node) {
  if (Array.isArray(node)) return node.map(trim);
  if (node === null || typeof node !== "object") return node;
  const copy = {};
  for (const [k, v] of Object.entries(node)) {
    // `properties` maps field names to schemas: a field may be called "description".
    if (k === "description" && typeof v === "string") continue;
    copy[k] = k === "properties" ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, trim(s)])) : trim(v);
  }
  return copy;
}

for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const crd = doc.toJS();
    if (crd?.kind !== "CustomResourceDefinition") continue;
    const { group, names } = crd.spec;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const name = `${group}_${version.name}_${names.kind}.json`;
      const body = {
        group,
        version: version.name,
        kind: names.kind,
        source,
        openAPIV3Schema: trim(version.schema.openAPIV3Schema),
      };
      writeFileSync(join(out, name), JSON.stringify(body, null, 1) + "\n");
      console.log(`${name}: ${JSON.stringify(body).length} bytes`);
    }
  }
}
