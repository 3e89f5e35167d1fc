import assert from "node:assert/strict";
import { test } from "node:test";
import { PayFlowClient, WebhookVerificationError } from "../dist/esm/index.js";

// The test vector of the Standard Webhooks specification (standard-webhooks/standard-webhooks).
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const body = '{"test": 2432232314}';
const headers = {
  "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
  "webhook-timestamp": "1614265330",
  "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const atSigning = { nowSeconds: () => 1614265330 };

test("a webhook signed the Standard Webhooks way verifies and returns its event", () => {
  assert.deepEqual(PayFlowClient.webhooks.verify(body, headers, secret, atSigning), { test: 2432232314 });
  assert.deepEqual(PayFlowClient.webhooks.verify(Buffer.from(body), new Headers(headers), secret, atSigning), { test: 2432232314 });
});

test("one matching signature among several is enough", () => {
  const rotated = { ...headers, "webhook-signature": "v1,bm90IHRoZSBzaWduYXR1cmU= " + headers["webhook-signature"] };
  assert.deepEqual(PayFlowClient.webhooks.verify(body, rotated, secret, atSigning), { test: 2432232314 });
});

test("a changed body, id or secret fails", () => {
  assert.throws(() => PayFlowClient.webhooks.verify('{"test": 2432232315}', headers, secret, atSigning), WebhookVerificationError);
  assert.throws(() => PayFlowClient.webhooks.verify(body, { ...headers, "webhook-id": "msg_other" }, secret, atSigning), WebhookVerificationError);
  assert.throws(() => PayFlowClient.webhooks.verify(body, headers, "whsec_" + Buffer.from("other key").toString("base64"), atSigning), WebhookVerificationError);
});

test("a timestamp outside the tolerance fails even with a good signature", () => {
  assert.throws(() => PayFlowClient.webhooks.verify(body, headers, secret, { nowSeconds: () => 1614265330 + 301 }), /more than 300 s/);
  assert.throws(() => PayFlowClient.webhooks.verify(body, headers, secret, { nowSeconds: () => 1614265330 - 301 }), /more than 300 s/);
  assert.doesNotThrow(() => PayFlowClient.webhooks.verify(body, headers, secret, { nowSeconds: () => 1614265330 + 300 }));
});

test("missing headers fail", () => {
  for (const name of Object.keys(headers)) {
    const without = { ...headers };
    delete without[name];
    assert.throws(() => PayFlowClient.webhooks.verify(body, without, secret, atSigning), new RegExp(`${name} header is missing`));
  }
});
