// Starts Swagger UI on /docs/. A file, not an inline <script>: the page's Content-Security-Policy
// allows scripts from this site only (script-src 'self').
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");

  // The bundle missing means scripts/vendor-swagger-ui.sh never ran for this config: say so on the page.
  if (typeof window.SwaggerUIBundle !== "function") {
    root.dataset.state = "error";
    root.textContent = "Swagger UI is not installed here: run scripts/vendor-swagger-ui.sh " +
      "nginx/html/docs/vendor (make run does it), then reload.";
    return;
  }

  window.ui = window.SwaggerUIBundle({
    url: "openapi.yaml",          // relative: the copy Nginx serves next to this page, same origin
    domNode: root,
    deepLinking: true,            // #/notes/createNote in the address bar opens that operation
    displayOperationId: true,     // show createNote, getNote...: the names the tests and Postman use
    displayRequestDuration: true, // "Try it out" shows how long the whole trip took
    defaultModelsExpandDepth: 0,  // schemas are collapsed at the bottom; operations come first
    tryItOutEnabled: false,       // read first; one click on "Try it out" makes a real request
    validatorUrl: null,           // never ask the public validator service (another host) about our spec
    // Logging in: "Try it out" on POST /api/sessions gets the __Host-roundtrip-session cookie, and every later
    // call carries it, because this page and /api/ are one origin (fetch's default credentials: same-origin).
    // "include" would only add cross-origin calls, which this page never makes.
    withCredentials: false,
    // A token pasted into Authorize (bearerAuth) stays in this tab's memory: localStorage would let any
    // script of this origin read it and keep it past log-out. The cookie survives a reload by itself.
    persistAuthorization: false,
    // "Try it out" sends its requests to the origin of this page (servers: [{url: /}] in openapi.yaml),
    // so they go through Nginx like any other client's, and the answer shows X-Request-ID.
    onComplete: function () {
      root.dataset.state = "ready";
    },
  });
})();
