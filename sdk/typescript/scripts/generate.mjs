// Generates src/gen/ from the contract's descriptor set with buf + protoc-gen-es (both from npm,
// pinned in package-lock.json). The descriptor set is built by Maven (`./mvnw -B verify` or
// `./mvnw -B -q -pl proto -DskipTests package`); PAYFLOW_DESCRIPTOR_SET names another one.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const descriptorSet =
  process.env.PAYFLOW_DESCRIPTOR_SET ??
  resolve(root, "../../proto/target/classes/descriptor/payflow.pb");
if (!existsSync(descriptorSet)) {
  console.error(
    `generate: ${descriptorSet} is missing; build the protos first: ./mvnw -B -q -pl proto -DskipTests package`,
  );
  process.exit(2);
}
rmSync(resolve(root, "src/gen"), { recursive: true, force: true });
execFileSync(resolve(root, "node_modules/.bin/buf"), ["generate", `${descriptorSet}#format=binpb`], {
  cwd: root,
  stdio: "inherit",
});
