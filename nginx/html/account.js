// The notes page's account card: who am I (GET /api/me), register, log in, log out. Loaded before app.js, which
// holds the shared helpers (request, showProblem, elements) and wires the buttons once every file is read.
// The session is the HttpOnly cookie the server sets: nothing here sees or keeps the token.
"use strict";


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
