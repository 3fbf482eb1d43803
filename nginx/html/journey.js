// The journey page: asks GET /api/journey and draws what each hop saw of that very request, left to right,
// in English or Korean. Values from the server are only ever set with textContent (never innerHTML), and
// every card carries data-hop / data-field attributes so the end-to-end test can find what it checks.
"use strict";

// The words live in journey-text.js (TEXT), loaded before this file.

/**
 * The hops in path order. A fact is [label, path, format(value, answer)?]: the path into /api/journey's answer is also the
 * element's data-field; paths under "browser." are what the browser measured itself. A time is [label, path, kind].
 */
const HOPS = [
  { id: "browser", zone: "encrypted",
    facts: [["client", "client", address], ["connRequests", "edge.clientConnectionRequests"], ["alpn", "browser.protocol"]],
    time: ["timeConnect", "browser.connectMs", "browser"],
    caption: (v) => [v.viaEdge ? "captionBrowser" : "captionBrowserDirect",
      { port: location.port || "443", client: address(v.client) }] },
  { id: "tls", zone: "encrypted",
    facts: [["protocol", "edge.tlsProtocol"], ["cipher", "edge.tlsCipher"], ["sni", "edge.sni"]],
    time: ["timeHandshake", "browser.tlsMs", "browser"],
    caption: (v) => (v.edge ? ["captionTls", { tls: v.edge.tlsProtocol, alpn: v.browser.protocol }] : ["captionTlsSkipped"]) },
  { id: "nginx", zone: "encrypted",
    facts: [["httpVersion", "edge.httpVersion"], ["listenPort", "edge.listenPort"], ["requestId", "requestId"],
      ["receivedAt", "edge.receivedAt", (at) => at.slice(11, 23)]],
    time: ["timeEdge", "timings.edgeMicros", "edge"],
    caption: (v) => [v.edge ? "captionNginx" : "captionNginxSkipped"] },
  { id: "proxy", zone: "plain",
    facts: [["httpVersion", "proxyHop.httpVersion"], ["from", "proxyHop.peerAddress"],
      ["to", "proxyHop.appAddress"], ["connRequests", "proxyHop.requestsOnConnection"], ["reused", "proxyHop.reused"]],
    time: ["timeProxy", "timings.proxyHopMicros", "edge"],
    caption: (v) => [!v.viaEdge ? "captionProxyDirect" : v.proxyHop.reused ? "captionProxyReused" : "captionProxyNew",
      { n: v.proxyHop.requestsOnConnection }] },
  { id: "javalin", zone: "plain",
    facts: [["server", "app.server"], ["framework", "app.framework"], ["java", "app.java"], ["handler", "app.handler"],
      ["thread", "app.thread"], ["instance", "app.instance"]],
    time: ["timeApp", "timings.appMicros", "micros"],
    caption: (v) => ["captionJavalin", { handler: v.app.handler }] },
  { id: "identity", zone: "plain", // who you are: the session check, done only when a credential came
    facts: [["credential", "identity.credential"], ["checkedBy", "identity.checkedBy"], ["result", "identity.result"]],
    time: ["timeLookup", "identity.lookupMicros", "micros"],
    caption: (v) => [!v.identity || v.identity.credential === "none" ? "captionIdentityNone" : "captionIdentity"] },
  { id: "jdbi", zone: "plain",
    facts: [["query", "database.query"], ["rows", "database.rows"]],
    time: ["timeJdbi"], // Jdbi's work is part of the app's time and the query's; it has no clock of its own here
    caption: (v) => ["captionJdbi", { rows: v.database.rows }] },
  { id: "sqlite", zone: "plain", title: (v) => v.database.engine, // SQLite, or PostgreSQL when DATABASE_URL is set
    facts: [["version", "database.version", (version, v) => `${v.database.engine} ${version}`],
      ["journalMode", "database.journalMode"], ["synchronous", "database.synchronous"]],
    time: ["timeQuery", "database.queryMicros", "micros"],
    caption: (v) => [v.database.engine === "PostgreSQL" ? "captionPostgres" : "captionSqlite"] },
  { id: "back", zone: "encrypted",
    facts: [["status", "browser.status"], ["idHeader", "browser.requestIdHeader"], ["sameId", "browser.sameId"],
      ["bytes", "browser.bytes"]],
    time: ["timeTotal", "browser.totalMs", "browser"],
    caption: (v) => [v.viaEdge ? "captionBack" : "captionBackDirect", { proto: protocolName(v.browser.protocol, v) }] },
];

/** Counters that grow when "Send another request" reuses the same connections: highlighted when they do. */
const COUNTERS = ["edge.clientConnectionRequests", "proxyHop.requestsOnConnection"];

const page = {
  hops: document.getElementById("hops"),
  again: document.getElementById("again"),
  summary: document.getElementById("summary"),
  problem: document.getElementById("problem"),
  edgeNote: document.getElementById("edge-note"),
  edgeNoteText: document.getElementById("edge-note-text"),
};
// view: the last answer plus what the browser measured; shown: the values on screen, to spot growing counters.
const state = { lang: initialLanguage(), view: null, sent: 0, shown: {}, at: null };

/** ?lang=ko or ?lang=en wins; otherwise the browser's preferred language; English for anything else. */
function initialLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && Object.hasOwn(TEXT, asked)) {
    return asked;
  }
  return (navigator.language || "en").toLowerCase().startsWith("ko") ? "ko" : "en";
}

function t(key, values = {}) {
  const text = TEXT[state.lang][key] ?? TEXT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** "127.0.0.1:51234", or "[::1]:51234": an IPv6 address is bracketed so its colons don't run into the port. */
function address(client) {
  if (!client || !client.address) {
    return null;
  }
  const host = client.address.includes(":") ? `[${client.address}]` : client.address;
  return `${host}:${client.port ?? "?"}`;
}

/** "h2" → "HTTP/2": ALPN's token as the browser reports it, else what Nginx saw. */
function protocolName(alpn, journey) {
  const names = { h2: "HTTP/2", "http/1.1": "HTTP/1.1", h3: "HTTP/3" };
  return names[alpn] || (journey.edge && journey.edge.httpVersion) || "HTTP";
}

/** Times: the app measures µs; Nginx whole ms (so 0 means "under 1 ms"); the browser fractional ms. */
function formatTime(kind, value) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return t("notMeasured");
  }
  if (kind === "browser") {
    return value === 0 ? t("reusedNoHandshake") : `${value.toFixed(1)} ms`;
  }
  if (kind === "edge" && value < 1000) {
    return "< 1 ms";
  }
  return value < 1000 ? `${value} µs` : `${(value / 1000).toFixed(1)} ms`;
}

function display(value) {
  if (value === null || value === undefined || value === "") {
    return t("notMeasured");
  }
  return typeof value === "boolean" ? t(value ? "yes" : "no") : String(value);
}

/** A small element builder; text is always set as textContent. */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  element.append(...children); // strings become text nodes: never parsed as HTML
  return element;
}

/** A value with its JSON path in data-field and, for numbers, the raw number in data-value. */
function valueElement(tag, field, raw, text, previous) {
  const grew = COUNTERS.includes(field) && typeof raw === "number" && typeof previous[field] === "number"
    && raw > previous[field];
  state.shown[field] = raw;
  return el(tag, { "data-field": field, "data-value": typeof raw === "number" ? raw : null,
    class: grew ? "value grew" : "value" }, text);
}

/** The value at a dotted path ("edge.tlsProtocol"), or null when any part of it is missing. */
function lookup(view, path) {
  return path.split(".").reduce((node, key) => (node == null ? null : node[key] ?? null), view);
}

function renderHop(hop, index, view, previous) {
  const skipped = !view.viaEdge && (hop.id === "tls" || hop.id === "nginx");
  const zone = view.viaEdge ? hop.zone : "plain"; // without Nginx nothing on the path is encrypted
  const card = el("li", { class: `hop ${zone}${skipped ? " skipped" : ""}`, "data-hop": hop.id });
  const title = hop.title ? hop.title(view) : t(`hop_${hop.id}`);
  card.append(el("h2", { class: "hop-title" }, el("span", { class: "hop-step" }, String(index + 1)), title));
  const facts = el("dl", { class: "facts" });
  for (const [label, path, format] of hop.facts) {
    const raw = lookup(view, path);
    const text = display(raw !== null && format ? format(raw, view) : raw);
    facts.append(el("dt", {}, t(label)), valueElement("dd", path, raw, text, previous));
  }
  const [label, path, kind] = hop.time;
  const time = el("p", { class: "hop-time" }, el("span", {}, t(label)));
  if (path) {
    const raw = lookup(view, path);
    const rounded = typeof raw === "number" && kind === "browser" ? Math.round(raw * 10) / 10 : raw;
    time.append(" ", valueElement("strong", path, rounded, formatTime(kind, raw), previous));
  }
  const [captionKey, values] = hop.caption(view);
  card.append(facts, time, el("p", { class: "caption" }, t(captionKey, values)));
  return card;
}

/** Draws the last journey in the current language; `previous` holds the values shown before, for counters. */
function renderJourney(previous = {}) {
  const view = state.view;
  if (!view) {
    return;
  }
  state.shown = {};
  page.hops.replaceChildren(...HOPS.map((hop, i) => renderHop(hop, i, view, previous)));
  page.edgeNote.hidden = view.viaEdge;
  page.edgeNoteText.textContent = view.note || "";
  page.summary.textContent = t("summary", { n: state.sent, total: formatTime("browser", view.browser.totalMs),
    at: state.at.toLocaleTimeString(state.lang) });
}

/** Shows a problem+json answer (title, status, detail, request id) or a network failure. */
function renderProblem(problem) {
  const parts = [el("strong", {}, t("errorTitle")),
    el("p", {}, `${problem.title || t("errorNetwork")}${problem.status ? ` (${problem.status})` : ""}`)];
  if (problem.detail) {
    parts.push(el("p", {}, problem.detail));
  }
  if (problem.requestId) {
    parts.push(el("p", {}, `${t("requestId")}: `, el("code", { "data-field": "problem.requestId" }, problem.requestId)));
  }
  page.problem.replaceChildren(...parts);
  page.problem.hidden = false;
  page.summary.textContent = "";
}

/** Calls the API; returns its answer plus a `browser` part, or throws {problem}. Browser-side numbers come from Resource Timing. */
async function fetchJourney() {
  const started = performance.now();
  const response = await fetch("/api/journey", { cache: "no-store", headers: { Accept: "application/json" } });
  const text = await response.text();
  const elapsed = performance.now() - started;
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (e.g. an HTML page from something in between): reported below with the status
  }
  if (!response.ok || !body) {
    throw { problem: body || { title: `HTTP ${response.status}`, status: response.status, detail: text.slice(0, 300) } };
  }
  const entry = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/api/journey")).pop();
  performance.clearResourceTimings(); // the buffer holds 250 entries; each click adds one
  const browser = {
    status: response.status, requestIdHeader: response.headers.get("X-Request-ID"), totalMs: elapsed,
    protocol: entry ? entry.nextHopProtocol || null : null, bytes: entry ? entry.encodedBodySize : null,
    connectMs: entry ? entry.connectEnd - entry.connectStart : null,
    tlsMs: entry ? (entry.secureConnectionStart > 0 ? entry.connectEnd - entry.secureConnectionStart : 0) : null,
  };
  browser.sameId = browser.requestIdHeader === body.requestId;
  return { ...body, browser };
}

async function send() {
  page.again.disabled = true;
  document.body.dataset.state = "loading";
  page.summary.textContent = t("loading");
  try {
    const view = await fetchJourney();
    Object.assign(state, { view, sent: state.sent + 1, at: new Date() });
    page.problem.hidden = true;
    renderJourney(state.shown);
    document.body.dataset.state = "ready";
  } catch (failure) {
    renderProblem(failure.problem || { title: t("errorNetwork"), detail: String(failure.message || failure) });
    document.body.dataset.state = "error";
  } finally {
    page.again.disabled = false;
  }
}

/** Static texts, the language buttons and <html lang>, then the cards again in the new language. */
function applyLanguage(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  document.title = `${t("title")} · Roundtrip`;
  document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
  document.querySelectorAll("[data-i18n-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.i18nLabel)));
  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.textContent = TEXT[button.dataset.lang].langName;
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  });
  renderJourney();
}

document.querySelectorAll("[data-lang]").forEach((button) => button.addEventListener("click", () => {
  const url = new URL(location.href);
  url.searchParams.set("lang", button.dataset.lang); // a reload or a shared link keeps the choice
  history.replaceState(null, "", url);
  applyLanguage(button.dataset.lang);
}));
page.again.addEventListener("click", send);
applyLanguage(state.lang);
send();
