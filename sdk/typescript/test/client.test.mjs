import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { BatchTransferResult_Status, ConnectedAccount_Status, PayFlowClient, PayFlowError, Payment_Status, Wallet_Status } from "../dist/esm/index.js";
import { startPayFlow } from "./payflow-server.mjs";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";

const timestamp = timestampFromDate;

let payflow;
let apiKey;

before(async () => {
  payflow = await startPayFlow();
  apiKey = await payflow.onboard();
});

after(async () => {
  await payflow?.stop();
});

/** A client on the test server whose waits are recorded instead of slept. */
function client(options = {}) {
  const waits = [];
  const sdk = new PayFlowClient({
    apiKey,
    environment: "sandbox",
    baseUrl: payflow.baseUrl,
    sleep: async (ms) => void waits.push(ms),
    ...options,
  });
  return { sdk, waits };
}

function newWallet(extra = {}) {
  const id = randomUUID();
  return { externalUserId: `user-${id}`, externalWalletId: `wallet-${id}`, name: "Weekly Savings Circle", currency: "USD", ...extra };
}

/** A fetch that passes the calls to PayFlow but loses the first `count` responses to `path`, as a dropped connection would. */
function losingResponses(pathSuffix, count) {
  const sent = [];
  const fetchThatLoses = async (url, init) => {
    const response = await fetch(url, init);
    if (new URL(url).pathname.endsWith(pathSuffix)) {
      sent.push(JSON.parse(init.body));
      if (sent.length <= count) {
        await response.text();
        throw new TypeError("fetch failed (the test dropped the response)");
      }
    }
    return response;
  };
  return { fetchThatLoses, sent };
}

describe("PayFlowClient against a real PayFlow", () => {
  test("the partner flow: create a wallet, fund it, transfer, read the statement", async () => {
    const { sdk, waits } = client();
    const savings = await sdk.wallets.create(newWallet({ metadata: { groupType: "rosca" } }));
    const pot = await sdk.wallets.create(newWallet());

    const credit = await sdk.wallets.credit({ walletId: savings.id, amount: "50.00", currency: "USD", description: "ROSCA contribution - Week 3" });
    const transfer = await sdk.transfers.create({ fromWalletId: savings.id, toWalletId: pot.id, amount: "20.00", currency: "USD" });
    const statement = [];
    for await (const entry of sdk.wallets.ledgerEntries(savings.id)) statement.push(entry);

    assert.equal(savings.status, Wallet_Status.active);
    assert.deepEqual(savings.metadata, { groupType: "rosca" });
    assert.match(credit.idempotencyKey, /^sdk_/, "a key the client made");
    assert.notEqual(transfer.idempotencyKey, credit.idempotencyKey);
    assert.equal((await sdk.wallets.balance(savings.id)).balance, "30.00");
    assert.equal(typeof (await sdk.wallets.get(pot.id)).balance, "string");
    assert.equal((await sdk.wallets.get(pot.id)).balance, "20.00");
    assert.equal((await sdk.wallets.getByExternalId(pot.externalWalletId)).id, pot.id);
    assert.equal((await sdk.transactions.get(transfer.id)).id, transfer.id);
    assert.equal((await sdk.transfers.get(transfer.id)).amount, "20.00");
    assert.deepEqual(statement.map((entry) => entry.balance), ["30.00", "50.00"]);
    assert.deepEqual(waits, []);
  });

  test("payments: a sandbox card payment funds the wallet, a partial refund follows, and both are listed", async () => {
    const { sdk } = client();
    const wallet = await sdk.wallets.create(newWallet());
    const config = await sdk.payments.config();
    assert.equal(config.provider, "simulated");

    const payment = await sdk.payments.create({ amount: "25.00", currency: "USD", paymentMethod: "pm_card_visa", walletId: wallet.id, capture: true });
    assert.match(payment.id, /^pmt_/);
    assert.equal(payment.status, Payment_Status.succeeded);
    assert.match(payment.transactionId, /^txn_/);
    const refund = await sdk.payments.refund({ id: payment.id, amount: "5.00", reason: "requested_by_customer" });
    assert.match(refund.id, /^ref_/);

    assert.equal((await sdk.wallets.balance(wallet.id)).balance, "20.00");
    assert.equal((await sdk.payments.get(payment.id)).status, Payment_Status.partially_refunded);
    const listed = [];
    for await (const p of sdk.payments.list({ walletId: wallet.id })) listed.push(p.id);
    assert.deepEqual(listed, [payment.id]);
  });

  test("payment methods: a sandbox token is kept for a user, listed, updated and detached", async () => {
    const { sdk } = client();
    const externalUserId = `sdk-card-holder-${randomUUID()}`;
    const method = await sdk.paymentMethods.create({ provider: "stripe", providerToken: `pm_card_visa_${randomUUID().replaceAll("-", "")}`, externalUserId });
    assert.match(method.id, /^pmd_/);
    assert.equal(method.provider, "simulated");
    assert.equal(method.status, "active");
    assert.equal(method.card?.last4, "4242");
    assert.equal((await sdk.paymentMethods.get(method.id)).id, method.id);
    const listed = [];
    for await (const m of sdk.paymentMethods.list({ externalUserId })) listed.push(m.id);
    assert.deepEqual(listed, [method.id]);
    assert.deepEqual((await sdk.paymentMethods.update(method.id, { metadata: { nickname: "work card" } })).metadata, { nickname: "work card" });
    assert.equal((await sdk.paymentMethods.detach(method.id)).status, "detached");
    const afterDetach = [];
    for await (const m of sdk.paymentMethods.list({ externalUserId })) afterDetach.push(m.id);
    assert.deepEqual(afterDetach, [], "detached ones are left out");
  });

  test("connected accounts: a simulated sandbox account is created, onboarded through its page, listed and disconnected", async () => {
    const { sdk } = client();
    const externalUserId = `sdk-holder-${Math.random().toString(36).slice(2)}`;
    const account = await sdk.connectedAccounts.create({ externalUserId, country: "US", email: "holder@example.com" });
    assert.match(account.id, /^con_/);
    assert.equal(account.status, ConnectedAccount_Status.restricted);
    assert.equal((await fetch(account.onboardingUrl)).status, 200);
    assert.equal((await sdk.connectedAccounts.get(account.id)).status, ConnectedAccount_Status.active);
    const listed = [];
    for await (const a of sdk.connectedAccounts.list({ externalUserId })) listed.push(a.id);
    assert.deepEqual(listed, [account.id]);
    assert.equal((await sdk.connectedAccounts.disconnect(account.id)).status, ConnectedAccount_Status.disabled);
  });

  test("webhook endpoint: the first put shows the secret once, and the events of a credit are listed", async () => {
    const { sdk } = client();
    const endpoint = await sdk.webhookEndpoint.put({ url: "http://localhost:9999/payflow/hooks" });
    assert.match(endpoint.secret, /^whsec_/);
    assert.equal((await sdk.webhookEndpoint.get()).secret, "");

    const wallet = await sdk.wallets.create(newWallet());
    const credit = await sdk.wallets.credit({ walletId: wallet.id, amount: "3.00", currency: "USD" });
    const types = [];
    for await (const e of sdk.webhookEndpoint.events({ type: "wallet.funds_added" })) {
      if (e.data?.transactionId === credit.id) types.push(e.type);
    }
    assert.deepEqual(types, ["wallet.funds_added"]);
  });

  test("a lost response is retried with the same idempotency key, and the money moves once", async () => {
    const { fetchThatLoses, sent } = losingResponses("/credit", 2);
    const { sdk, waits } = client({ fetch: fetchThatLoses });
    const wallet = await sdk.wallets.create(newWallet());

    const credit = await sdk.wallets.credit({ walletId: wallet.id, amount: "12.50", currency: "USD" });

    assert.equal(sent.length, 3);
    assert.deepEqual(new Set(sent.map((body) => body.idempotencyKey)), new Set([credit.idempotencyKey]));
    assert.equal(waits.length, 2);
    assert.equal((await sdk.wallets.get(wallet.id)).balance, "12.50");
    const transactions = [];
    for await (const t of sdk.wallets.transactions(wallet.id)) transactions.push(t.id);
    assert.deepEqual(transactions, [credit.id]);
  });

  test("a batch gives its members keys of their own, and a lost response is retried without booking twice", async () => {
    const { fetchThatLoses, sent } = losingResponses("/transfers/batch", 1);
    const { sdk } = client({ fetch: fetchThatLoses });
    const from = await sdk.wallets.create(newWallet());
    const to = await sdk.wallets.create(newWallet());
    await sdk.wallets.credit({ walletId: from.id, amount: "10.00", currency: "USD" });

    const answer = await sdk.transfers.createBatch({
      transfers: [
        { fromWalletId: from.id, toWalletId: to.id, amount: "1.00", currency: "USD" },
        { fromWalletId: from.id, toWalletId: to.id, amount: "50.00", currency: "USD" },
      ],
    });

    assert.equal(sent.length, 2, "the lost answer was asked for again");
    assert.deepEqual(sent[1].transfers.map((t) => t.idempotencyKey), sent[0].transfers.map((t) => t.idempotencyKey));
    assert.match(sent[0].transfers[0].idempotencyKey, /^sdk_/);
    assert.notEqual(sent[0].transfers[0].idempotencyKey, sent[0].transfers[1].idempotencyKey);
    assert.equal(answer.results[0].status, BatchTransferResult_Status.replayed, "booked by the lost call, replayed by the retry");
    assert.equal(answer.results[1].status, BatchTransferResult_Status.failed);
    assert.equal(answer.results[1].error.reason, "INSUFFICIENT_FUNDS");
    assert.equal((await sdk.wallets.get(from.id)).balance, "9.00");
  });

  test("a business error is a PayFlowError with status, code, reason and request id, and is not retried", async () => {
    let calls = 0;
    const counting = async (url, init) => { calls++; return fetch(url, init); };
    const { sdk, waits } = client({ fetch: counting });
    const wallet = await sdk.wallets.create(newWallet());
    calls = 0;

    await assert.rejects(sdk.wallets.debit({ walletId: wallet.id, amount: "80.00", currency: "USD" }), (error) => {
      assert.ok(error instanceof PayFlowError);
      assert.equal(error.status, 400);
      assert.equal(error.code, "FAILED_PRECONDITION");
      assert.equal(error.reason, "INSUFFICIENT_FUNDS");
      assert.match(error.requestId, /^req_/);
      assert.match(error.message, /INSUFFICIENT_FUNDS/);
      return true;
    });
    assert.equal(calls, 1);
    assert.deepEqual(waits, []);
  });

  test("a money amount that is not a decimal string is refused by PayFlow as INVALID_AMOUNT", async () => {
    const { sdk } = client();
    const wallet = await sdk.wallets.create(newWallet());

    await assert.rejects(sdk.wallets.credit({ walletId: wallet.id, amount: "50.001", currency: "USD" }), (error) =>
      error.status === 400 && error.reason === "INVALID_AMOUNT");
  });

  test("lists page transparently with for await", async () => {
    const { sdk } = client();
    const user = `user-${randomUUID()}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.unshift((await sdk.wallets.create(newWallet({ externalUserId: user }))).id);

    const listed = [];
    for await (const wallet of sdk.wallets.list({ externalUserId: user, pageSize: 2 })) listed.push(wallet.id);

    assert.deepEqual(listed, created, "newest first, no repeats, no gaps");
  });

  test("exports.transactions iterates every page of the JSON-lines export, oldest first, as transactions.get answers", async () => {
    // A partner of its own, so the window holds exactly the transactions made here.
    const from = new Date(Date.now() - 1_000);
    const pages = [];
    const countingFetch = async (url, init) => {
      if (new URL(url).pathname === "/api/v1/exports/transactions") pages.push(new URL(url).searchParams.get("pageToken") ?? "");
      return fetch(url, init);
    };
    const { sdk } = client({ apiKey: await payflow.onboard(), fetch: countingFetch });
    const wallet = await sdk.wallets.create(newWallet());
    const booked = [];
    booked.push((await sdk.wallets.credit({ walletId: wallet.id, amount: "10.00", currency: "USD", metadata: { week: 12 } })).id);
    booked.push((await sdk.wallets.debit({ walletId: wallet.id, amount: "2.50", currency: "USD" })).id);
    booked.push((await sdk.wallets.credit({ walletId: wallet.id, amount: "1.00", currency: "USD" })).id);
    const to = new Date(Date.now() + 1_000);

    const exported = [];
    for await (const transaction of sdk.exports.transactions({ from: timestamp(from), to: timestamp(to), pageSize: 2 })) exported.push(transaction);

    assert.deepEqual(exported.map((t) => t.id), booked, "oldest first, no repeats, no gaps");
    assert.equal(pages.length, 2, "two pages of two");
    assert.equal(pages[0], "");
    assert.notEqual(pages[1], "");
    assert.deepEqual(exported[0], await sdk.transactions.get(booked[0]));
    assert.equal(exported[1].amount, "2.50");
    assert.deepEqual(exported[0].metadata, { week: 12 });
    assert.deepEqual(exported[0].entries.map((entry) => [entry.walletId, entry.balance]), [[wallet.id, "10.00"]], "the wallet's entry with its running balance");
  });

  test("exports.transactions refuses a window that ends before it starts, with its reason", async () => {
    const { sdk } = client();
    const now = new Date();
    await assert.rejects(
      async () => {
        for await (const _ of sdk.exports.transactions({ from: timestamp(now), to: timestamp(new Date(now.getTime() - 60_000)) })) {
          assert.fail("no line expected");
        }
      },
      (error) => error instanceof PayFlowError && error.status === 400 && error.reason === "INVALID_FIELD",
    );
  });

  test("429 waits at least Retry-After and 503 is retried, other 4xx never", async () => {
    const answers = [
      new Response(JSON.stringify({ code: 8, message: "slow down", details: [] }), { status: 429, headers: { "retry-after": "2" } }),
      new Response("upstream unavailable", { status: 503 }),
    ];
    const scripted = async (url, init) => answers.shift() ?? fetch(url, init);
    const { sdk, waits } = client({ fetch: scripted });

    const wallet = await sdk.wallets.create(newWallet());

    assert.equal(wallet.currency, "USD");
    assert.equal(waits.length, 2);
    assert.ok(waits[0] >= 2000, `waited ${waits[0]} ms after Retry-After: 2`);
    assert.ok(waits[1] <= 200, `second backoff within its cap, was ${waits[1]}`);
  });

  test("retries stop after maxRetries", async () => {
    let calls = 0;
    const down = async () => { calls++; throw new TypeError("fetch failed"); };
    const { sdk, waits } = client({ fetch: down, maxRetries: 4 });

    await assert.rejects(sdk.wallets.get("wal_x"), (error) => error instanceof PayFlowError && error.status === 0 && error.code === "UNAVAILABLE");
    assert.equal(calls, 5);
    assert.equal(waits.length, 4);
  });

  test("an unknown key is 401 INVALID_API_KEY", async () => {
    const { sdk } = client({ apiKey: "sk_test_" + "x".repeat(43) });

    await assert.rejects(async () => {
      for await (const wallet of sdk.wallets.list()) assert.fail(`listed ${wallet.id}`);
    }, (error) => error.status === 401 && error.reason === "INVALID_API_KEY");
  });

  test("the environment must match the key's prefix", () => {
    assert.throws(() => new PayFlowClient({ apiKey: "sk_live_abc", environment: "sandbox" }), /sk_test_/);
    assert.throws(() => new PayFlowClient({ apiKey: "sk_test_abc", environment: "production" }), /sk_live_/);
    assert.throws(() => new PayFlowClient({ apiKey: "sk_test_abc", environment: "staging" }), /sandbox/);
  });
});
