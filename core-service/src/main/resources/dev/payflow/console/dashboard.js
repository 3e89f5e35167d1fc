// The console's dashboard: GET /api/admin/system/stats drawn with Chart.js (served from its webjar under
// /admin/vendor, never a CDN). Every chart has its data in a table right below it, for screen readers and print.
"use strict";

// Dark colours with at least 4.5:1 contrast on white, told apart by dash pattern too (not by colour alone).
const PALETTE = ["#0b4f9c", "#b35900", "#2e6b30", "#6a1b9a", "#a00000", "#444444"];
const DASHES = [[], [6, 3], [2, 2], [10, 4, 2, 4], [1, 3], [8, 8]];
const charts = {};

function dashboardRows(tableId, rows) {
  const body = document.getElementById(tableId).querySelector("tbody");
  body.replaceChildren();
  for (const values of rows) {
    const row = document.createElement("tr");
    for (const value of values) {
      const td = document.createElement("td");
      td.textContent = String(value);
      row.appendChild(td);
    }
    body.appendChild(row);
  }
}

function mode(livemode) { return livemode ? "live" : "sandbox"; }

/** The 14 UTC days up to the stats' own time, oldest first, so days without money still show as zero. */
function lastDays(generatedAt, count) {
  const end = new Date(generatedAt);
  const days = [];
  for (let i = count - 1; i >= 0; i--) {
    const day = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() - i));
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}

function draw(name, canvasId, config) {
  if (charts[name]) charts[name].destroy();
  if (typeof Chart === "undefined") return; // The tables still carry everything.
  Chart.defaults.color = "#222"; // Axis and legend text well above 4.5:1 on white.
  config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { labels: { color: "#111" } } } }, config.options || {});
  charts[name] = new Chart(document.getElementById(canvasId), config);
  document.getElementById(canvasId).dataset.rendered = "true";
}

function drawVolume(stats) {
  const days = lastDays(stats.generatedAt, 14);
  const series = new Map();
  for (const d of stats.dailyVolume) {
    const label = d.currency + " (" + mode(d.livemode) + ")";
    if (!series.has(label)) series.set(label, new Map());
    series.get(label).set(d.date, Number(d.amount));
  }
  const datasets = [...series.entries()].map(([label, byDay], i) => ({
    label, data: days.map(day => byDay.get(day) || 0), borderColor: PALETTE[i % PALETTE.length],
    backgroundColor: PALETTE[i % PALETTE.length], borderDash: DASHES[i % DASHES.length], tension: 0 }));
  draw("volume", "chart-volume", { type: "line", data: { labels: days, datasets },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: "amount (each currency in its own unit)" } } } } });
  dashboardRows("volume-table", stats.dailyVolume.map(d => [d.date, d.currency, mode(d.livemode), d.amount, d.transactionCount]));
}

function drawStatuses(stats) {
  const statuses = ["pending", "completed", "failed", "cancelled"];
  const datasets = [false, true].map((livemode, i) => ({
    label: mode(livemode), backgroundColor: PALETTE[i], borderColor: PALETTE[i],
    data: statuses.map(status => stats.transactionsLast24h.filter(c => c.livemode === livemode && c.status === status)
      .reduce((sum, c) => sum + Number(c.count), 0)) }));
  draw("status", "chart-status", { type: "bar", data: { labels: statuses, datasets },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "transactions" } } } } });
  dashboardRows("transactions-table", stats.transactionsLast24h.map(c => [mode(c.livemode), c.type, c.status, c.count]));
}

function drawHealth(stats) {
  const backlog = stats.webhookBacklog;
  const details = document.getElementById("health-details");
  details.replaceChildren();
  const circuitsOpen = stats.gatewayCircuits.filter(c => c.state !== "closed").length;
  for (const [label, value, id] of [
      ["Webhook events pending", backlog.pendingEvents, "health-pending"],
      ["Oldest pending event", backlog.pendingEvents > 0 ? backlog.oldestPendingAgeSeconds + " s old (" + backlog.oldestPendingCreatedAt + ")" : "none", "health-oldest"],
      ["Gateway circuits", stats.gatewayCircuits.length === 0 ? "no real gateway configured"
        : circuitsOpen === 0 ? "all closed (calls flow)" : circuitsOpen + " not closed", "health-circuits"]]) {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = String(value); dd.id = id;
    details.append(dt, dd);
  }
  dashboardRows("circuits-table", stats.gatewayCircuits.map(c => [c.name, c.state]));
}

function drawCounts(stats) {
  const rows = Object.entries(stats.partnersByStatus).map(([status, count]) => ["partners", "both", status, count]);
  for (const [what, counts] of [["wallets", stats.walletsByStatus], ["payments", stats.paymentsByStatus], ["payouts", stats.payoutsByStatus]]) {
    for (const c of counts) rows.push([what, mode(c.livemode), c.status, c.count]);
  }
  dashboardRows("counts-table", rows);
}

function drawReconciliations(stats) {
  dashboardRows("reconciliations-table", (stats.lastReconciliations || []).map(r => [mode(r.livemode), r.runId, r.status,
    r.windowFrom + " to " + r.windowTo, r.finishedAt, r.findingCount]));
  if ((stats.lastReconciliations || []).length === 0) dashboardRows("reconciliations-table", [["both", "no run has finished yet", "", "", "", ""]]);
}

async function loadDashboard() {
  const result = await api("GET", "/api/admin/system/stats");
  if (!result.ok) { failure(result); return; }
  const stats = result.body;
  document.getElementById("dashboard-generated").textContent = "As of " + stats.generatedAt + ".";
  drawVolume(stats);
  drawStatuses(stats);
  drawHealth(stats);
  drawReconciliations(stats);
  drawCounts(stats);
}

document.getElementById("dashboard-refresh").addEventListener("click", loadDashboard);
