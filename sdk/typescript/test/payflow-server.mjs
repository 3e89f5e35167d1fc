// Starts a real PayFlow (the jar `./mvnw -B verify` builds) on free ports over a fresh embedded
// PostgreSQL in a temporary folder, waits until it is healthy, and onboards a partner through the
// admin API, as README's curl tour does. PAYFLOW_JAR names another jar.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const JAR =
  process.env.PAYFLOW_JAR ?? resolve(dirname(fileURLToPath(import.meta.url)), "../../../core-service/target/payflow-core.jar");
const ADMIN_TOKEN = "sdk-test-admin-token-0123456789abcdefghijklmnop";
/** The embedded PostgreSQL and the JVM start in 5 to 20 s on a busy 2-core machine. */
const START_TIMEOUT_MS = 90_000;

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export async function startPayFlow() {
  if (!existsSync(JAR)) {
    throw new Error(`${JAR} is missing: build it first with ./mvnw -B -q -DskipTests package`);
  }
  const [http, grpc, management] = [await freePort(), await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), "payflow-sdk-test-"));
  const output = [];
  const process_ = spawn("java", ["-jar", JAR], {
    env: {
      ...process.env,
      PAYFLOW_HTTP_PORT: String(http),
      PAYFLOW_GRPC_PORT: String(grpc),
      PAYFLOW_MANAGEMENT_PORT: String(management),
      PAYFLOW_DATA_DIR: dataDir,
      PAYFLOW_ADMIN_TOKEN: ADMIN_TOKEN,
      PAYFLOW_HOLD_EXPIRY_INTERVAL_MS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  process_.stdout.on("data", (chunk) => output.push(chunk));
  process_.stderr.on("data", (chunk) => output.push(chunk));
  let exited = false;
  process_.once("exit", () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => process_.once("exit", r));
      process_.kill("SIGTERM");
      await done;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`PayFlow exited during start-up:\n${Buffer.concat(output).toString()}`);
    }
    try {
      const health = await fetch(`http://127.0.0.1:${management}/health`);
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PayFlow not healthy after ${START_TIMEOUT_MS} ms:\n${Buffer.concat(output).toString()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const baseUrl = `http://127.0.0.1:${http}`;
  const admin = async (method, path, body) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  let partners = 0;
  const onboard = async () => {
    partners++;
    const partner = await admin("POST", "/api/admin/partners", {
      name: `SDK Partner ${partners}`, companyName: `SDK Partner ${partners} Inc`,
      email: `api${partners}@sdk-partner.example`, contactPerson: "Jane Smith", businessType: "Financial Services",
    });
    await admin("PATCH", `/api/admin/partners/${partner.id}/status`, { status: "approved", reason: "SDK tests" });
    const key = await admin("POST", `/api/admin/partners/${partner.id}/api-keys`, { environment: "sandbox", name: "sdk", reason: "SDK tests" });
    return key.key;
  };
  return { baseUrl, onboard, stop };
}
