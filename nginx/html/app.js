// The notes page's behaviour: register, log in and out, list notes page by page, create new ones, and
// edit or delete a note with If-Match.
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

// ---- Account: who am I, register, log in, log out ----

/** A change of user makes an earlier "log in first" outdated: the new-note problem goes. */
function showLoggedIn(username) {
  if (currentUser !== username) hideProblem();
  currentUser = username;
  elements.who.textContent = `Logged in as ${username}.`;
  elements.accountForm.hidden = true;
  elements.logOut.hidden = false;
  markOwnNotes();
}

function showLoggedOut() {
  if (currentUser !== null) hideProblem();
  currentUser = null;
  elements.who.textContent = "Not logged in.";
  elements.accountForm.hidden = false;
  elements.logOut.hidden = true;
  markOwnNotes();
}

/** GET /api/me: 200 names the user of the session cookie, 401 means there is none (or it expired). */
async function loadWho() {
  try {
    showLoggedIn((await callApi("/api/me")).username);
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    showLoggedOut();
    if (error.problem.status !== 401) {
      showProblem(error.problem, elements.accountProblem);
    }
  }
}

function credentials() {
  return { username: elements.username.value, password: elements.password.value };
}

/** Registration creates the account only; logging in is a separate step (and a separate request). */
async function register() {
  elements.accountMessage.textContent = "";
  await showingProblems(elements.accountProblem, async () => {
    const user = await callApi("/api/users", sendJson("POST", credentials()));
    elements.accountMessage.textContent = `Registered ${user.username}. Now log in with the same password.`;
  });
}

/** The answer's Set-Cookie carries the session; the token in the JSON body is for scripts, so it is dropped. */
async function logIn(event) {
  event.preventDefault();
  elements.accountMessage.textContent = "";
  await showingProblems(elements.accountProblem, async () => {
    const session = await callApi("/api/sessions", sendJson("POST", credentials()));
    elements.password.value = "";
    showLoggedIn(session.user.username);
  });
}

/** The server revokes the session and clears the cookie; a 401 (already expired) means logged out as well. */
async function logOut() {
  elements.accountMessage.textContent = "";
  await showingProblems(elements.accountProblem, async () => {
    try {
      await callApi("/api/sessions/current", { method: "DELETE" });
    } catch (error) {
      if (!(error instanceof ProblemError) || error.problem.status !== 401) throw error;
    }
    showLoggedOut();
    elements.accountMessage.textContent = "Logged out.";
  });
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

/** A labelled field for the editor; ids carry the note id so several editors can be open at once. */
function editorField(form, labelText, name, id, value, multiline) {
  const input = document.createElement(multiline ? "textarea" : "input");
  input.id = `edit-${name}-${id}`;
  input.name = name;
  input.value = value;
  if (multiline) input.rows = 6; else input.type = "text";
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.textContent = labelText;
  form.append(label, input);
  return input;
}

function editorButton(form, text, type, className) {
  const button = document.createElement("button");
  button.type = type;
  button.textContent = text;
  if (className) button.className = className;
  form.append(button);
  return button;
}

/**
 * GETs the note for its current content and ETag, then shows a form under it. The ETag goes back as
 * If-Match, so the save (or delete) succeeds only if nobody changed the note in between (else 412).
 */
async function openEditor(item, id, notice) {
  try {
    const { body: note, etag } = await request(`/api/notes/${id}`);
    fillNote(item, note);   // the note above the form shows the very version being edited
    markOwnNotes(item);
    const editor = buildEditor(item, note, etag, notice);
    item.append(editor);
    editor.querySelector("input").focus();   // keyboard and screen-reader users land in the form they asked for
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    item.querySelector(".problem")?.remove();
    const box = problemBox();
    item.append(box);
    showProblem(error.problem, box);
  }
}

/** An empty, hidden box for one form's problems; role=alert makes a screen reader read it out when filled. */
function problemBox() {
  const box = document.createElement("div");
  box.className = "problem";
  box.setAttribute("role", "alert");
  box.hidden = true;
  return box;
}

function buildEditor(item, note, etag, notice) {
  const form = document.createElement("form");
  form.className = "editor";
  form.noValidate = true;
  const title = editorField(form, "Title", "title", note.id, note.title, false);
  const body = editorField(form, "Body", "body", note.id, note.body ?? "", true);
  const tags = editorField(form, "Tags (comma separated)", "tags", note.id, (note.tags || []).join(", "), false);
  const sent = document.createElement("p");
  sent.className = "hint";
  sent.textContent = `Saving sends If-Match: ${etag}`;   // the strong ETag of the version shown
  form.append(sent);
  editorButton(form, "Save changes", "submit");
  const remove = editorButton(form, "Delete note", "button", "secondary danger");
  const cancel = editorButton(form, "Cancel", "button", "secondary");
  const box = problemBox();
  form.append(box);
  if (notice) showProblem(notice, box);

  const ifMatch = { "If-Match": etag };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = { title: title.value, body: body.value, tags: parseTags(tags.value) };
    writeNote(item, note.id, box, sendJson("PUT", input, ifMatch), (saved) => fillNote(item, saved));
  });
  remove.addEventListener("click", () => writeNote(item, note.id, box, { method: "DELETE", headers: ifMatch },
    () => { item.remove(); updateListState(); }));
  cancel.addEventListener("click", () => form.remove());
  return form;
}

/** A PUT or DELETE; on 412 the editor reopens with the note as it is now, and says why. */
async function writeNote(item, id, box, options, done) {
  hideProblem(box);
  try {
    const saved = await callApi(`/api/notes/${id}`, options);
    done(saved);
    markOwnNotes(item);
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    if (error.problem.status !== 412) {
      showProblem(error.problem, box);
      return;
    }
    const notice = { ...error.problem,
      title: "Someone changed this note since you opened it: your change was not saved",
      detail: `${error.problem.detail || ""} The form now shows the current version; apply your change again.`.trim() };
    await openEditor(item, id, notice);
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
