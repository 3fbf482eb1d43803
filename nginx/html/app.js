// The notes page's behaviour: list notes page by page and create new ones; account.js (log in, register, log out)
// and note-editor.js (edit or delete with If-Match) are loaded before this file, which wires the buttons last.
// Text from the server is only ever set with textContent, never innerHTML: a note titled
// "<img onerror=...>" stays text and cannot run as code.
// The session is the HttpOnly cookie the server sets on log-in: this script never sees the token and stores
// nothing (no localStorage), so an injected script could not steal it. fetch sends the cookie by itself
// because every call is to this same origin (its default credentials mode is "same-origin").
"use strict";

const elements = {
  who: document.getElementById("who"),
  accountForm: document.getElementById("account-form"),
  username: document.getElementById("account-username"),
  password: document.getElementById("account-password"),
  register: document.getElementById("register"),
  logOut: document.getElementById("log-out"),
  accountMessage: document.getElementById("account-message"),
  accountProblem: document.getElementById("account-problem"),
  form: document.getElementById("note-form"),
  title: document.getElementById("note-title"),
  body: document.getElementById("note-body"),
  tags: document.getElementById("note-tags"),
  problem: document.getElementById("problem"),
  notes: document.getElementById("notes"),
  empty: document.getElementById("notes-empty"),
  loadMore: document.getElementById("load-more"),
  requestId: document.getElementById("last-request-id"),
};

let nextCursor = null;
/** The logged-in user's name as GET /api/me said, or null. Only for display: the server decides who may write. */
let currentUser = null;

/** An answer that was not 2xx, carrying the problem+json body (or a stand-in when there was none). */
class ProblemError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

/** Calls the API; returns the parsed JSON body of a 2xx answer and its ETag, or throws a ProblemError. */
async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, {
      ...options,
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
  } catch (networkError) {
    throw new ProblemError({ title: "Network error", detail: "The server could not be reached." });
  }
  elements.requestId.textContent = response.headers.get("X-Request-ID") || "–";

  const type = response.headers.get("Content-Type") || "";
  // A broken or empty body (a proxy's HTML page, a 204) must not hide the status: fall back to null.
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const problem = body || { title: "Unexpected answer" };   // the status is added next
    problem.status = problem.status || response.status;
    if (problem.status === 401 && currentUser !== null) {
      showLoggedOut();   // the session expired or was revoked: the page must stop saying "logged in"
    }
    throw new ProblemError(problem);
  }
  return { body, etag: response.headers.get("ETag") };
}

async function callApi(path, options = {}) {
  return (await request(path, options)).body;
}

/** POST/PUT with a JSON body. */
function sendJson(method, value, headers = {}) {
  return { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(value) };
}

/** Shows a problem in {@code box}: title, detail, one line per field error, a link to its explanation page. */
function showProblem(problem, box = elements.problem) {
  box.replaceChildren();

  const title = document.createElement("strong");
  title.textContent = problem.status ? `${problem.title} (${problem.status})` : problem.title;
  box.append(title);

  // The detail is the server's sentence for a person ("Log in first", "This note belongs to alice").
  if (problem.detail) {
    const detail = document.createElement("p");
    detail.textContent = problem.detail;
    box.append(detail);
  }
  if (Array.isArray(problem.errors) && problem.errors.length > 0) {
    const list = document.createElement("ul");
    for (const error of problem.errors) {
      const item = document.createElement("li");
      item.textContent = `${error.field}: ${error.message}`;
      list.append(item);
    }
    box.append(list);
  }
  // Only our own explanation pages are linked; any other type value is shown as text at most.
  if (typeof problem.type === "string" && problem.type.startsWith("/problems/")) {
    const link = document.createElement("a");
    link.href = problem.type;
    link.textContent = "What does this mean?";
    box.append(link);
  }
  if (problem.requestId) {
    const id = document.createElement("p");
    id.className = "hint";
    id.textContent = `Request id: ${problem.requestId}`;
    box.append(id);
  }
  box.hidden = false;
}

function hideProblem(box = elements.problem) {
  box.hidden = true;
  box.replaceChildren();
}

/** Runs an API action; a problem is shown in {@code box} instead of escaping as an uncaught error. */
async function showingProblems(box, action) {
  hideProblem(box);
  try {
    await action();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    showProblem(error.problem, box);
  }
}

// ---- Notes: list, create, edit, delete ----

/** Fills one <li> with a note: title, body, tags, owner and an Edit button. */
function fillNote(item, note) {
  item.replaceChildren();
  item.dataset.noteId = note.id;
  item.dataset.owner = note.owner ?? "";

  const title = document.createElement("h3");
  title.textContent = note.title;
  item.append(title);

  if (note.body) {
    const body = document.createElement("p");
    body.textContent = note.body;
    item.append(body);
  }
  if (Array.isArray(note.tags) && note.tags.length > 0) {
    const tags = document.createElement("ul");
    tags.className = "tags";
    for (const tag of note.tags) {
      const chip = document.createElement("li");
      chip.textContent = tag;
      tags.append(chip);
    }
    item.append(tags);
  }
  const meta = document.createElement("p");
  meta.className = "hint";
  const created = new Date(note.createdAt);
  const owner = note.owner ? ` · by ${note.owner}` : "";
  meta.textContent = `#${note.id}${owner} · version ${note.version} · ${isNaN(created) ? note.createdAt : created.toLocaleString()}`;
  item.append(meta);

  // Offered on every note, not only one's own: the server, not this page, decides (and answers 401 or 403).
  const edit = document.createElement("button");
  edit.type = "button";
  edit.className = "secondary edit";
  edit.textContent = "Edit";
  edit.setAttribute("aria-label", `Edit note #${note.id}`);
  edit.addEventListener("click", () => openEditor(item, note.id));
  item.append(edit);
}

function renderNote(note) {
  const item = document.createElement("li");
  item.className = "note";
  fillNote(item, note);
  markOwnNotes(item);
  return item;
}

/** Highlights the notes the logged-in user owns (display only). */
function markOwnNotes(...items) {
  for (const item of items.length > 0 ? items : elements.notes.children) {
    item.classList.toggle("own", currentUser !== null && item.dataset.owner === currentUser);
  }
}

function updateListState() {
  elements.empty.hidden = elements.notes.children.length > 0;
  elements.loadMore.hidden = nextCursor === null;
}

/** Loads one page of notes; with a cursor, the page after the last one shown. */
async function loadNotes(cursor) {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  elements.loadMore.disabled = true;    // one click, one page: no duplicate rows from a double click
  await showingProblems(elements.problem, async () => {
    const page = await callApi(`/api/notes${query}`);
    for (const note of page.items) {
      elements.notes.append(renderNote(note));
    }
    nextCursor = page.nextCursor ?? null;
  });
  elements.loadMore.disabled = false;
  updateListState();
}

/** "nginx, http , ,json" → ["nginx", "http", "json"] */
function parseTags(text) {
  return text.split(",").map((tag) => tag.trim()).filter((tag) => tag.length > 0);
}

/** Without a session the server answers 401, and its detail tells the person to log in first. */
async function createNote(event) {
  event.preventDefault();
  const input = {
    title: elements.title.value,
    body: elements.body.value,
    tags: parseTags(elements.tags.value),
  };
  await showingProblems(elements.problem, async () => {
    const note = await callApi("/api/notes", sendJson("POST", input));
    elements.notes.prepend(renderNote(note));
    elements.form.reset();
    elements.title.focus();
  });
  updateListState();
}

elements.accountForm.addEventListener("submit", logIn);
elements.register.addEventListener("click", register);
elements.logOut.addEventListener("click", logOut);
elements.form.addEventListener("submit", createNote);
elements.loadMore.addEventListener("click", () => loadNotes(nextCursor));
// Who first, then the notes: their "own" marks need the user's name.
loadWho().then(() => loadNotes(null));
