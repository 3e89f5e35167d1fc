// The CommonJS build loads with require() and exposes the same API.
const assert = require("node:assert/strict");
const { test } = require("node:test");
const sdk = require("../dist/cjs/index.js");

test("require() gets the client, the error type and the generated schemas", () => {
  assert.equal(typeof sdk.PayFlowClient, "function");
  assert.equal(typeof sdk.PayFlowClient.webhooks.verify, "function");
  assert.equal(typeof sdk.PayFlowError, "function");
  assert.equal(sdk.WalletSchema.typeName, "payflow.v1.Wallet");
  assert.throws(() => new sdk.PayFlowClient({ apiKey: "sk_live_x", environment: "sandbox" }), /sk_test_/);
});
