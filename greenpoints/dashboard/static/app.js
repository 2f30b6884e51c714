// The monitoring page: reads the JSON endpoints, follows /api/stream (server-sent events) and redraws
// without a reload. Everything shown is text from the API; nothing is sent to the chain.
"use strict";

const state = { selected: 0, merchant: null, chosen: false, version: -1, lastAlert: 0, charts: {}, alerts: 0, days: 0, history: [] };
const DAY = 86400;

function platformInURL() {
  // A platform's page is addressable: #/platform/1 or ?platform=1; a merchant's: #/platform/1/merchant/0x...
  const match = /^#\/platform\/(\d+)(?:\/merchant\/(0x[0-9a-fA-F]{40}))?$/.exec(location.hash) ||
    /[?&]platform=(\d+)(&|$)/.exec(location.search);
  if (!match) return null;
  return { platform: +match[1], merchant: match[2] && match[2].startsWith("0x") ? match[2].toLowerCase() : null };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function cells(row, values) {
  // [text, class, hover text]: the hover text is the raw integer behind an amount, or a meaning.
  for (const [value, cls, title] of values) {
    const cell = el("td", { class: cls || "", text: value ?? "—" });
    if (title) cell.title = title;
    row.append(cell);
  }
  return row;
}

function raw(value, unit) {
  return value == null ? "" : `exact: ${value} (${unit})`;
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
      [p.total_assets, "num", raw(p.total_assets_raw, `1e-${p.asset_decimals} ${p.asset_symbol}`)],
      [p.total_points, "num", raw(p.total_points_raw, `1e-18 ${p.points_symbol}`)],
      [p.value_per_point ?? "no points yet", "num", raw(p.value_per_point_raw, `1e-${p.asset_decimals} ${p.asset_symbol}`)],
      [`${p.exit_budget_used_percent}%`, "num"], [p.carbon_kg, "num", raw(p.carbon_g, "g")],
      [p.consumers, "num"], [p.alerts_failed_checks, "num"],
    ]);
    if (p.id === state.selected) row.classList.add("selected");
    row.addEventListener("click", () => { location.hash = `#/platform/${p.id}`; });
    return row;
  });
  state.platforms = platforms;
  const select = document.getElementById("alert-platform");
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "", text: "all" }),
    ...platforms.map((p) => el("option", { value: String(p.id), text: `${p.id}: ${p.name}` })));
  select.value = chosen;
  fill("#platforms", rows, "no platform yet");
  return platforms;
}

function drawChart(id, label, points, key) {
  // No point yet: say so instead of an empty frame.
  const canvas = document.getElementById(id);
  canvas.hidden = points.length === 0;
  canvas.parentElement.querySelector(".empty").hidden = points.length > 0;
  const when = (t) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");
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

function drawCharts() {
  // The range counts back from the last point (the chain's time, not this computer's).
  const points = state.history;
  const last = points.length ? points[points.length - 1].time : 0;
  const shown = state.days ? points.filter((p) => p.time >= last - state.days * DAY) : points;
  drawChart("chart-value", "value per point", shown, "value_per_point");
  drawChart("chart-assets", "assets", shown, "total_assets");
}

async function refreshDetail() {
  const id = state.selected;
  const [p, history] = await Promise.all([getJSON(`/api/platforms/${id}`), getJSON(`/api/platforms/${id}/history`)]);
  document.getElementById("detail-name").textContent = `${p.id}: ${p.name}`;
  printHeading(p);
  state.history = history.points;
  drawCharts();
  document.getElementById("link-platform").href = `#/platform/${id}`;
  for (const kind of ["merchants", "sponsors", "history", "people", "exit-queue"]) {
    document.getElementById(`csv-${kind}`).href = `/api/platforms/${id}/${kind}.csv`;
  }
  for (const unit of document.querySelectorAll("#detail .unit")) unit.textContent = `(${p.asset_symbol})`;
  fill("#rules", p.rules_shown.map((r) => cells(el("tr"), [[r.name, "", r.meaning], [r.value, "num"]])), "no rules read yet");
  fill("#governance", p.governance.map((g) => cells(el("tr"), [[g.call], [g.state],
    [new Date(g.ready_at * 1000).toISOString().replace(".000", "")]])), "no operation scheduled");
  fill("#carbon", p.carbon.by_class.map((c) => cells(el("tr"), [[c.class_id], [c.label], [c.kind],
    [c.co2e_kg, "num", raw(c.co2e_g, "g")]])), "no carbon booked yet");
  const money = (m, key) => [m[key], "num", raw(m[`${key}_raw`], `1e-${p.asset_decimals} ${p.asset_symbol}`)];
  fill("#merchants", p.merchants.map((m) => {
    const row = cells(el("tr", { "data-merchant": m.merchant, class: "clickable", title: "click: this merchant's view" }),
      [[m.merchant, "addr"], [m.status], [m.purchases, "num"], money(m, "sales"), money(m, "contributions"),
        money(m, "daily_cap"), [`${m.cap_used} (${m.cap_used_percent}%)`, "num"]]);
    if (m.merchant === state.merchant) row.classList.add("selected");
    row.addEventListener("click", () => { location.hash = `#/platform/${id}/merchant/${m.merchant}`; });
    return row;
  }), "no merchant");
  await refreshMerchant();
  fill("#sponsors", p.sponsors.map((m) => cells(el("tr"), [[m.sponsor, "addr"], [m.status], [m.actions, "num"],
    [m.co2e_kg, "num"], money(m, "contributions"), money(m, "daily_cap"),
    [`${m.cap_used} (${m.cap_used_percent}%)`, "num"]])), "no sponsor");
  const standing = (status) => (["valid", "expiring"].includes(status) ? (status === "expiring" ? "expiring" : "") : "unqualified");
  fill("#people", (p.people || []).map((r) => cells(el("tr", { "data-holder": r.holder, "data-role": r.role }),
    [[r.holder, "addr"], [r.role], [r.trainer_name || r.trainer || "none", "", r.trainer],
      [r.valid_until ? utcText(r.valid_until) : "—", "", r.certificate_hash ? `certificate ${r.certificate_hash}` : ""],
      [r.status, standing(r.status)]])), "no role holder (a deployment outside an association)");
  showExitQueue(p.exit_queue, p.points_symbol);
}

function duration(seconds) {
  // A wait as days and hours (minutes under an hour).
  if (seconds == null) return "—";
  const d = Math.floor(seconds / DAY), h = Math.floor((seconds % DAY) / 3600), m = Math.floor((seconds % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
}

function epochsText(epochs) {
  // The model's estimate (greenpoints.queue_status): whole epochs at the current budget.
  if (epochs == null) return "never at a zero budget";
  return epochs === 0 ? "0" : `about ${epochs}`;
}

function showExitQueue(q, pointsSymbol) {
  // The platform's exit queue (SPEC 11): the line's figures, then its waiting requests in order.
  const points = (row, key) => [row[key], "num", raw(row[`${key}_raw`], `1e-18 ${pointsSymbol}`)];
  const put = (name, text, title) => {
    const dd = document.querySelector(`#exit-queue-figures [data-queue="${name}"]`);
    dd.textContent = text;
    dd.title = title || "";
  };
  put("waiting", String(q.waiting));
  put("points", q.queued_points, `exact: ${q.queued_points_raw} (1e-18 ${pointsSymbol}); they would pay ${q.payout} now`);
  put("oldest", q.oldest_age == null ? "none waits" : duration(q.oldest_age),
    q.oldest_requested_at ? `requested ${utcText(q.oldest_requested_at)}` : "");
  put("epochs", q.waiting ? epochsText(q.epochs_to_clear) : "0 (nothing waits)",
    `at ${q.budget_per_epoch} an epoch (the epoch exit limit now)`);
  fill("#exit-queue", q.requests.map((r) => cells(el("tr", { "data-request": r.id }), [[r.id, "num"], [r.owner, "addr"],
    points(r, "unfilled"), points(r, "points_ahead"), [duration(r.age), "", `requested ${utcText(r.requested_at)}`],
    [epochsText(r.epochs_to_fill), "num"]])), "no request waits");
}

async function refreshTrainers() {
  const trainers = await getJSON("/api/trainers");
  fill("#trainers", trainers.map((t) => cells(el("tr"), [[t.trainer, "addr"], [t.name],
    [t.status, t.status === "revoked" ? "paused" : ""], [t.qualifications, "num"], [t.reason || "—"]])), "no trainer accredited");
}

async function refreshMerchant() {
  // One merchant's books and its months, under the merchants table; hidden when none is chosen.
  const view = document.getElementById("merchant-view");
  const id = state.selected, address = state.merchant;
  view.hidden = !address;
  if (!address) return;
  document.getElementById("merchant-name").textContent = address;
  document.getElementById("close-merchant").href = `#/platform/${id}`;
  const csv = document.getElementById("csv-merchant");
  csv.href = `/api/platforms/${id}/merchants/${address}.csv`;
  const error = document.getElementById("merchant-error");
  let m;
  try {
    m = await getJSON(`/api/platforms/${id}/merchants/${address}`);
  } catch (err) {
    error.hidden = false;
    error.textContent = err.message;
    fill("#merchant-books", [], "—");
    fill("#merchant-months", [], "—");
    return;
  }
  error.hidden = true;
  const unit = `1e-${m.asset_decimals} ${m.asset_symbol}`;
  const money = (row, key) => [row[key], "num", raw(row[`${key}_raw`], unit)];
  const figure = (name, title, value) => cells(el("tr", { "data-figure": name }), [[name, "", title], value]);
  fill("#merchant-books", [
    figure("status", "active, suspended or revoked", [m.status, "num"]),
    figure("purchases", "purchases recorded, reversed ones included", [m.purchases, "num"]),
    figure("sales", "sales the purchases were recorded for", money(m, "sales")),
    figure("contributions", "what it paid into the pool for them", money(m, "contributions")),
    figure("points issued", "points issued to its customers", [m.points_issued, "num", raw(m.points_issued_raw, `1e-18 ${m.points_symbol}`)]),
    figure("points received", "points its customers spent with it", [m.receipts_points, "num", raw(m.receipts_points_raw, `1e-18 ${m.points_symbol}`)]),
    figure("settled", "points it settled, and the assets paid for them", [`${m.settled_points} → ${m.settled}`, "num", raw(m.settled_raw, unit)]),
    figure("refunds", "refunds of reversed purchases", money(m, "refunds")),
    figure("carbon (kg CO2e)", "carbon of its purchases minus reversals", [m.co2e_kg, "num", raw(m.co2e_g, "g")]),
    figure("daily cap", "the most it may contribute in one epoch", money(m, "daily_cap")),
    figure("cap used today", "contributions in the current epoch, and their share of the cap", [`${m.cap_used} (${m.cap_used_percent}%)`, "num"]),
  ], "—");
  fill("#merchant-months", m.by_month.map((row) => cells(el("tr", { "data-month": row.month }), [[row.month],
    [row.purchases, "num"], money(row, "sales"), money(row, "contributions"),
    [`${row.refunds} (${row.reversals} reversed)`, "num", raw(row.refunds_raw, unit)],
    [row.co2e_kg, "num", raw(row.co2e_g, "g")]])), "no purchase yet");
}

async function refreshOverview() {
  // Totals across every platform, above the platforms table.
  const o = await getJSON("/api/overview");
  const counts = (byName) => Object.entries(byName).filter(([, n]) => n).map(([name, n]) => `${n} ${name}`).join(", ");
  const put = (name, text) => { document.querySelector(`#totals [data-total="${name}"]`).textContent = text; };
  put("platforms", `${o.platforms}${o.platforms ? ` (${counts(o.standing)}; ${counts(o.status)})` : ""}`);
  put("assets", o.assets.map((a) => a.total_assets).join(" · ") || "none");
  put("points", o.points.map((p) => p.total_points).join(" · ") || "none");
  put("carbon", o.carbon_kg);
  put("purchases", String(o.purchases));
  put("alerts", Object.entries(o.alerts).map(([severity, n]) => `${n} ${severity}`).join(", "));
  document.getElementById("totals-as-of").textContent = `as of block ${o.as_of_block}`;
}

function addAlerts(alerts) {
  const list = document.getElementById("alerts");
  for (const a of alerts) {
    if (a.id <= state.lastAlert) continue;
    state.lastAlert = a.id;
    state.alerts += 1;
    const platform = alertPlatform(a);
    const where = el("div", { class: "muted", text: `block ${a.block} · ${utcText(a.time)}` });
    if (platform !== "") {
      where.append(" · ", el("a", { href: `#/platform/${platform}`, class: "platform-link", text: `platform ${platform}` }));
    }
    if (a.tx) {
      const explorer = state.status && state.status.explorer;
      where.append(" · tx ", explorer ? el("a", { href: explorer + a.tx, class: "tx-link", target: "_blank", rel: "noopener", text: a.tx })
        : el("span", { class: "tx", title: "no --explorer given to the page", text: a.tx }));
    }
    list.prepend(el("li", { class: a.severity, "data-kind": a.kind, "data-severity": a.severity, "data-platform": platform },
      el("span", { class: "sev", text: a.severity }), el("span", { text: `${a.kind}: ${a.message}` }), where));
  }
  filterAlerts();
}

function alertPlatform(a) {
  // The platform an alert is about: the association's own alerts name it in their details.
  const named = a.details && a.details.platform;
  if (Number.isInteger(named)) return String(named);
  return Number.isInteger(a.platform) && a.platform >= 0 ? String(a.platform) : "";
}

function filterAlerts() {
  const platform = document.getElementById("alert-platform").value;
  const severity = document.getElementById("alert-severity").value;
  let shown = 0;
  for (const li of document.querySelectorAll("#alerts li")) {
    li.hidden = (platform !== "" && li.dataset.platform !== platform) || (severity !== "" && li.dataset.severity !== severity);
    if (!li.hidden) shown += 1;
  }
  const query = new URLSearchParams();
  if (platform !== "") query.set("platform", platform);
  if (severity !== "") query.set("severity", severity);
  document.getElementById("csv-alerts").href = "/api/alerts.csv" + (query.toString() ? `?${query}` : "");
  document.getElementById("alert-count").textContent = shown === state.alerts ? `(${state.alerts})` : `(${shown} of ${state.alerts})`;
}

function choosePlatformFromURL() {
  const wanted = platformInURL();
  if (wanted === null) return false;
  state.selected = wanted.platform;
  state.merchant = wanted.merchant;
  state.chosen = true;
  return true;
}

let refreshing = null, refreshAgain = false;
async function refreshAll() {
  // One refresh at a time; a call that arrives during one (a click on another platform, a new block)
  // runs once more after it, so the page never stays on what was asked before the click.
  if (refreshing) { refreshAgain = true; return refreshing; }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      await refreshOnce();
    } while (refreshAgain);
    refreshing = null;
  })();
  return refreshing;
}

async function refreshOnce() {
  try {
    const [platforms] = await Promise.all([refreshPlatforms(), refreshOverview(), refreshTrainers()]);
    if (platforms.length && (!state.chosen || !platforms.some((p) => p.id === state.selected))) {
      // Until the regulator picks one: the first platform with points out, not an empty platform 0.
      state.selected = (platforms.find((p) => p.total_points_raw !== "0") || platforms[0]).id;
      for (const row of document.querySelectorAll("#platforms tbody tr[data-platform]")) {
        row.classList.toggle("selected", +row.dataset.platform === state.selected);
      }
    }
    if (platforms.length) await refreshDetail();
  } catch (err) {
    const banner = document.getElementById("banner");
    banner.hidden = false;
    banner.textContent = `Could not read the dashboard: ${err.message}`;
  }
}

function table(headers, rows) {
  const head = el("tr");
  for (const [text, title] of headers) head.append(el("th", title ? { text, title } : { text }));
  return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows)));
}

function issuance(o) {
  // A purchase (the sale's amount) or a sponsored green action (its quantity), as one line.
  const what = o.kind === "action" ? `action sponsored by ${o.sponsor} · quantity ${o.quantity}`
    : `purchase at ${o.merchant} · sale ${o.amount}`;
  return `${what} · class ${o.class_id}${o.class_label ? ` (${o.class_label})` : ""} · ${o.co2e_kg} kg CO2e · ` +
    `${o.points} issued${o.reversed ? " · reversed" : ""}`;
}

function describeLookup(result) {
  const box = el("div");
  const pointsHead = ["points", "exact, in the points' unit (hover a figure for the integer in 1e-18 points)"];
  for (const entry of result) {
    if (entry.fates) {
      box.append(el("h3", { text: `platform ${entry.platform}: order ${entry.order_id}` }),
        el("p", { text: `${issuance(entry)} · consumer ${entry.consumer} · block ${entry.block}` }));
      const rows = entry.fates.map((f) => cells(el("tr"), [[f.fate], [f.points, "num", raw(f.points_raw, "1e-18 points")],
        [f.holder, "addr"], [f.counterparty, "addr"], [f.block]]));
      const wrap = table([["fate", "what became of these points"], pointsHead, ["holder", "who held them"],
        ["to", "merchant, charity or order they went to"], ["block"]], rows);
      wrap.querySelector("table").classList.add("fates");
      box.append(wrap);
    } else {
      box.append(el("h3", { text: `platform ${entry.platform}: account ${entry.account}` }),
        el("p", { text: `holds ${entry.balance} · ${entry.purchases.length} purchases · ` +
          `${entry.actions.length} sponsored actions · ${entry.outflows.length} outflows · ` +
          `${(entry.exit_requests || []).length} exit requests` }));
      const bought = [...entry.purchases, ...entry.actions].map((o) => cells(el("tr"), [[o.kind], [o.order_id, "addr"],
        [o.kind === "action" ? `quantity ${o.quantity}` : o.amount, "num"], [o.co2e_kg, "num"],
        [o.points, "num", raw(o.points_raw, "1e-18 points")], [o.block]]));
      if (bought.length) {
        box.append(table([["kind", "purchase, or green action sponsored"], ["order id"],
          ["sale", "the sale's amount (a purchase) or the action's quantity"], ["kg CO2e"], pointsHead, ["block"]], bought));
      }
      const out = entry.outflows.map((o) => cells(el("tr"), [[o.kind], [o.points, "num", raw(o.points_raw, "1e-18 points")],
        [o.to, "addr"], [o.block]]));
      box.append(table([["outflow", "spent, donated, settled, queued to exit, exited or reversed"], pointsHead, ["to"], ["block"]], out));
      const requests = (entry.exit_requests || []).map((r) => cells(el("tr", { "data-request": r.id }), [[r.id, "num"], [r.state],
        [r.points, "num", raw(r.points_raw, "1e-18 points")], [r.filled, "num", raw(r.filled_raw, "1e-18 points")],
        [r.claimable, "num", raw(r.claimable_raw, "asset units")], [r.claimed, "num", raw(r.claimed_raw, "asset units")],
        [r.points_ahead ?? "—", "num"], [r.unfilled_raw !== "0" ? epochsText(r.epochs_to_fill) : "—", "num"]]));
      if (requests.length) {
        const wrap = table([["exit request", "its id in the platform's exit queue (SPEC 11)"],
          ["state", "waiting, filled (to claim), claimed or cancelled"], pointsHead, ["filled", "points filled so far"],
          ["to claim", "what its fills paid, waiting for the owner's claim_exit"], ["claimed"],
          ["points ahead", "unfilled points of earlier requests: its place in line"],
          ["epochs to fill", "estimated epochs until it is filled at the current budget"]], requests);
        wrap.querySelector("table").classList.add("exit-requests");
        box.append(wrap);
      }
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
  choosePlatformFromURL();
  window.addEventListener("hashchange", () => { if (choosePlatformFromURL()) refreshAll(); });
  for (const button of document.querySelectorAll("#range button")) {
    button.addEventListener("click", () => {
      state.days = +button.dataset.days;
      for (const b of document.querySelectorAll("#range button")) b.setAttribute("aria-pressed", String(b === button));
      drawCharts();
    });
  }
  for (const id of ["alert-platform", "alert-severity"]) document.getElementById(id).addEventListener("change", filterAlerts);
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
