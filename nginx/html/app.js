// The notes page's behaviour: list notes page by page and create new ones through the JSON API.
// Text from the server is only ever set with textContent, never innerHTML: a note titled
// "<img onerror=...>" stays text and cannot run as code.
"use strict";

const elements = {
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

/** An answer that was not 2xx, carrying the problem+json body (or a stand-in when there was none). */
class ProblemError extends Error {
  constructor(problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }
}

/** Calls the API; returns the parsed JSON body of a 2xx answer or throws a ProblemError. */
async function callApi(path, options = {}) {
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
    throw new ProblemError(body || { title: `HTTP ${response.status}`, status: response.status });
  }
  return body;
}

/** Shows a problem: title, detail, one line per field error, a link to its explanation page. */
function showProblem(problem) {
  const box = elements.problem;
  box.replaceChildren();

  const title = document.createElement("strong");
  title.textContent = problem.status ? `${problem.title} (${problem.status})` : problem.title;
  box.append(title);

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

function hideProblem() {
  elements.problem.hidden = true;
  elements.problem.replaceChildren();
}

/** Builds one <li> for a note. */
function renderNote(note) {
  const item = document.createElement("li");
  item.className = "note";

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
  meta.textContent = `#${note.id} · version ${note.version} · ${isNaN(created) ? note.createdAt : created.toLocaleString()}`;
  item.append(meta);
  return item;
}

function updateListState() {
  elements.empty.hidden = elements.notes.children.length > 0;
  elements.loadMore.hidden = nextCursor === null;
}

/** Loads one page of notes; with a cursor, the page after the last one shown. */
async function loadNotes(cursor) {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  elements.loadMore.disabled = true;    // one click, one page: no duplicate rows from a double click
  try {
    const page = await callApi(`/api/notes${query}`);
    for (const note of page.items) {
      elements.notes.append(renderNote(note));
    }
    nextCursor = page.nextCursor ?? null;
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    showProblem(error.problem);
  }
  elements.loadMore.disabled = false;
  updateListState();
}

/** "nginx, http , ,json" → ["nginx", "http", "json"] */
function parseTags(text) {
  return text.split(",").map((tag) => tag.trim()).filter((tag) => tag.length > 0);
}

async function createNote(event) {
  event.preventDefault();
  hideProblem();
  const input = {
    title: elements.title.value,
    body: elements.body.value,
    tags: parseTags(elements.tags.value),
  };
  try {
    const note = await callApi("/api/notes", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(input),
    });
    elements.notes.prepend(renderNote(note));
    elements.form.reset();
    elements.title.focus();
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    showProblem(error.problem);
  }
  updateListState();
}

elements.form.addEventListener("submit", createNote);
elements.loadMore.addEventListener("click", () => loadNotes(nextCursor));
loadNotes(null);
