// The PayFlow console: plain JavaScript over the admin REST API, no framework, nothing from a CDN.
// The session lives in the httpOnly cookie; the CSRF token is kept in memory and sent on every change.
"use strict";

const state = { csrf: "", operator: null };
const pages = ["signin", "dashboard", "partners", "wallets", "transactions", "payments", "payouts", "webhooks", "reconciliation",
  "adjustments", "audit", "operators"];

function $(id) { return document.getElementById(id); }

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  return { ok: response.ok, status: response.status, body: json };
}

function say(text, isError) {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
}

function failure(result) {
  const info = (result.body.details || []).find(d => (d["@type"] || "").endsWith("ErrorInfo"));
  say((info ? info.reason + ": " : "") + (result.body.message || ("HTTP " + result.status)), true);
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null ? "" : String(text);
  row.appendChild(td);
  return td;
}

function fill(tableId, items, columns) {
  const body = $(tableId).querySelector("tbody");
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement("tr");
    for (const column of columns) {
      const value = typeof column === "function" ? column(item, row) : item[column];
      if (value !== undefined) cell(row, value);
    }
    body.appendChild(row);
  }
}

function show(page) {
  for (const name of pages) $("page-" + name).hidden = name !== page;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.id === "nav-" + page) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  // The operations pages (payments, payouts, webhook deliveries, reconciliation) come from operations.js, loaded after this file.
  const loaders = { dashboard: loadDashboard, partners: loadPartners, adjustments: loadAdjustments, audit: loadAudit, operators: loadOperators,
    payments: () => operationsPages.payments.load(), payouts: () => operationsPages.payouts.load(),
    webhooks: () => operationsPages.webhooks.load(), reconciliation: () => operationsPages.reconciliation.load() };
  if (loaders[page]) loaders[page]();
  const heading = $("page-" + page).querySelector("h2");
  if (heading) { heading.tabIndex = -1; heading.focus(); }
}

function route() {
  if (!state.operator) { show("signin"); return; }
  const page = location.hash.replace("#", "") || "dashboard";
  show(pages.includes(page) && page !== "signin" ? page : "dashboard");
}

function signedIn(session) {
  state.csrf = session.csrfToken;
  state.operator = session.operator;
  $("whoami").textContent = session.operator.displayName + " (" + session.operator.role + ")";
  $("nav").hidden = false;
  route();
}

async function start() {
  const session = await api("GET", "/api/admin/session");
  if (session.ok) signedIn(session.body); else route();
}

$("signin-form").addEventListener("submit", async event => {
  event.preventDefault();
  const result = await api("POST", "/api/admin/session", { email: $("signin-email").value, password: $("signin-password").value });
  $("signin-password").value = "";
  if (!result.ok) { failure(result); return; }
  say("Signed in.");
  signedIn(result.body);
});

$("sign-out").addEventListener("click", async () => {
  await api("DELETE", "/api/admin/session");
  state.csrf = ""; state.operator = null;
  $("nav").hidden = true; $("whoami").textContent = "";
  say("Signed out.");
  route();
});

async function loadPartners() {
  const result = await api("GET", "/api/admin/partners?pageSize=50");
  if (!result.ok) { failure(result); return; }
  fill("partners-table", result.body.partners, ["id", "name", "status", "createdAt", "platformFeeBasisPoints",
    p => p.rateLimitPerSecond === undefined ? "default" : p.rateLimitPerSecond, p => p.rateLimitBurst === undefined ? "default" : p.rateLimitBurst]);
}

$("partner-form").addEventListener("submit", async event => {
  event.preventDefault();
  const result = await api("POST", "/api/admin/partners",
    { name: $("partner-name").value, companyName: $("partner-company").value, email: $("partner-email").value });
  if (!result.ok) { failure(result); return; }
  say("Partner " + result.body.id + " created (pending).");
  $("status-partner").value = result.body.id;
  $("key-partner").value = result.body.id;
  $("settings-partner").value = result.body.id;
  loadPartners();
});

$("status-form").addEventListener("submit", async event => {
  event.preventDefault();
  const id = $("status-partner").value;
  const result = await api("PATCH", "/api/admin/partners/" + encodeURIComponent(id) + "/status",
    { status: $("status-value").value, reason: $("status-reason").value });
  if (!result.ok) { failure(result); return; }
  say("Partner " + id + " is now " + result.body.status + ".");
  loadPartners();
});

// UpdatePartner with a field mask of exactly the fields filled in, so an empty field changes nothing.
$("settings-form").addEventListener("submit", async event => {
  event.preventDefault();
  const id = $("settings-partner").value;
  const body = {};
  const mask = [];
  for (const [field, input] of [["platformFeeBasisPoints", "settings-fee"], ["rateLimitPerSecond", "settings-rate"], ["rateLimitBurst", "settings-burst"]]) {
    if ($(input).value !== "") { body[field] = Number($(input).value); mask.push(field); }
  }
  if (mask.length === 0) { say("Fill in at least one of fee, rate limit and burst.", true); return; }
  body.updateMask = mask.join(",");
  const result = await api("PATCH", "/api/admin/partners/" + encodeURIComponent(id), body);
  if (!result.ok) { failure(result); return; }
  const p = result.body;
  say("Partner " + id + " saved: fee " + p.platformFeeBasisPoints + " bp, rate limit "
    + (p.rateLimitPerSecond === undefined ? "default" : p.rateLimitPerSecond + "/s") + ", burst "
    + (p.rateLimitBurst === undefined ? "default" : p.rateLimitBurst) + ".");
  loadPartners();
});

$("key-form").addEventListener("submit", async event => {
  event.preventDefault();
  const id = $("key-partner").value;
  const result = await api("POST", "/api/admin/partners/" + encodeURIComponent(id) + "/api-keys",
    { environment: $("key-environment").value, name: $("key-name").value, reason: $("key-reason").value });
  if (!result.ok) { failure(result); return; }
  $("key-value").textContent = result.body.key;
  $("key-shown").hidden = false;
  say("Key " + result.body.id + " issued. It is shown once.");
});

$("key-copy").addEventListener("click", async () => {
  try { await navigator.clipboard.writeText($("key-value").textContent); say("Key copied."); }
  catch (e) { say("Copy failed: select the key and copy it by hand.", true); }
});

async function lookUpWallet(id) {
  const result = await api("GET", "/api/admin/wallets/" + encodeURIComponent(id));
  if (!result.ok) { failure(result); $("wallet-status-form").hidden = true; return; }
  const details = $("wallet-details");
  details.replaceChildren();
  for (const [label, value] of [["Id", result.body.id], ["Partner", result.body.partnerId], ["Status", result.body.status],
      ["Balance", result.body.balance + " " + result.body.currency], ["Available", result.body.availableBalance],
      ["Live", result.body.livemode]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = String(value);
    if (label === "Status") dd.id = "wallet-current-status";
    details.append(dt, dd);
  }
  $("wallet-status-form").hidden = false;
}

$("wallet-lookup-form").addEventListener("submit", event => { event.preventDefault(); lookUpWallet($("wallet-id").value); });

$("wallet-status-form").addEventListener("submit", async event => {
  event.preventDefault();
  const id = $("wallet-id").value;
  const result = await api("PATCH", "/api/admin/wallets/" + encodeURIComponent(id) + "/status",
    { status: $("wallet-status").value, reason: $("wallet-reason").value });
  if (!result.ok) { failure(result); return; }
  say("Wallet " + id + " is now " + result.body.status + ".");
  lookUpWallet(id);
});

async function loadAdjustments() {
  const result = await api("GET", "/api/admin/adjustments?pageSize=50");
  if (!result.ok) { failure(result); return; }
  fill("adjustments-table", result.body.adjustments, ["id", "walletId", a => a.amount + " " + a.currency, "direction",
    a => a.status + (a.failureReason ? " (" + a.failureReason + ")" : ""), "proposedBy", (a, row) => {
      const td = cell(row, "");
      if (a.status !== "proposed") return undefined;
      for (const [verb, label] of [["approve", "Approve"], ["reject", "Reject"]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.className = verb === "reject" ? "secondary" : "";
        button.setAttribute("aria-label", label + " " + a.id);
        button.dataset.adjustment = a.id;
        button.addEventListener("click", () => decide(a.id, verb));
        td.appendChild(button);
      }
      return undefined;
    }]);
}

async function decide(id, verb) {
  const reason = verb === "reject" ? (prompt("Why is it rejected?") || "") : "";
  const result = await api("POST", "/api/admin/adjustments/" + encodeURIComponent(id) + "/" + verb, { reason });
  if (!result.ok) { failure(result); return; }
  say("Adjustment " + id + " is " + result.body.status + (result.body.failureReason ? " (" + result.body.failureReason + ")" : "") + ".");
  loadAdjustments();
}

$("adjustment-form").addEventListener("submit", async event => {
  event.preventDefault();
  const result = await api("POST", "/api/admin/adjustments", { walletId: $("adjustment-wallet").value, amount: $("adjustment-amount").value,
    currency: $("adjustment-currency").value, direction: $("adjustment-direction").value, reason: $("adjustment-reason").value,
    idempotencyKey: crypto.randomUUID() });
  if (!result.ok) { failure(result); return; }
  say("Adjustment " + result.body.id + " proposed; another operator must approve it.");
  loadAdjustments();
});

async function loadAudit() {
  const result = await api("GET", "/api/admin/audit-log?pageSize=100");
  if (!result.ok) { failure(result); return; }
  fill("audit-table", result.body.records, ["seq", "occurredAt", "actorId", "actorRole", "action", "target", "outcome", "reason"]);
}

$("audit-verify").addEventListener("click", async () => {
  const result = await api("GET", "/api/admin/audit-log/verify");
  if (!result.ok) { failure(result); return; }
  $("audit-verification").textContent = result.body.intact
    ? "Intact: " + result.body.recordsChecked + " records checked."
    : "Broken at record " + result.body.firstBrokenSeq + ": " + result.body.problem;
});

async function loadOperators() {
  const result = await api("GET", "/api/admin/operators?pageSize=200");
  if (!result.ok) { failure(result); return; }
  fill("operators-table", result.body.operators, ["id", "displayName", "role", "status"]);
}

$("operator-form").addEventListener("submit", async event => {
  event.preventDefault();
  const result = await api("POST", "/api/admin/operators", { email: $("operator-email").value, displayName: $("operator-name").value,
    role: $("operator-role").value, password: $("operator-password").value });
  $("operator-password").value = "";
  if (!result.ok) { failure(result); return; }
  say("Operator " + result.body.id + " added.");
  loadOperators();
});

// Transactions: one by id (any partner), or a partner's list with filters, a page at a time.
$("transaction-lookup-form").addEventListener("submit", async event => {
  event.preventDefault();
  const result = await api("GET", "/api/admin/transactions/" + encodeURIComponent($("transaction-id").value));
  const details = $("transaction-details");
  details.replaceChildren();
  if (!result.ok) { failure(result); return; }
  const t = result.body;
  for (const [label, value, id] of [["Id", t.id], ["Type", t.type, "transaction-type"], ["Status", t.status, "transaction-status"],
      ["Amount", t.amount + " " + t.currency, "transaction-amount"], ["From wallet", t.fromWalletId], ["To wallet", t.toWalletId],
      ["Live", t.livemode], ["Created", t.createdAt], ["Description", t.description], ["Failure reason", t.failureReason],
      ["Entries", (t.entries || []).map(e => e.walletId + " " + e.type + " " + e.amount + " (balance " + e.balance + ")").join("; ")]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = String(value === undefined ? "" : value);
    if (id) dd.id = id;
    details.append(dt, dd);
  }
  say("Transaction " + t.id + " found.");
});

let transactionsQuery = null;
async function listTransactions(pageToken) {
  const params = new URLSearchParams({ livemode: transactionsQuery.livemode, pageSize: "50" });
  for (const key of ["walletId", "type", "status"]) if (transactionsQuery[key]) params.set(key, transactionsQuery[key]);
  if (pageToken) params.set("pageToken", pageToken);
  const result = await api("GET", "/api/admin/partners/" + encodeURIComponent(transactionsQuery.partnerId) + "/transactions?" + params);
  if (!result.ok) { failure(result); return; }
  fill("transactions-list-table", result.body.transactions, ["id", "type", "status", t => t.amount + " " + t.currency,
    "fromWalletId", "toWalletId", "createdAt"]);
  const more = $("transactions-more");
  more.hidden = !result.body.nextPageToken;
  more.onclick = () => listTransactions(result.body.nextPageToken);
  say(result.body.transactions.length + " transactions listed.");
}

$("transaction-list-form").addEventListener("submit", event => {
  event.preventDefault();
  transactionsQuery = { partnerId: $("transactions-partner").value, livemode: $("transactions-mode").value,
    walletId: $("transactions-wallet").value, type: $("transactions-type").value, status: $("transactions-status").value };
  listTransactions("");
});

window.addEventListener("hashchange", route);
start();
