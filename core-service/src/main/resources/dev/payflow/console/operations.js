// The console's operations pages: payments, payouts, webhook deliveries and reconciliation runs.
// Each page is described once (its filters, columns and detail) and built here, so index.html does
// not repeat a form block per page. Loaded after console.js, whose api(), say(), failure() and
// fill() it uses; every change goes through api(), which sends the CSRF token.
"use strict";

const STATUSES = {
  payments: ["pending", "requires_action", "requires_capture", "processing", "succeeded", "failed", "cancelled", "refunded",
    "partially_refunded"],
  payouts: ["pending", "in_transit", "paid", "failed", "cancelled"],
  deliveries: ["pending", "delivered", "failed", "skipped"],
};
const ENVIRONMENTS = [["", "both"], ["sandbox", "sandbox"], ["production", "live"]];

function choices(values) { return [["", "any"], ...values.map(v => [v, v])]; }
function modeOf(livemode) { return livemode ? "live" : "sandbox"; }
function money(amount, currency) { return amount === undefined ? "" : amount + " " + currency; }

/** The UTC instant a datetime-local field holds (its label says UTC), or "" when it is empty. */
function utc(value) { return value ? new Date(value + (value.length === 16 ? ":00Z" : "Z")).toISOString() : ""; }

/**
 * A form from its description: each field gets a label bound to it; `name` of a field becomes its
 * id as `<form id>-<name>` unless the field gives its own `id`.
 */
function buildForm(container, spec) {
  const form = document.createElement("form");
  form.id = spec.id;
  const fieldset = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = spec.legend;
  fieldset.appendChild(legend);
  const fields = element("div");
  fields.className = "fields";
  fieldset.appendChild(fields);
  const inputs = {};
  for (const field of spec.fields) {
    const id = field.id || spec.id + "-" + field.name;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = field.label;
    let input;
    if (field.options) {
      input = document.createElement("select");
      for (const [value, text] of field.options) {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = text;
        input.appendChild(option);
      }
    } else {
      input = document.createElement("input");
      input.type = field.type || "text";
      if (field.maxlength) input.maxLength = field.maxlength;
      if (field.value) input.value = field.value;
    }
    input.id = id;
    input.required = Boolean(field.required);
    const wrapper = element("div");
    wrapper.append(label, input);
    fields.appendChild(wrapper);
    inputs[field.name] = input;
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.id = spec.submit.id;
  button.textContent = spec.submit.label;
  fieldset.appendChild(button);
  form.appendChild(fieldset);
  form.addEventListener("submit", event => { event.preventDefault(); spec.onSubmit(inputs); });
  container.appendChild(form);
  return inputs;
}

function element(tag, text, id) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (id) e.id = id;
  return e;
}

/**
 * A table with a caption and column headers; rows are filled with console.js's fill(). It sits in a
 * region that scrolls sideways when the table is wider than the page, reachable by keyboard.
 */
function buildTable(container, id, caption, headers) {
  const table = element("table", undefined, id);
  table.appendChild(element("caption", caption));
  const head = element("thead");
  const row = element("tr");
  for (const header of headers) {
    const th = element("th", header);
    th.scope = "col";
    row.appendChild(th);
  }
  head.appendChild(row);
  table.append(head, element("tbody"));
  const region = element("div");
  region.className = "table-scroll";
  region.tabIndex = 0;
  region.setAttribute("role", "region");
  region.setAttribute("aria-label", caption);
  region.appendChild(table);
  container.appendChild(region);
  return table;
}

/** Label/value pairs as a description list; a pair's third element is the value's id, for tests and links. */
function describe(container, pairs) {
  const list = element("dl");
  for (const [label, value, id] of pairs) {
    list.append(element("dt", label), element("dd", value === undefined || value === null ? "" : String(value), id));
  }
  container.appendChild(list);
}

/** A column's value, "" for what the JSON leaves out (an unset timestamp), so every row has a cell per column. */
function orEmpty(column) {
  return item => { const value = column(item); return value === undefined || value === null ? "" : value; };
}

function rows(tableId, items, columns) {
  fill(tableId, items, columns.map(orEmpty));
}

/** A button in a table cell that opens an item's detail; its accessible name says which item. */
function openButton(row, text, verb, onClick) {
  const td = cell(row, "");
  const button = element("button", text);
  button.type = "button";
  button.className = "link";
  button.setAttribute("aria-label", verb + " " + text);
  button.addEventListener("click", onClick);
  td.appendChild(button);
  return undefined;
}

/**
 * A list page: filters, a table a page at a time (newest first), and a detail region that opens
 * when an item's id is chosen, with the focus moved to its heading.
 */
function listPage(spec) {
  const container = $(spec.name + "-page");
  let filters = {};
  const inputs = buildForm(container, {
    id: spec.name + "-filters", legend: spec.legend, fields: spec.filters,
    submit: { id: spec.name + "-list", label: spec.listLabel || "List" },
    onSubmit: fields => { filters = Object.fromEntries(Object.entries(fields).map(([name, input]) =>
      [name, input.type === "datetime-local" ? utc(input.value) : input.value])); list(""); },
  });
  buildTable(container, spec.name + "-table", spec.caption, spec.columns.map(c => c[0]));
  const more = element("button", "Next page", spec.name + "-more");
  more.type = "button";
  more.className = "secondary";
  more.hidden = true;
  container.appendChild(more);
  const detail = element("div", undefined, spec.name + "-detail");
  detail.setAttribute("aria-live", "polite");
  container.appendChild(detail);

  async function list(pageToken) {
    const params = new URLSearchParams({ pageSize: "50" });
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    if (pageToken) params.set("pageToken", pageToken);
    const result = await api("GET", spec.path + "?" + params);
    if (!result.ok) { failure(result); return; }
    const items = result.body[spec.itemsKey] || [];
    fill(spec.name + "-table", items, [(item, row) => openButton(row, spec.idOf(item), "Show", () => open(spec.idOf(item))),
      ...spec.columns.slice(1).map(c => orEmpty(c[1]))]);
    more.hidden = !result.body.nextPageToken;
    more.onclick = () => list(result.body.nextPageToken);
    say(items.length + " " + spec.noun + " listed.");
  }

  async function open(id) {
    const result = await api("GET", spec.detailPath(id));
    if (!result.ok) { failure(result); return; }
    detail.replaceChildren();
    const heading = element("h3", spec.detailTitle + " " + id, spec.name + "-detail-heading");
    heading.tabIndex = -1;
    detail.appendChild(heading);
    spec.renderDetail(detail, result.body, () => open(id));
    heading.focus();
  }

  return { load: () => list(""), open, inputs };
}

const operationsPages = {};

operationsPages.payments = listPage({
  name: "payments", noun: "payments", legend: "Find payments (every partner)", caption: "Payments, newest first",
  path: "/api/admin/payments", itemsKey: "payments", idOf: item => item.payment.id,
  filters: [
    { name: "partnerId", label: "Partner id (optional)" },
    { name: "environment", label: "Mode", options: ENVIRONMENTS },
    { name: "status", label: "Status", options: choices(STATUSES.payments) },
    { name: "provider", label: "Provider", options: choices(["stripe", "paypal", "simulated"]) },
    { name: "createdFrom", label: "Created from (UTC)", type: "datetime-local" },
    { name: "createdTo", label: "Created before (UTC)", type: "datetime-local" },
  ],
  columns: [["Id"], ["Partner", i => i.partnerId], ["Status", i => i.payment.status], ["Amount", i => money(i.payment.amount, i.payment.currency)],
    ["Provider", i => i.payment.provider], ["Wallet", i => i.payment.walletId], ["Mode", i => modeOf(i.payment.livemode)],
    ["Created", i => i.payment.createdAt]],
  detailTitle: "Payment", detailPath: id => "/api/admin/payments/" + encodeURIComponent(id),
  renderDetail: (container, body) => {
    const p = body.payment;
    describe(container, [["Partner", body.partnerId], ["Status", p.status, "payment-status"], ["Amount", money(p.amount, p.currency), "payment-amount"],
      ["Refunded", money(p.amountRefunded, p.currency)], ["Provider", p.provider + (p.providerPaymentId ? " (" + p.providerPaymentId + ")" : "")],
      ["Payment method", p.paymentMethod], ["Wallet", p.walletId], ["Transaction", p.transactionId], ["Mode", modeOf(p.livemode)],
      ["Description", p.description], ["Failure", p.failureCode ? p.failureCode + ": " + p.failureMessage : ""],
      ["Connected account", p.connectedAccountId], ["Platform fee", p.platformFee], ["Created", p.createdAt], ["Updated", p.updatedAt]]);
    buildTable(container, "payment-history", "Status history, oldest first", ["Status", "At", "Cause", "Cause id"]);
    rows("payment-history", p.statusHistory || [], [c => c.status, c => c.at, c => c.cause, c => c.causeId]);
    buildTable(container, "payment-refunds", "Refunds, oldest first", ["Id", "Status", "Amount", "Reason", "Created"]);
    rows("payment-refunds", p.refunds || [], [r => r.id, r => r.status, r => money(r.amount, p.currency), r => r.reason, r => r.createdAt]);
  },
});

operationsPages.payouts = listPage({
  name: "payouts", noun: "payouts", legend: "Find payouts (every partner)", caption: "Payouts, newest first",
  path: "/api/admin/payouts", itemsKey: "payouts", idOf: item => item.payout.id,
  filters: [
    { name: "partnerId", label: "Partner id (optional)" },
    { name: "environment", label: "Mode", options: ENVIRONMENTS },
    { name: "status", label: "Status", options: choices(STATUSES.payouts) },
    { name: "provider", label: "Provider", options: choices(["stripe", "simulated"]) },
    { name: "createdFrom", label: "Created from (UTC)", type: "datetime-local" },
    { name: "createdTo", label: "Created before (UTC)", type: "datetime-local" },
  ],
  columns: [["Id"], ["Partner", i => i.partnerId], ["Status", i => i.payout.status], ["Amount", i => money(i.payout.amount, i.payout.currency)],
    ["Wallet", i => i.payout.walletId], ["Destination", i => (i.payout.destination || {}).connectedAccountId],
    ["Provider", i => i.payout.provider], ["Mode", i => modeOf(i.payout.livemode)], ["Created", i => i.payout.createdAt]],
  detailTitle: "Payout", detailPath: id => "/api/admin/payouts/" + encodeURIComponent(id),
  renderDetail: (container, body) => {
    const p = body.payout;
    describe(container, [["Partner", body.partnerId], ["Status", p.status, "payout-status"], ["Amount", money(p.amount, p.currency), "payout-amount"],
      ["Wallet", p.walletId], ["Destination", (p.destination || {}).connectedAccountId], ["Provider", p.provider],
      ["Gateway transfer", p.providerTransferId], ["Gateway payout", p.providerPayoutId], ["Arrival", p.arrivalDate],
      ["Failure", p.failureCode ? p.failureCode + ": " + p.failureMessage : ""], ["Transactions", (p.transactionIds || []).join(", ")],
      ["Mode", modeOf(p.livemode)], ["Description", p.description], ["Created", p.createdAt], ["Updated", p.updatedAt]]);
    buildTable(container, "payout-history", "Status history, oldest first", ["Status", "At", "Cause", "Cause id", "Detail"]);
    rows("payout-history", p.statusHistory || [], [c => c.status, c => c.changedAt, c => c.cause, c => c.causeId, c => c.detail]);
  },
});

operationsPages.webhooks = listPage({
  name: "webhooks", noun: "events", legend: "Find webhook deliveries (every partner)", caption: "Events sent to partners, newest first",
  path: "/api/admin/webhook-events", itemsKey: "events", idOf: item => item.event.id,
  filters: [
    { name: "partnerId", label: "Partner id (optional; with a mode, one endpoint)" },
    { name: "environment", label: "Mode", options: ENVIRONMENTS },
    { name: "deliveryStatus", label: "Delivery status", options: choices(STATUSES.deliveries) },
    { name: "type", label: "Event type (optional, e.g. wallet.credited)" },
  ],
  columns: [["Id"], ["Partner", i => i.partnerId], ["Type", i => i.event.type], ["Delivery", i => i.event.deliveryStatus],
    ["Attempts", i => i.event.attemptCount], ["Mode", i => modeOf(i.event.livemode)], ["Created", i => i.event.createdAt],
    ["Next attempt", i => i.event.nextAttemptAt]],
  detailTitle: "Event", detailPath: id => "/api/admin/webhook-events/" + encodeURIComponent(id),
  renderDetail: (container, body, reopen) => {
    const e = body.event;
    describe(container, [["Partner", body.partnerId], ["Type", e.type], ["Delivery", e.deliveryStatus, "webhook-delivery-status"],
      ["Attempts", e.attemptCount, "webhook-attempt-count"], ["Mode", modeOf(e.livemode)], ["Created", e.createdAt],
      ["Delivered", e.deliveredAt], ["Next attempt", e.nextAttemptAt], ["Data", JSON.stringify(e.data)]]);
    buildTable(container, "webhook-attempts", "Delivery attempts, oldest first", ["#", "At", "URL", "HTTP status", "Latency (ms)", "Succeeded", "Error"]);
    rows("webhook-attempts", e.attempts || [], [a => a.number, a => a.attemptedAt, a => a.url, a => a.httpStatus || "no answer", a => a.latencyMs,
      a => a.succeeded ? "yes" : "no", a => a.error]);
    buildForm(container, {
      id: "webhook-replay-form", legend: "Send it again (operators)",
      fields: [{ name: "reason", id: "webhook-replay-reason", label: "Reason", required: true, maxlength: 500 }],
      submit: { id: "webhook-replay", label: "Replay event" },
      onSubmit: async fields => {
        const result = await api("POST", "/api/admin/webhook-events/" + encodeURIComponent(e.id) + "/replay", { reason: fields.reason.value });
        if (!result.ok) { failure(result); return; }
        say("Event " + e.id + " sent again: " + result.body.event.deliveryStatus + ".");
        reopen();
      },
    });
  },
});

// Reconciliation: start a run (operators), list runs, open a report, resolve a finding with a reason.
function previousUtcDay() {
  const now = new Date();
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(to.getTime() - 86400000);
  return [from.toISOString().slice(0, 16), to.toISOString().slice(0, 16)];
}

const [dayFrom, dayTo] = previousUtcDay();
buildForm($("reconciliation-start"), {
  id: "run-form", legend: "Start a run (operators)",
  fields: [
    { name: "from", id: "run-from", label: "From (UTC)", type: "datetime-local", required: true, value: dayFrom },
    { name: "to", id: "run-to", label: "To (UTC, at most 31 days after from)", type: "datetime-local", required: true, value: dayTo },
    { name: "mode", id: "run-mode", label: "Mode", options: [["sandbox", "sandbox"], ["production", "live"]] },
  ],
  submit: { id: "run-start", label: "Start run" },
  onSubmit: async fields => {
    const result = await api("POST", "/api/admin/reconciliation/runs", { from: utc(fields.from.value), to: utc(fields.to.value), mode: fields.mode.value });
    if (!result.ok) { failure(result); return; }
    say("Run " + result.body.id + " is " + result.body.status + ".");
    operationsPages.reconciliation.load();
  },
});

operationsPages.reconciliation = listPage({
  name: "reconciliation", noun: "runs", legend: "Runs", caption: "Reconciliation runs, newest first", listLabel: "Refresh",
  path: "/api/admin/reconciliation/runs", itemsKey: "runs", idOf: run => run.id, filters: [],
  columns: [["Id"], ["Mode", r => r.mode], ["Window", r => r.from + " to " + r.to], ["Status", r => r.status], ["Trigger", r => r.trigger],
    ["Started by", r => r.startedBy], ["Findings", r => r.findingCount], ["Finished", r => r.finishedAt]],
  detailTitle: "Report of run", detailPath: id => "/api/admin/reconciliation/runs/" + encodeURIComponent(id),
  renderDetail: (container, run) => {
    describe(container, [["Mode", run.mode], ["Window", run.from + " to " + run.to], ["Status", run.status, "run-status"], ["Stage", run.stage],
      ["Objects read", run.objectsRead], ["Findings", run.findingCount, "run-finding-count"], ["Failure", run.failureMessage],
      ["Started", run.startedAt], ["Finished", run.finishedAt]]);
    buildTable(container, "run-matched", "Matched per object type and currency", ["Object type", "Currency", "Count", "Amount"]);
    rows("run-matched", run.matched || [], [t => t.objectType, t => t.currency, t => t.count, t => t.amount]);
    buildTable(container, "run-accounts", "System accounts against Stripe's balance transactions",
      ["Account", "Currency", "Stripe net", "PayFlow net", "Matches"]);
    rows("run-accounts", run.systemAccounts || [], [a => a.kind, a => a.currency, a => a.stripeNet, a => a.payflowNet, a => a.matches ? "yes" : "no"]);
    buildTable(container, "run-findings", "Findings", ["Id", "Kind", "Object", "Stripe", "PayFlow", "Partner", "Suggestion", "Status", "Resolve"]);
    fill("run-findings", run.findings || [], [...[f => f.id, f => f.kind, f => f.objectType + " " + f.stripeId + " / " + f.payflowId,
      f => f.stripeValue, f => f.payflowValue, f => f.partnerId, f => f.suggestion || f.suggestedAction,
      f => f.status + (f.status === "resolved" ? " (" + f.resolutionAction + " by " + f.resolvedBy + ": " + f.resolutionReason + ")" : "")]
      .map(orEmpty),
      (f, row) => {
        if (f.status !== "open") { cell(row, ""); return undefined; }
        return openButton(row, "Resolve", "Resolve finding " + f.id + ":", () => {
          $("resolve-run").value = run.id;
          $("resolve-finding").value = f.id;
          $("resolve-action").value = f.suggestedAction === "book_fee" ? "book_fee" : "acknowledge";
          $("resolve-reason").focus();
        });
      }]);
  },
});

buildForm($("reconciliation-resolve"), {
  id: "resolve-form", legend: "Resolve a finding (operators)",
  fields: [
    { name: "run", id: "resolve-run", label: "Run id", required: true },
    { name: "finding", id: "resolve-finding", label: "Finding id", required: true },
    { name: "action", id: "resolve-action", label: "Action", options: [["acknowledge", "acknowledge (books nothing)"], ["book_fee", "book the fee"]] },
    { name: "reason", id: "resolve-reason", label: "Reason", required: true, maxlength: 500 },
  ],
  submit: { id: "resolve-submit", label: "Resolve" },
  onSubmit: async fields => {
    const runId = fields.run.value;
    const result = await api("POST", "/api/admin/reconciliation/runs/" + encodeURIComponent(runId) + "/findings/"
      + encodeURIComponent(fields.finding.value) + "/resolve", { action: fields.action.value, reason: fields.reason.value });
    if (!result.ok) { failure(result); return; }
    say("Finding " + result.body.id + " is " + result.body.status + " (" + result.body.resolutionAction + ").");
    operationsPages.reconciliation.open(runId);
  },
});
