// The notes page's editor: opens a note with its ETag, saves with If-Match, deletes, and on 412 shows the note as
// it is now. Loaded before app.js, which holds the shared helpers and the list the editor's notes live in.
"use strict";

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
