// Offline checks of rendered manifests (`kubectl kustomize ...`), run by k8s/check.sh:
//   1. every object against its schema: built-in kinds against the Kubernetes OpenAPI schema
//      (npm kubernetes-models: types, required fields, enums; it does NOT flag unknown fields),
//      custom resources (CloudNativePG Cluster and ScheduledBackup, the Prometheus Operator's
//      ServiceMonitor, PodMonitor, PrometheusRule) against the openAPIV3Schema of their CRDs,
//      vendored in crd-schemas/, with ajv; there an unknown field IS an error, as with
//      `kubectl apply --validate=strict`;
//   2. PayFlow's own rules, per render (--profile):
//      all:         part-of label, resources, probes, the restricted security context, ConfigMaps
//                   and Secrets that workloads name;
//      base:        + core-service and Envoy as PayFlow needs them, the admin listener on its own
//                   ClusterIP Service only, the CloudNativePG Cluster and core-service's database
//                   settings, HPAs, PDBs, NetworkPolicies, monitoring objects, the dashboard;
//      production:  + base, and every image pinned by digest (placeholders `sha256:<...>` are
//                   refused unless --dry, which reports them), production settings;
//      example:     the without-operators example (StatefulSet standing in for the Cluster);
//      secrets:     secret.example.yaml (schema and label only).
// Usage: PAYFLOW_K8S_TOOLS=<dir holding node_modules> node validate-manifests.mjs
//          --profile base|production|example [--dry] rendered.yaml [more.yaml ...]
// (check.sh installs kubernetes-models, yaml and ajv there, outside the repo).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(join(process.env.PAYFLOW_K8S_TOOLS ?? process.cwd(), "noop.js"));
const { parse: parseYaml, parseAllDocuments } = require("yaml");
const Ajv = require("ajv");

const args = process.argv.slice(2);
let profile = "base";
let dry = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--profile") profile = args[++i];
  else if (args[i] === "--dry") dry = true;
  else files.push(args[i]);
}
if (!["base", "production", "example", "secrets"].includes(profile)) throw new Error(`unknown profile ${profile}`);

const problems = [];
const notes = [];
const objects = [];

for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj) objects.push({ file, obj });
  }
}

// 1. Schema. -----------------------------------------------------------------------------------

// The vendored CRD schemas, made strict: an object schema that lists its properties and neither
// allows others nor preserves unknown fields gets additionalProperties: false, which is what the
// API server's pruning (or strict field validation) does to a misspelled field.
function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const copy = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties") copy[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, strict(s)]));
    else if (k === "enum" || k === "required" || k === "default") copy[k] = v;
    else copy[k] = strict(v);
  }
  if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
    copy.additionalProperties = false;
  }
  return copy;
}

const crdDir = join(dirname(fileURLToPath(import.meta.url)), "crd-schemas");
// CRD patterns are Go (RE2) regular expressions; JavaScript lacks inline flags such as (?i).
const unsupportedPatterns = new Set();
function goRegExp(source, flags) {
  let pattern = source;
  let extra = "";
  // (?i) and friends, also after a leading ^: applied to the whole pattern (at worst looser).
  const inline = /^(\^?)\(\?([imsU]+)\)/.exec(pattern);
  if (inline) {
    pattern = inline[1] + pattern.slice(inline[0].length);
    extra = inline[2].replace(/[^ims]/g, "");
  }
  try {
    return new RegExp(pattern, flags + extra);
  } catch {
    unsupportedPatterns.add(source);
    return { test: () => true };
  }
}
goRegExp.code = "goRegExp";
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
const crdValidators = new Map();
for (const name of readdirSync(crdDir).filter((f) => f.endsWith(".json"))) {
  const crd = JSON.parse(readFileSync(join(crdDir, name), "utf8"));
  crdValidators.set(`${crd.group}/${crd.version}/${crd.kind}`, ajv.compile(strict(crd.openAPIV3Schema)));
}

for (const { file, obj } of objects) {
  const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
  const crdValidate = crdValidators.get(`${obj.apiVersion}/${obj.kind}`);
  if (crdValidate) {
    if (!obj.metadata?.name) problems.push(`${where}: metadata.name is missing`);
    if (!crdValidate(obj)) {
      for (const e of crdValidate.errors) {
        const extra = e.keyword === "additionalProperties" ? ` (unknown field "${e.params.additionalProperty}")` : "";
        problems.push(`${where}: ${e.instancePath || "/"} ${e.message}${extra}`);
      }
    }
    continue;
  }
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${obj.kind}` : `kubernetes-models/${version}/${obj.kind}`;
  let Model;
  try {
    Model = require(module)[obj.kind];
  } catch {
    problems.push(`${where}: unknown apiVersion/kind ${obj.apiVersion} ${obj.kind} (no schema: add its CRD to crd-schemas/)`);
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

// 2. PayFlow rules. ----------------------------------------------------------------------------

const all = objects.map((o) => o.obj);
const byKind = (kind) => all.filter((o) => o.kind === kind);
const named = (kind, name) => all.find((o) => o.kind === kind && o.metadata?.name === name);
const workloads = [...byKind("Deployment"), ...byKind("StatefulSet")];
const configMaps = byKind("ConfigMap");
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => (labels ?? {})[k] === v);

for (const o of all) {
  if (o.metadata?.labels?.["app.kubernetes.io/part-of"] !== "payflow") {
    problems.push(`${o.kind}/${o.metadata?.name}: needs the label app.kubernetes.io/part-of=payflow`);
  }
}

// Every namespaced object in payflow (kustomize v2.0.3 drops the namespace of a ConfigMap an
// overlay merges unless the overlay sets it again).
if (profile !== "secrets") {
  for (const o of all.filter((x) => x.kind !== "Namespace")) {
    if (o.metadata?.namespace !== "payflow") problems.push(`${o.kind}/${o.metadata?.name}: namespace ${o.metadata?.namespace ?? "(none)"}, not payflow`);
  }
}

for (const w of workloads) {
  const spec = w.spec.template.spec;
  const where = `${w.kind}/${w.metadata.name}`;
  if (w.spec.template.metadata?.labels?.["app.kubernetes.io/part-of"] !== "payflow") {
    problems.push(`${where}: pod template needs the label app.kubernetes.io/part-of=payflow`);
  }
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
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap && !configMaps.some((m) => m.metadata.name === v.configMap.name)) {
      problems.push(`${where}: volume ${v.name} uses ConfigMap ${v.configMap.name}, which is not in the manifests`);
    }
  }
}

/** The env var's value: a literal, or from the ConfigMaps the container takes its env from. */
function envOf(container, name) {
  const literal = (container.env ?? []).find((e) => e.name === name);
  if (literal) return literal.value ?? literal.valueFrom;
  for (const ref of container.envFrom ?? []) {
    const cm = ref.configMapRef && configMaps.find((m) => m.metadata.name === ref.configMapRef.name);
    if (cm?.data?.[name] !== undefined) return cm.data[name];
  }
  return undefined;
}

if (profile === "secrets") {
  // schema and labels only
} else if (profile === "example") {
  // The self-hosted PostgreSQL stands in for the Cluster under the Cluster's names.
  const sts = workloads.find((w) => w.kind === "StatefulSet" && w.metadata.name === "postgres");
  if (!sts) problems.push("example: no StatefulSet postgres");
  const svc = named("Service", "payflow-db-rw");
  if (!svc) problems.push("example: no Service payflow-db-rw (the name core-service's URL uses)");
  else if (sts && !matches(svc.spec.selector, sts.spec.template.metadata.labels)) problems.push("example: Service payflow-db-rw does not select the StatefulSet's pods");
  if (sts && sts.spec.template.metadata.labels["app.kubernetes.io/name"] !== "postgres") {
    problems.push("example: the StatefulSet's pods need app.kubernetes.io/name=postgres (the NetworkPolicy postgres selects it)");
  }
  for (const e of sts?.spec.template.spec.containers[0].env ?? []) {
    const s = e.valueFrom?.secretKeyRef;
    if (s && s.name !== "payflow-db-app") problems.push(`example: postgres env ${e.name} from ${s.name}, not payflow-db-app`);
  }
} else {
  appRules();
}

function appRules() {
  // --- core-service.
  const core = workloads.find((w) => w.metadata.name === "core-service");
  if (!core) {
    problems.push("no core-service Deployment");
    return;
  }
  const c = core.spec.template.spec.containers[0];
  const env = (name) => envOf(c, name);
  if (env("PAYFLOW_ENVIRONMENT") !== "production") problems.push("core-service: PAYFLOW_ENVIRONMENT must be production");
  const ports = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]));
  if (ports.grpc !== 9090 || ports.management !== 9464) problems.push(`core-service: ports ${JSON.stringify(ports)}`);
  const ann = core.spec.template.metadata.annotations ?? {};
  if (ann["prometheus.io/scrape"] !== "true" || ann["prometheus.io/port"] !== "9464") problems.push("core-service: prometheus annotations");
  if (c.readinessProbe?.httpGet?.path !== "/ready") problems.push("core-service: readiness must be /ready (it turns 503 once shutdown begins)");

  // Secrets: PayFlow's own from payflow-secrets, the database's from the Cluster's app Secret.
  const cluster = byKind("Cluster")[0];
  const dbSecret = `${cluster?.metadata.name ?? "payflow-db"}-app`;
  const fromSecret = Object.fromEntries((c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef)
    .map((e) => [e.name, `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`]));
  const wanted = {
    PAYFLOW_ADMIN_TOKEN: "payflow-secrets/PAYFLOW_ADMIN_TOKEN",
    PAYFLOW_DATABASE_PASSWORD: `${dbSecret}/password`,
    PAYFLOW_DATABASE_USER: `${dbSecret}/username`,
    PAYFLOW_ENCRYPTION_KEY: "payflow-secrets/PAYFLOW_ENCRYPTION_KEY",
    PAYFLOW_SESSION_SECRET: "payflow-secrets/PAYFLOW_SESSION_SECRET",
  };
  if (JSON.stringify(fromSecret, Object.keys(fromSecret).sort()) !== JSON.stringify(wanted, Object.keys(wanted).sort())) {
    problems.push(`core-service: env from Secrets ${JSON.stringify(fromSecret)}, wanted ${JSON.stringify(wanted)}`);
  }

  // --- The admin listener: a port of its own, a ClusterIP Service, nothing public.
  const adminPort = Number(env("PAYFLOW_ADMIN_PORT"));
  if (!adminPort) problems.push("core-service: PAYFLOW_ADMIN_PORT must be set (the admin listener's own port)");
  if (adminPort && adminPort === Number(env("PAYFLOW_HTTP_PORT") ?? 8080)) problems.push("core-service: PAYFLOW_ADMIN_PORT must differ from PAYFLOW_HTTP_PORT");
  if (adminPort && ports.admin !== adminPort) problems.push(`core-service: container port 'admin' is ${ports.admin}, PAYFLOW_ADMIN_PORT ${adminPort}`);
  const corePods = core.spec.template.metadata.labels;
  const servicesOfCore = byKind("Service").filter((s) => s.spec.selector && matches(s.spec.selector, corePods));
  const adminServices = servicesOfCore.filter((s) => s.spec.ports.some((p) => p.targetPort === "admin" || p.targetPort === adminPort));
  if (adminServices.length === 0) problems.push("core-service: no Service exposes the admin port");
  for (const s of servicesOfCore) {
    if ((s.spec.type ?? "ClusterIP") !== "ClusterIP") problems.push(`Service/${s.metadata.name}: selects core-service pods and is ${s.spec.type}: core-service is never exposed outside the cluster`);
  }
  for (const s of byKind("Service").filter((s) => ["LoadBalancer", "NodePort"].includes(s.spec.type))) {
    if (!s.spec.selector || s.spec.selector["app.kubernetes.io/name"] !== "envoy") problems.push(`Service/${s.metadata.name}: only Envoy is public`);
  }

  // --- Database: the CloudNativePG Cluster, and core-service on its -rw Service with TLS.
  if (!cluster) {
    problems.push("no CloudNativePG Cluster");
  } else {
    const s = cluster.spec;
    const name = cluster.metadata.name;
    if ((s.instances ?? 1) < 3) problems.push(`Cluster/${name}: 3 instances at least`);
    if (!(s.postgresql?.synchronous?.number >= 1) && !(s.minSyncReplicas >= 1)) problems.push(`Cluster/${name}: needs synchronous replication`);
    if (!s.backup?.barmanObjectStore && !(s.plugins ?? []).some((p) => p.isWALArchiver)) problems.push(`Cluster/${name}: needs backups (barmanObjectStore or a WAL-archiving plugin)`);
    if (!byKind("ScheduledBackup").some((b) => b.spec.cluster?.name === name)) problems.push(`Cluster/${name}: no ScheduledBackup takes base backups`);
    if (s.affinity?.enablePodAntiAffinity === false || s.affinity?.podAntiAffinityType !== "required") problems.push(`Cluster/${name}: instances must be on different nodes (podAntiAffinityType required)`);
    if (s.inheritedMetadata?.labels?.["app.kubernetes.io/name"] !== "postgres") problems.push(`Cluster/${name}: inheritedMetadata must label the pods app.kubernetes.io/name=postgres (NetworkPolicies)`);
    const podMonitor = byKind("PodMonitor").find((m) => m.spec.selector?.matchLabels?.["cnpg.io/cluster"] === name);
    if (!podMonitor && s.monitoring?.enablePodMonitor !== true) problems.push(`Cluster/${name}: no PodMonitor scrapes it`);
    const url = env("PAYFLOW_DATABASE_URL") ?? "";
    const m = /^jdbc:postgresql:\/\/([^:/?]+)(?::(\d+))?\/([^?]+)(?:\?(.*))?$/.exec(url);
    if (!m) {
      problems.push(`core-service: PAYFLOW_DATABASE_URL ${JSON.stringify(url)} is not a jdbc:postgresql URL in its ConfigMap`);
    } else {
      if (m[1].split(".")[0] !== `${name}-rw`) problems.push(`core-service: PAYFLOW_DATABASE_URL must name the primary's Service ${name}-rw, not ${m[1]}`);
      if (m[3] !== s.bootstrap?.initdb?.database) problems.push(`core-service: database ${m[3]} is not the Cluster's ${s.bootstrap?.initdb?.database}`);
      const params = new URLSearchParams(m[4] ?? "");
      if (params.get("sslmode") !== "verify-full") problems.push("core-service: PAYFLOW_DATABASE_URL needs sslmode=verify-full");
      const rootCert = params.get("sslrootcert");
      const caMount = c.volumeMounts.find((vm) => rootCert?.startsWith(vm.mountPath + "/"));
      const caVolume = caMount && core.spec.template.spec.volumes.find((v) => v.name === caMount.name);
      if (caVolume?.secret?.secretName !== `${name}-ca`) problems.push(`core-service: sslrootcert ${rootCert} is not mounted from the Secret ${name}-ca`);
      else if (!(caVolume.secret.items ?? []).every((i) => i.key === "ca.crt") || !caVolume.secret.items?.length) problems.push(`core-service: mount only ca.crt of ${name}-ca, never ca.key`);
    }
  }

  // --- Autoscaling and disruption budgets.
  for (const d of byKind("Deployment")) {
    const hpa = byKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef?.kind === "Deployment" && h.spec.scaleTargetRef.name === d.metadata.name);
    const pdb = byKind("PodDisruptionBudget").find((p) => matches(p.spec.selector?.matchLabels, d.spec.template.metadata.labels));
    const where = `Deployment/${d.metadata.name}`;
    if (!["core-service", "envoy"].includes(d.metadata.name)) continue;
    if (!hpa) {
      problems.push(`${where}: no HorizontalPodAutoscaler`);
      continue;
    }
    if ((hpa.spec.minReplicas ?? 1) < 2) problems.push(`${where}: the HPA's minReplicas must be 2 or more`);
    if (hpa.spec.maxReplicas < (hpa.spec.minReplicas ?? 1)) problems.push(`${where}: the HPA's maxReplicas is below minReplicas`);
    if ((hpa.spec.metrics ?? []).some((m) => m.resource?.name === "cpu") && d.spec.template.spec.containers.some((x) => !x.resources?.requests?.cpu)) {
      problems.push(`${where}: CPU autoscaling needs CPU requests on every container`);
    }
    if (d.spec.replicas > hpa.spec.maxReplicas || d.spec.replicas < (hpa.spec.minReplicas ?? 1)) problems.push(`${where}: replicas ${d.spec.replicas} outside the HPA's range`);
    if (!pdb) problems.push(`${where}: no PodDisruptionBudget`);
    else if (typeof pdb.spec.minAvailable === "number" && pdb.spec.minAvailable >= (hpa.spec.minReplicas ?? 1)) {
      problems.push(`${where}: PodDisruptionBudget minAvailable ${pdb.spec.minAvailable} >= minReplicas ${hpa.spec.minReplicas}: no node could ever be drained`);
    }
    if (d.metadata.name === "core-service") {
      const share = Number(env("PAYFLOW_RATE_LIMIT_REPLICAS") ?? 1);
      if (share !== hpa.spec.minReplicas) {
        problems.push(`core-service: PAYFLOW_RATE_LIMIT_REPLICAS ${share} != the HPA's minReplicas ${hpa.spec.minReplicas} (docs/rate-limits.md)`);
      }
    }
  }

  // --- Envoy: envoy.yaml and payflow.pb in the mounted ConfigMap, at the paths envoy.yaml uses,
  // and its public routes forward the public API only.
  const envoy = workloads.find((w) => w.metadata.name === "envoy");
  if (!envoy) {
    problems.push("no envoy Deployment");
  } else {
    const spec = envoy.spec.template.spec;
    const ec = spec.containers[0];
    const mount = ec.volumeMounts.find((vm) => vm.mountPath === "/etc/envoy");
    const volume = mount && spec.volumes.find((v) => v.name === mount.name);
    // One ConfigMap, or several projected into the one directory.
    const names = volume ? (volume.projected ? volume.projected.sources.map((s) => s.configMap?.name) : [volume.configMap?.name]) : [];
    const mounted = names.map((n) => configMaps.find((m) => m.metadata.name === n)).filter(Boolean);
    const cm = mounted.length === 0 ? undefined : {
      data: Object.assign({}, ...mounted.map((m) => m.data ?? {})),
      binaryData: Object.assign({}, ...mounted.map((m) => m.binaryData ?? {})),
    };
    if (mounted.length !== names.length) {
      problems.push(`envoy: a ConfigMap projected into /etc/envoy does not exist (${names.join(", ")})`);
    }
    if (!cm) {
      problems.push("envoy: no ConfigMap mounted at /etc/envoy");
    } else {
      const envoyYaml = cm.data?.["envoy.yaml"];
      if (!envoyYaml) problems.push("envoy: envoy.yaml missing from its ConfigMap");
      if (!cm.binaryData?.["payflow.pb"]) problems.push("envoy: payflow.pb missing from its ConfigMap binaryData");
      if (envoyYaml && !envoyYaml.includes("proto_descriptor: /etc/envoy/payflow.pb")) problems.push("envoy: envoy.yaml does not read /etc/envoy/payflow.pb");
      if (!cm.data?.["payflow-openapi.json"]) problems.push("envoy: payflow-openapi.json missing from its ConfigMap");
      if (envoyYaml && !envoyYaml.includes("filename: /etc/envoy/payflow-openapi.json")) problems.push("envoy: envoy.yaml does not serve /etc/envoy/payflow-openapi.json");
      for (const one of mounted) {
        const size = JSON.stringify(one).length;
        if (size > 1000000) problems.push(`envoy: ConfigMap ${one.metadata.name} is ${size} bytes (limit 1 MiB)`);
        else if (size > 900000) notes.push(`envoy: ConfigMap ${one.metadata.name} is ${size} bytes, close to the 1 MiB limit`);
      }
      if (envoyYaml) {
        const forwarded = [];
        const walk = (node) => {
          if (Array.isArray(node)) node.forEach(walk);
          else if (node && typeof node === "object") {
            if (node.match && node.route) forwarded.push(node.match);
            Object.values(node).forEach(walk);
          }
        };
        walk(parseYaml(envoyYaml));
        for (const adminPath of ["/api/admin/partners", "/api/csrf-token", "/admin/"]) {
          const hit = forwarded.find((mt) => (mt.prefix !== undefined && adminPath.startsWith(mt.prefix)) || mt.path === adminPath || mt.safe_regex);
          if (hit) problems.push(`envoy: envoy.yaml forwards ${adminPath} (route ${JSON.stringify(hit)}): the admin listener is internal only`);
        }
      }
    }
  }

  // --- NetworkPolicies.
  const policies = byKind("NetworkPolicy");
  const denyAll = policies.find((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress
    && ["Ingress", "Egress"].every((t) => (p.spec.policyTypes ?? []).includes(t)));
  if (!denyAll) problems.push("NetworkPolicy: no default deny (podSelector {}, Ingress and Egress, no rules)");
  const policiesOf = (app) => policies.filter((p) => p.spec.podSelector?.matchLabels?.["app.kubernetes.io/name"] === app);
  const portsOf = (rule) => (rule.ports ?? []).map((p) => p.port);
  const fromApp = (rule, app) => (rule.from ?? rule.to ?? []).some((peer) => !peer.namespaceSelector && peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === app);
  const fromPrometheus = (rule) => (rule.from ?? []).some((peer) => peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "prometheus");
  for (const app of ["envoy", "core-service", "postgres"]) {
    if (policiesOf(app).length === 0) problems.push(`NetworkPolicy: nothing lets traffic reach or leave ${app} past the default deny`);
  }
  const coreIngress = policiesOf("core-service").flatMap((p) => p.spec.ingress ?? []);
  const coreEgress = policiesOf("core-service").flatMap((p) => p.spec.egress ?? []);
  for (const rule of coreIngress) {
    if (portsOf(rule).length === 0) problems.push("NetworkPolicy core-service: an ingress rule without ports opens every port");
    if (portsOf(rule).includes(9090) && !(rule.from ?? []).every((peer) => !peer.namespaceSelector && !peer.ipBlock && peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "envoy")) {
      problems.push("NetworkPolicy core-service: gRPC 9090 only from Envoy");
    }
    if (adminPort && portsOf(rule).includes(adminPort) && (rule.from ?? []).some((peer) => peer.ipBlock)) {
      problems.push("NetworkPolicy core-service: the admin port is never open to IP blocks");
    }
  }
  if (!coreIngress.some((r) => portsOf(r).includes(9090) && fromApp(r, "envoy"))) problems.push("NetworkPolicy: Envoy cannot reach core-service:9090");
  if (!policiesOf("envoy").flatMap((p) => p.spec.egress ?? []).some((r) => portsOf(r).includes(9090) && fromApp(r, "core-service"))) problems.push("NetworkPolicy: Envoy's egress to core-service:9090 is missing");
  if (!coreIngress.some((r) => portsOf(r).includes(9464) && fromPrometheus(r))) problems.push("NetworkPolicy: Prometheus cannot scrape core-service:9464");
  const allowedOut = new Set([53, 443, 5432]);
  for (const rule of coreEgress) {
    if (portsOf(rule).length === 0) problems.push("NetworkPolicy core-service: an egress rule without ports lets it reach any port");
    for (const port of portsOf(rule)) if (!allowedOut.has(port)) problems.push(`NetworkPolicy core-service: egress to port ${port} (only PostgreSQL 5432, DNS 53, HTTPS 443)`);
  }
  if (!coreEgress.some((r) => portsOf(r).includes(5432) && fromApp(r, "postgres"))) problems.push("NetworkPolicy: core-service cannot reach PostgreSQL");
  const dbIngress = policiesOf("postgres").flatMap((p) => p.spec.ingress ?? []);
  if (!dbIngress.some((r) => portsOf(r).includes(5432) && fromApp(r, "core-service"))) problems.push("NetworkPolicy: PostgreSQL does not let core-service in");
  if (!dbIngress.some((r) => portsOf(r).includes(9187) && fromPrometheus(r))) problems.push("NetworkPolicy: Prometheus cannot scrape PostgreSQL:9187");
  for (const rule of dbIngress) {
    if ((rule.from ?? []).length === 0 || (rule.from ?? []).some((peer) => peer.ipBlock)) problems.push("NetworkPolicy postgres: ingress from anywhere");
  }

  // --- Monitoring: the Prometheus Operator's objects and the dashboard.
  const coreServices = byKind("Service").filter((s) => s.spec.ports.some((p) => p.name === "management") && matches(s.spec.selector, corePods));
  const sm = byKind("ServiceMonitor").find((x) => coreServices.some((s) => matches(x.spec.selector?.matchLabels, s.metadata.labels)));
  if (!sm) problems.push("no ServiceMonitor selects core-service's Service with the management port");
  else if (!sm.spec.endpoints.some((e) => e.port === "management" && (e.path ?? "/metrics") === "/metrics")) problems.push(`ServiceMonitor/${sm.metadata.name}: scrape port management, path /metrics`);
  if (servicesOfCore.filter((s) => sm && matches(sm.spec.selector?.matchLabels, s.metadata.labels)).length > 1) {
    problems.push(`ServiceMonitor/${sm.metadata.name}: selects more than one Service of core-service (each pod would be scraped twice)`);
  }
  const rules = byKind("PrometheusRule");
  if (rules.length === 0 || !rules.some((r) => (r.spec.groups ?? []).some((g) => (g.rules ?? []).some((x) => x.alert)))) problems.push("no PrometheusRule with alerts");
  const dashboards = configMaps.filter((m) => m.metadata.labels?.grafana_dashboard === "1");
  if (dashboards.length !== 1) problems.push(`${dashboards.length} dashboard ConfigMaps (label grafana_dashboard=1), wanted 1`);
  for (const d of dashboards) {
    for (const [k, v] of Object.entries(d.data ?? {})) {
      try {
        if (!JSON.parse(v).panels?.length) problems.push(`ConfigMap/${d.metadata.name}: ${k} has no panels`);
      } catch (e) {
        problems.push(`ConfigMap/${d.metadata.name}: ${k} is not JSON: ${e.message}`);
      }
    }
  }
  for (const m of configMaps.filter((x) => x.metadata.labels?.grafana_dashboard === "1" && x !== dashboards[0])) problems.push(`ConfigMap/${m.metadata.name}: grafana label on a non-dashboard`);

  if (profile === "production") productionRules(core, env);
}

function productionRules(core, env) {
  const images = [];
  for (const w of workloads) {
    for (const x of [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers]) images.push([`${w.kind}/${w.metadata.name} ${x.name}`, x.image]);
  }
  for (const cl of byKind("Cluster")) images.push([`Cluster/${cl.metadata.name}`, cl.spec.imageName ?? "(the operator's default)"]);
  const placeholders = [];
  for (const [where, image] of images) {
    if (/@sha256:[0-9a-f]{64}$/.test(image)) continue;
    if (/@sha256:<[^>]+>$/.test(image)) placeholders.push(`${where}: ${image}`);
    else problems.push(`production: ${where}: image ${image} is not pinned by digest (@sha256:...)`);
  }
  if (placeholders.length && !dry) {
    for (const p of placeholders) problems.push(`production: digest placeholder left: ${p}`);
    problems.push("production: put the images' digests into overlays/production (README.md, \"Images by digest\"), or run check.sh --dry");
  } else if (placeholders.length) {
    notes.push(`production (--dry): ${placeholders.length} digest placeholder(s) accepted: ${placeholders.map((p) => p.split(": ")[1]).join(", ")}`);
  }
  if (core.spec.replicas < 3) problems.push("production: core-service needs 3 replicas at least");
  const hpa = byKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef?.name === "core-service");
  if (hpa && hpa.spec.minReplicas < 3) problems.push("production: core-service's HPA minReplicas 3 at least");
  // Each replica holds its pool and, unless PAYFLOW_API_KEY_CACHE_ENABLED=false, one LISTEN connection of its own.
  const pool = Number(env("PAYFLOW_DATABASE_POOL_SIZE") ?? 16) + (env("PAYFLOW_API_KEY_CACHE_ENABLED") === "false" ? 0 : 1);
  const maxConnections = Number(byKind("Cluster")[0]?.spec.postgresql?.parameters?.max_connections ?? 100);
  if (hpa && hpa.spec.maxReplicas * pool > maxConnections - 20) {
    problems.push(`production: ${hpa.spec.maxReplicas} replicas x ${pool} connections (pool and key-change listener) exceed the Cluster's max_connections ${maxConnections} less 20 for the operator and backups`);
  }
}

if (unsupportedPatterns.size) notes.push(`CRD patterns not checked (no JavaScript equivalent): ${[...unsupportedPatterns].join(" ")}`);
for (const n of notes) console.log(`k8s: note: ${n}`);
if (problems.length) {
  console.error(problems.map((p) => `  - ${p}`).join("\n"));
  console.error(`k8s: ${profile}: ${problems.length} problem(s) in ${objects.length} objects`);
  process.exit(1);
}
console.log(`k8s: ${profile}: ${objects.length} objects valid (schema + PayFlow rules)`);
