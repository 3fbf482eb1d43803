// The journey page: asks GET /api/journey and draws what each hop saw of that very request, left to right,
// in English or Korean. Values from the server are only ever set with textContent (never innerHTML), and
// every card carries data-hop / data-field attributes so the end-to-end test can find what it checks.
"use strict";

/** Every text the page shows, per language; {name} is filled in with a live value when rendering. */
const TEXT = {
  en: {
    langName: "EN", language: "Language", title: "The request journey", backToNotes: "← Notes page",
    lead: "One real request to /api/journey, hop by hop: what each part of the path saw, and how long it took there.",
    again: "Send another request", loading: "Sending GET /api/journey…",
    summary: "Request {n} from this page · round trip {total} · {at}",
    legendEncrypted: "encrypted on the wire (TLS)", legendPlain: "plain HTTP or calls inside this machine",
    noEdgeTitle: "This request did not cross Nginx", errorTitle: "The journey could not be loaded",
    errorNetwork: "No answer from the server", requestId: "Request id", notMeasured: "—", yes: "yes", no: "no",
    footer: "App times are in microseconds (µs). Nginx counts whole milliseconds, so its short times show as < 1 ms. Browser times come from the browser's Resource Timing API.",
    hop_browser: "Browser", hop_tls: "TLS", hop_nginx: "Nginx", hop_proxy: "HTTP/1.1 to the app",
    hop_javalin: "Javalin (Jetty)", hop_jdbi: "Jdbi", hop_sqlite: "SQLite", hop_back: "Back to the browser",
    client: "Client", connRequests: "Requests on conn.", alpn: "ALPN protocol",
    protocol: "Protocol", cipher: "Cipher suite", sni: "SNI (name)", httpVersion: "HTTP version",
    listenPort: "Listening port", host: "Host", receivedAt: "Received at (UTC)", from: "From",
    to: "To", reused: "Connection reused", server: "Server", framework: "Framework", java: "Java",
    handler: "Handler", thread: "Thread", instance: "App server", query: "Query", rows: "Result", version: "Version",
    journalMode: "Journal mode", synchronous: "synchronous", status: "Status", idHeader: "X-Request-ID",
    sameId: "Same id as app", bytes: "Body bytes",
    timeConnect: "TCP connect", timeHandshake: "TLS handshake", timeEdge: "At Nginx before passing on",
    timeProxy: "Nginx → app", timeApp: "Inside the app", timeJdbi: "Counted in the app's time",
    timeQuery: "Query", timeTotal: "Round trip (browser)", reusedNoHandshake: "0 (reused)",
    captionBrowser: "localhost needs no DNS lookup: it is this machine. The browser sent GET /api/journey over TCP to port {port}; Nginx saw it come from {client}.",
    captionTls: "Before any HTTP, browser and Nginx agreed on keys ({tls}) and, via ALPN, on {alpn}. Every byte between them is encrypted.",
    captionNginx: "Nginx terminated TLS here: from here on the request is plain HTTP inside this machine. It gave the request its id and matched location /api/.",
    captionProxyReused: "Nginx passed the request on over a connection it keeps open to the app: request {n} on it, so no new TCP handshake was needed.",
    captionProxyNew: "Nginx opened a new connection to the app for this request and keeps it open, so the next requests skip the TCP handshake.",
    captionProxyDirect: "The client connected straight to Jetty: request {n} on this connection.",
    captionJavalin: "Jetty parsed the HTTP request from its socket; Javalin matched {handler} and ran the handler on a Jetty worker thread.",
    captionJdbi: "The handler borrowed a pooled connection through Jdbi and ran plain SQL; Jdbi mapped the result row to a Java number ({rows}).",
    captionSqlite: "SQLite is a library inside the Java process, not a server: it reads the database file itself. WAL lets reads go on during a write.",
    captionPostgres: "PostgreSQL is a server of its own: Jdbi sent the query over a pooled TCP connection, and every app server shares this database.",
    captionBack: "Back the same way: Jetty → Nginx on the kept connection, then encrypted over {proto} to the browser. X-Request-ID finds it in every log.",
    captionBrowserDirect: "The browser sent GET /api/journey over TCP straight to the app, which saw it come from {client}.",
    captionBackDirect: "The answer went straight back from Jetty to the browser, unencrypted. X-Request-ID finds it in the app's log.",
    captionTlsSkipped: "No TLS on this path: the request went to the app in plain HTTP.",
    captionNginxSkipped: "Nginx was not on this path, so nothing was negotiated with the client here.",
  },
  ko: {
    langName: "한국어", language: "언어", title: "요청의 여정", backToNotes: "← 노트 페이지",
    lead: "/api/journey로 보낸 실제 요청 하나를 구간별로 따라갑니다. 경로의 각 부분이 무엇을 보았고, 거기서 얼마나 걸렸는지 보여 줍니다.",
    again: "요청 다시 보내기", loading: "GET /api/journey 보내는 중…",
    summary: "이 페이지의 {n}번째 요청 · 왕복 {total} · {at}",
    legendEncrypted: "전송 구간 암호화(TLS)", legendPlain: "평문 HTTP 또는 이 컴퓨터 안의 호출",
    noEdgeTitle: "이 요청은 Nginx를 거치지 않았습니다", errorTitle: "여정을 불러오지 못했습니다",
    errorNetwork: "서버가 응답하지 않았습니다", requestId: "요청 ID", notMeasured: "—", yes: "예", no: "아니요",
    footer: "앱 시간은 마이크로초(µs) 단위입니다. Nginx는 밀리초 단위로만 재므로 짧은 시간은 < 1 ms로 표시됩니다. 브라우저 시간은 브라우저의 Resource Timing API 값입니다.",
    hop_browser: "브라우저", hop_tls: "TLS", hop_nginx: "Nginx", hop_proxy: "앱까지 HTTP/1.1",
    hop_javalin: "Javalin (Jetty)", hop_jdbi: "Jdbi", hop_sqlite: "SQLite", hop_back: "다시 브라우저로",
    client: "클라이언트", connRequests: "이 연결의 요청 수", alpn: "ALPN 프로토콜",
    protocol: "프로토콜", cipher: "암호 스위트", sni: "SNI (요청한 이름)", httpVersion: "HTTP 버전",
    listenPort: "Nginx 수신 포트", host: "호스트", receivedAt: "받은 시각 (UTC)", from: "보낸 쪽",
    to: "받는 쪽", reused: "연결 재사용", server: "서버", framework: "프레임워크", java: "자바",
    handler: "핸들러", thread: "스레드", instance: "앱 서버", query: "쿼리", rows: "결과", version: "버전",
    journalMode: "저널 모드", synchronous: "synchronous", status: "상태 코드", idHeader: "X-Request-ID",
    sameId: "앱과 같은 ID", bytes: "받은 본문 바이트",
    timeConnect: "TCP 연결", timeHandshake: "TLS 핸드셰이크", timeEdge: "Nginx가 넘기기 전까지",
    timeProxy: "Nginx → 앱", timeApp: "앱 안에서", timeJdbi: "앱 시간에 포함",
    timeQuery: "쿼리", timeTotal: "왕복 (브라우저)", reusedNoHandshake: "0 (재사용)",
    captionBrowser: "localhost는 DNS 서버 없이 언제나 이 컴퓨터를 뜻합니다. 브라우저가 TCP로 {port}번 포트에 GET /api/journey를 보냈고, Nginx는 이 요청이 {client}에서 왔다고 봅니다.",
    captionTls: "HTTP를 주고받기 전에 브라우저와 Nginx가 암호 키({tls})를 정하고, ALPN으로 {alpn}를 골랐습니다. 둘 사이의 모든 바이트는 암호화됩니다.",
    captionNginx: "Nginx가 여기서 TLS를 종료했습니다. 여기부터 요청은 이 컴퓨터 안에서만 오가는 평문 HTTP입니다. 요청에 ID를 붙이고 location /api/ 설정에 따라 앱으로 넘깁니다.",
    captionProxyReused: "Nginx는 앱과 열어 둔 연결로 요청을 넘겼습니다. 이 연결의 {n}번째 요청이라 새 TCP 핸드셰이크가 필요 없었습니다.",
    captionProxyNew: "Nginx가 이 요청을 위해 앱으로 새 연결을 열었고, 열어 둔 채로 유지해서 다음 요청부터는 TCP 핸드셰이크를 건너뜁니다.",
    captionProxyDirect: "클라이언트가 Jetty에 바로 연결했습니다. 이 연결의 {n}번째 요청입니다.",
    captionJavalin: "Jetty가 소켓에서 HTTP 요청을 읽어 해석하고, Javalin이 {handler} 경로를 찾아 Jetty 작업 스레드에서 핸들러를 실행했습니다.",
    captionJdbi: "핸들러가 Jdbi로 커넥션 풀에서 연결을 빌려 SQL을 그대로 실행했고, Jdbi가 결과 행을 자바 숫자({rows})로 바꿨습니다.",
    captionSqlite: "SQLite는 서버가 아니라 자바 프로세스 안의 라이브러리로, 데이터베이스 파일을 직접 읽습니다. WAL 모드에서는 쓰는 동안에도 읽기가 막히지 않습니다.",
    captionPostgres: "PostgreSQL은 별도의 서버입니다. Jdbi가 풀(pool)의 TCP 연결로 쿼리를 보냈고, 모든 앱 서버가 이 데이터베이스를 함께 씁니다.",
    captionBack: "응답은 같은 길로 돌아갑니다. Jetty → (열어 둔 연결) → Nginx, 그다음 암호화되어 {proto}로 브라우저에 갑니다. X-Request-ID로 모든 로그에서 이 요청을 찾을 수 있습니다.",
    captionBrowserDirect: "브라우저가 TCP로 앱에 바로 GET /api/journey를 보냈고, 앱은 이 요청이 {client}에서 왔다고 봅니다.",
    captionBackDirect: "응답은 암호화 없이 Jetty에서 브라우저로 바로 돌아갔습니다. X-Request-ID로 앱 로그에서 이 요청을 찾을 수 있습니다.",
    captionTlsSkipped: "이 경로에는 TLS가 없습니다. 요청이 평문 HTTP로 앱에 갔습니다.",
    captionNginxSkipped: "이 경로에는 Nginx가 없어서, 여기서 클라이언트와 협상한 것이 없습니다.",
  },
};

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
