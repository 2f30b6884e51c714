// The monitoring page: reads the JSON endpoints, follows /api/stream (server-sent events) and redraws
// without a reload. Everything shown is text from the API; nothing is sent to the chain.
"use strict";

const state = { selected: 0, version: -1, lastAlert: 0, charts: {}, alerts: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function cells(row, values) {
  for (const [value, cls] of values) row.append(el("td", { class: cls || "", text: value ?? "—" }));
  return row;
}

function fill(selector, rows, empty) {
  const body = document.querySelector(selector + " tbody");
  body.replaceChildren(...(rows.length ? rows : [cells(el("tr"), [[empty, "muted"]])]));
}

async function getJSON(path) {
  const response = await fetch(path);
  const body = await response.json().catch(() => ({ error: `bad answer from ${path}` }));
  if (!response.ok) throw new Error(body.error || `${response.status} from ${path}`);
  return body;
}

function showStatus(status) {
  state.status = status;
  document.getElementById("target").textContent =
    `${status.kind} ${status.target} · chain ${status.chain_id} · block ${status.cursor}`;
  const pill = document.getElementById("node-status");
  pill.textContent = status.node.ok ? `following · block ${status.cursor}` : "node unreachable";
  pill.classList.toggle("down", !status.node.ok);
  const banner = document.getElementById("banner");
  const down = status.node.ok ? "" :
    `${status.node.message}. Figures are as of block ${status.cursor}; the page recovers by itself when the node is back.`;
  banner.hidden = status.node.ok && !status.notice;
  banner.textContent = [down, status.notice || ""].filter(Boolean).join(" ");
}

async function refreshPlatforms() {
  const platforms = await getJSON("/api/platforms");
  const rows = platforms.map((p) => {
    const row = cells(el("tr", { "data-platform": p.id }), [
      [p.id], [p.name], [p.standing, p.standing === "suspended" ? "suspended" : ""],
      [p.status, p.status === "running" ? "" : "paused"], [p.token, p.token === "ok" ? "" : "paused"],
      [p.total_assets, "num"], [p.total_points, "num"],
      [p.value_per_point, "num"], [`${p.exit_budget_used_percent}%`, "num"], [p.carbon_kg, "num"],
      [p.consumers, "num"], [p.alerts_failed_checks, "num"],
    ]);
    if (p.id === state.selected) row.classList.add("selected");
    row.addEventListener("click", () => { state.selected = p.id; refreshAll(); });
    return row;
  });
  fill("#platforms", rows, "no platform yet");
  return platforms;
}

function drawChart(id, label, points, key) {
  const when = (t) => new Date(t * 1000).toISOString().slice(5, 16).replace("T", " ");
  const data = { labels: points.map((p) => when(p.time)), datasets: [{ label, data: points.map((p) => p[key]),
    borderColor: "#2f7a4a", backgroundColor: "rgba(47,122,74,.12)", fill: true,
    pointRadius: points.length < 30 ? 3 : 0, tension: 0 }] };
  if (state.charts[id]) {
    state.charts[id].data = data;
    state.charts[id].update("none");
    return;
  }
  state.charts[id] = new Chart(document.getElementById(id), {
    type: "line", data,
    options: { animation: false, responsive: true, plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: "block time (UTC)" }, ticks: { maxTicksLimit: 8 } } } },
  });
}

function utcText(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ") + " UTC";
}

function printHeading(p) {
  // What a printout says it is: one platform's report as of the last block folded.
  const s = state.status;
  const asOf = s ? `as of block ${s.cursor}${s.head_time ? `, ${utcText(s.head_time)}` : ""}` : "";
  document.getElementById("print-heading").textContent =
    `Report of platform ${p.id} (${p.name}), pool ${p.pool}, ${asOf}; printed ${utcText(Date.now() / 1000)}.`;
}

async function refreshDetail() {
  const id = state.selected;
  const [p, history] = await Promise.all([getJSON(`/api/platforms/${id}`), getJSON(`/api/platforms/${id}/history`)]);
  document.getElementById("detail-name").textContent = `${p.id}: ${p.name}`;
  printHeading(p);
  drawChart("chart-value", "value per point", history.points, "value_per_point");
  drawChart("chart-assets", "assets", history.points, "total_assets");
  fill("#rules", Object.entries(p.rules).map(([k, v]) => cells(el("tr"), [[k], [v, "num"]])), "no rules read yet");
  fill("#governance", p.governance.map((g) => cells(el("tr"), [[g.call], [g.state],
    [new Date(g.ready_at * 1000).toISOString().replace(".000", "")]])), "no operation scheduled");
  fill("#carbon", p.carbon.by_class.map((c) => cells(el("tr"), [[c.class_id], [c.label], [c.kind],
    [(c.co2e_g / 1000).toFixed(3), "num"]])), "no carbon booked yet");
  const member = (key, count) => (m) => cells(el("tr"), [[m[key], "addr"], [m.status], [m[count], "num"],
    [m.contributions, "num"], [m.daily_cap, "num"], [`${m.cap_used} (${m.cap_used_percent}%)`, "num"]]);
  fill("#merchants", p.merchants.map(member("merchant", "purchases")), "no merchant");
  fill("#sponsors", p.sponsors.map(member("sponsor", "actions")), "no sponsor");
}

function addAlerts(alerts) {
  const list = document.getElementById("alerts");
  for (const a of alerts) {
    if (a.id <= state.lastAlert) continue;
    state.lastAlert = a.id;
    state.alerts += 1;
    const when = new Date(a.time * 1000).toISOString().slice(0, 19).replace("T", " ");
    list.prepend(el("li", { class: a.severity, "data-kind": a.kind },
      el("span", { class: "sev", text: a.severity }), el("span", { text: `${a.kind}: ${a.message}` }),
      el("div", { class: "muted", text: `block ${a.block} · ${when} UTC` })));
  }
  document.getElementById("alert-count").textContent = `(${state.alerts})`;
}

let refreshing = null;
async function refreshAll() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const platforms = await refreshPlatforms();
      if (platforms.length && !platforms.some((p) => p.id === state.selected)) state.selected = platforms[0].id;
      if (platforms.length) await refreshDetail();
    } catch (err) {
      const banner = document.getElementById("banner");
      banner.hidden = false;
      banner.textContent = `Could not read the dashboard: ${err.message}`;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function describeLookup(result) {
  const box = el("div");
  for (const entry of result) {
    if (entry.fates) {
      box.append(el("h3", { text: `platform ${entry.platform}: order ${entry.order_id}` }),
        el("p", { text: `merchant ${entry.merchant} · consumer ${entry.consumer} · block ${entry.block} · ` +
          `${entry.points} points · ${entry.co2e_g} g CO2e` }));
      const table = el("table", { class: "fates" }, el("thead", {}, cells(el("tr"), [["fate"], ["points"], ["holder"], ["to"], ["block"]])));
      const body = el("tbody");
      for (const f of entry.fates) body.append(cells(el("tr"), [[f.fate], [f.points, "num"], [f.holder, "addr"], [f.counterparty, "addr"], [f.block]]));
      table.append(body);
      box.append(el("div", { class: "table-wrap" }, table));
    } else {
      box.append(el("h3", { text: `platform ${entry.platform}: account ${entry.account}` }),
        el("p", { text: `holds ${entry.balance} points · ${entry.purchases.length} purchases · ${entry.outflows.length} outflows` }));
      const body = el("tbody");
      for (const o of entry.outflows) body.append(cells(el("tr"), [[o.kind], [String(o.points), "num"], [o.to, "addr"], [o.block]]));
      box.append(el("div", { class: "table-wrap" },
        el("table", {}, el("thead", {}, cells(el("tr"), [["outflow"], ["points (1e-18)"], ["to"], ["block"]])), body)));
    }
  }
  return box;
}

async function lookup(event) {
  event.preventDefault();
  const query = document.getElementById("lookup-input").value.trim();
  const out = document.getElementById("lookup-result");
  if (!query) { out.replaceChildren(el("p", { class: "error", text: "Enter an order id or an account address." })); return; }
  const path = /^0x[0-9a-fA-F]{40}$/.test(query) ? `/api/accounts/${query}` : `/api/orders/${encodeURIComponent(query)}`;
  try {
    out.replaceChildren(describeLookup(await getJSON(path)));
  } catch (err) {
    out.replaceChildren(el("p", { class: "error", text: err.message }));
  }
}

function follow() {
  const source = new EventSource(`/api/stream?after=${state.lastAlert}`);
  source.addEventListener("update", (message) => {
    const update = JSON.parse(message.data);
    showStatus(update.status);
    addAlerts(update.alerts);
    if (update.status.version !== state.version) {
      state.version = update.status.version;
      refreshAll();
    }
  });
  source.onerror = () => {
    const pill = document.getElementById("node-status");
    pill.textContent = "dashboard unreachable; reconnecting…";
    pill.classList.add("down");
  };
}

async function main() {
  // Charts follow their box; a printout gets them at the paper's width.
  window.addEventListener("beforeprint", () => Object.values(state.charts).forEach((c) => c.resize()));
  document.getElementById("lookup-form").addEventListener("submit", lookup);
  try {
    showStatus(await getJSON("/api/status"));
    addAlerts(await getJSON("/api/alerts?limit=200"));
  } catch (err) {
    document.getElementById("banner").hidden = false;
    document.getElementById("banner").textContent = `Could not read the dashboard: ${err.message}`;
  }
  await refreshAll();
  follow();
}

main();
