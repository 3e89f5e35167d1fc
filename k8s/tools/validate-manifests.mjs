// Offline checks of the rendered manifests (`kubectl kustomize k8s`), run by k8s/check.sh:
//   1. every object against the Kubernetes OpenAPI schema (npm kubernetes-models: types,
//      required fields, enums; it does NOT flag unknown fields);
//   2. PayFlow's own rules: every container has resources, probes and a non-root security
//      context; Envoy mounts the descriptor set where envoy.yaml expects it; core-service gets
//      its env from the generated ConfigMap and the payflow-secrets Secret.
// Usage: PAYFLOW_K8S_TOOLS=<dir holding node_modules> node validate-manifests.mjs rendered.yaml ...
// (check.sh installs kubernetes-models and yaml there, outside the repo).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.PAYFLOW_K8S_TOOLS ?? process.cwd(), "noop.js"));
const { parseAllDocuments } = require("yaml");
const problems = [];
const objects = [];

for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj) objects.push({ file, obj });
  }
}

// 1. Schema.
for (const { file, obj } of objects) {
  const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  let Model;
  try {
    Model = require(module)[obj.kind];
  } catch {
    problems.push(`${where}: unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`);
    continue;
  }
  // kustomize folds long base64 (binaryData) into lines; the API server's decoder skips the
  // newlines, the schema's "byte" format does not. Validate the unfolded value.
  const copy = structuredClone(obj);
  for (const field of ["binaryData", ...(obj.kind === "Secret" ? ["data"] : [])]) {
    for (const k of Object.keys(copy[field] ?? {})) copy[field][k] = copy[field][k].replace(/\s+/g, "");
  }
  try {
    new Model(copy).validate();
  } catch (e) {
    problems.push(`${where}: ${e.message}`);
  }
}

// 2. PayFlow rules.
const byKind = (kind) => objects.map((o) => o.obj).filter((o) => o.kind === kind);
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
const configMaps = byKind("ConfigMap");

for (const w of workloads) {
  const spec = w.spec.template.spec;
  const where = `${w.kind}/${w.metadata.name}`;
  if (spec.securityContext?.runAsNonRoot !== true) problems.push(`${where}: pod securityContext.runAsNonRoot must be true`);
  for (const c of spec.containers) {
    const cw = `${where} container ${c.name}`;
    if (!c.resources?.requests || !c.resources?.limits) problems.push(`${cw}: needs resources.requests and .limits`);
    if (!c.readinessProbe) problems.push(`${cw}: needs a readinessProbe`);
    if (!c.livenessProbe) problems.push(`${cw}: needs a livenessProbe`);
    // The namespace enforces the "restricted" Pod Security Standard; catch violations here.
    if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${cw}: allowPrivilegeEscalation must be false`);
    if (!(c.securityContext?.capabilities?.drop ?? []).includes("ALL")) problems.push(`${cw}: capabilities.drop must include ALL`);
    const seccomp = c.securityContext?.seccompProfile?.type ?? spec.securityContext?.seccompProfile?.type;
    if (!["RuntimeDefault", "Localhost"].includes(seccomp)) problems.push(`${cw}: needs seccompProfile RuntimeDefault`);
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef && !configMaps.some((m) => m.metadata.name === ref.configMapRef.name)) {
        problems.push(`${cw}: envFrom ConfigMap ${ref.configMapRef.name} is not in the manifests`);
      }
    }
    for (const e of c.env ?? []) {
      const s = e.valueFrom?.secretKeyRef;
      if (s && s.name !== "payflow-secrets") problems.push(`${cw}: env ${e.name} from unexpected Secret ${s.name}`);
    }
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap && !configMaps.some((m) => m.metadata.name === v.configMap.name)) {
      problems.push(`${where}: volume ${v.name} uses ConfigMap ${v.configMap.name}, which is not in the manifests`);
    }
  }
}

const core = workloads.find((w) => w.metadata.name === "core-service");
if (!core) {
  problems.push("no core-service Deployment");
} else {
  const c = core.spec.template.spec.containers[0];
  const cm = configMaps.find((m) => m.metadata.name === c.envFrom?.[0]?.configMapRef?.name);
  if (cm?.data?.PAYFLOW_ENVIRONMENT !== "production") problems.push("core-service: PAYFLOW_ENVIRONMENT must be production");
  const secretEnv = (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name).sort();
  const wanted = ["PAYFLOW_ADMIN_TOKEN", "PAYFLOW_DATABASE_PASSWORD", "PAYFLOW_DATABASE_URL", "PAYFLOW_DATABASE_USER"];
  if (JSON.stringify(secretEnv) !== JSON.stringify(wanted)) problems.push(`core-service: secret env ${secretEnv} != ${wanted}`);
  if (core.spec.replicas < 2) problems.push("core-service: at least 2 replicas");
  const ports = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]));
  if (ports.grpc !== 9090 || ports.management !== 9464) problems.push(`core-service: ports ${JSON.stringify(ports)}`);
  const ann = core.spec.template.metadata.annotations ?? {};
  if (ann["prometheus.io/scrape"] !== "true" || ann["prometheus.io/port"] !== "9464") problems.push("core-service: prometheus annotations");
}

// Envoy: envoy.yaml and payflow.pb must be in the mounted ConfigMap, at the paths envoy.yaml uses.
const envoy = workloads.find((w) => w.metadata.name === "envoy");
if (!envoy) {
  problems.push("no envoy Deployment");
} else {
  const spec = envoy.spec.template.spec;
  const c = spec.containers[0];
  const mount = c.volumeMounts.find((m) => m.mountPath === "/etc/envoy");
  const volume = mount && spec.volumes.find((v) => v.name === mount.name);
  const cm = volume && configMaps.find((m) => m.metadata.name === volume.configMap?.name);
  if (!cm) {
    problems.push("envoy: no ConfigMap mounted at /etc/envoy");
  } else {
    const envoyYaml = cm.data?.["envoy.yaml"];
    const pb = cm.binaryData?.["payflow.pb"];
    if (!envoyYaml) problems.push("envoy: envoy.yaml missing from its ConfigMap");
    if (!pb) problems.push("envoy: payflow.pb missing from its ConfigMap binaryData");
    if (envoyYaml && !envoyYaml.includes("proto_descriptor: /etc/envoy/payflow.pb")) {
      problems.push("envoy: envoy.yaml does not read /etc/envoy/payflow.pb");
    }
    if (!cm.data?.["payflow-openapi.json"]) problems.push("envoy: payflow-openapi.json missing from its ConfigMap");
    if (envoyYaml && !envoyYaml.includes("filename: /etc/envoy/payflow-openapi.json")) {
      problems.push("envoy: envoy.yaml does not serve /etc/envoy/payflow-openapi.json");
    }
    const size = JSON.stringify(cm).length;
    if (size > 1000000) problems.push(`envoy: ConfigMap ${cm.metadata.name} is ${size} bytes (limit 1 MiB)`);
  }
}

for (const kind of ["PodDisruptionBudget", "Namespace", "StatefulSet"]) {
  if (byKind(kind).length === 0) problems.push(`no ${kind}`);
}

if (problems.length) {
  console.error(problems.map((p) => `  - ${p}`).join("\n"));
  console.error(`k8s: ${problems.length} problem(s) in ${objects.length} objects`);
  process.exit(1);
}
console.log(`k8s: ${objects.length} objects valid (schema + PayFlow rules)`);
