package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * /docs/: Swagger UI, vendored from npm, rendering the repository's openapi.yaml, served by the real Nginx
 * with the project's config and looked at in Debian's headless Chromium. The screenshot stays in
 * target/docs.png for a human to look at; the log-in through "Try it out", driven by Selenium, leaves one
 * screenshot per step in target/docs-login/ (NN-step.png).
 */
class DocsPageIT {

    private static final Path CONTRACT = EdgeStack.PROJECT.resolve("openapi.yaml");
    private static final Path VENDOR = EdgeStack.PROJECT.resolve("nginx/html/docs/vendor");
    private static final Path SCREENSHOT = EdgeStack.PROJECT.resolve("target/docs.png");
    private static final Path LOGIN_SCREENSHOTS = EdgeStack.PROJECT.resolve("target/docs-login");
    private static final String COOKIE = "__Host-roundtrip-session";
    /** Waits are bounded: a step that never happens fails after this, naming what it waited for. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Where a page would load Swagger UI (or its demo spec, or fonts) from if it did not ship its own copy. */
    private static final List<String> CDN_HOSTS = List.of("unpkg.com", "jsdelivr.net", "cdnjs.cloudflare.com",
            "googleapis.com", "petstore.swagger.io");
    private static EdgeStack stack;
    private static HttpClient client;

    @BeforeAll
    static void startStack() throws Exception {
        HeadlessChromium.requireInstalled();
        if (!Files.isRegularFile(VENDOR.resolve("swagger-ui-bundle.js"))) {
            fail("Swagger UI is not vendored: `make test` does it, or: npm ci --ignore-scripts && "
                    + "scripts/vendor-swagger-ui.sh nginx/html/docs/vendor");
        }
        stack = EdgeStack.start(Map.of());
        client = stack.client(HttpClient.Version.HTTP_2);
    }

    @AfterAll
    static void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void pageShowsEveryOperationOfTheContract() throws Exception {
        HeadlessChromium.Page run = HeadlessChromium.dumpDom(stack.dir, url("/docs/"));
        String dom = run.output();
        assertTrue(dom.contains("data-state=\"ready\""), "Swagger UI never finished rendering:\n" + dom + run.log());
        Matcher ids = Pattern.compile("(?m)^\\s+operationId: (\\w+)$").matcher(Files.readString(CONTRACT));
        int operations = 0;
        while (ids.find()) {
            assertTrue(dom.contains(">" + ids.group(1) + "<"), "operation " + ids.group(1) + " is not on the page");
            operations++;
        }
        assertEquals(13, operations, "the operations in openapi.yaml");
        assertTrue(dom.contains("Create a note"), "the summaries are shown");
        assertTrue(dom.contains("data-path=\"/api/notes/{id}\""), "the paths are shown");
        assertTrue(dom.contains("<option value=\"/\""), "\"Try it out\" targets this same origin (servers: /)");
        run.assertNoConsoleErrors();
        // The spec the browser rendered came from Nginx, over this stack's own origin.
        EdgeStack.await(() -> accessLogHas("/docs/openapi.yaml"), "Nginx's access log line for /docs/openapi.yaml");
    }

    @Test
    void screenshotIsWrittenAsATestArtefact() throws Exception {
        HeadlessChromium.screenshot(stack.dir, url("/docs/"), SCREENSHOT);
    }

    @Test
    void contractIsServedByteForByteAsYaml() throws Exception {
        HttpResponse<byte[]> res = client.send(HttpRequest.newBuilder(stack.https("/docs/openapi.yaml")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, res.statusCode());
        assertArrayEquals(Files.readAllBytes(CONTRACT), res.body(), "the repository's openapi.yaml, unchanged");
        assertEquals("application/yaml", header(res, "Content-Type"));
        assertEquals("no-cache", header(res, "Cache-Control"), "a changed contract shows up at once");
    }

    @Test
    void docsAreStaticWithTheEdgesHeadersAndTheirOwnPolicy() throws Exception {
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(stack.https("/docs/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(header(page, "Content-Type").startsWith("text/html"));
        List<String> policies = page.headers().allValues("Content-Security-Policy");
        assertEquals(1, policies.size(), "one policy: a second one would be enforced as well: " + policies);
        String policy = policies.get(0);
        assertTrue(policy.contains("img-src 'self' data:"), "swagger-ui.css embeds its icons as data: URLs: " + policy);
        assertTrue(policy.contains("script-src 'self';") && policy.contains("connect-src 'self';"), policy);
        assertFalse(policy.contains("unsafe"), "no 'unsafe-inline' or 'unsafe-eval': " + policy);
        // The add_header trap: the location has its own headers, so it must repeat the server's.
        assertTrue(header(page, "Strict-Transport-Security").startsWith("max-age="));
        assertEquals("nosniff", header(page, "X-Content-Type-Options"));
        assertEquals("strict-origin-when-cross-origin", header(page, "Referrer-Policy"));
        String requestId = header(page, "X-Request-ID");
        assertTrue(requestId.matches("[0-9a-f]{32}"), requestId);
        assertFalse(stack.appLog().contains(requestId), "Nginx answered /docs/ itself; the app never saw it");

        HttpResponse<byte[]> bundle = client.send(HttpRequest.newBuilder(stack.https("/docs/vendor/swagger-ui-bundle.js"))
                .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, bundle.statusCode());
        assertTrue(header(bundle, "Content-Type").startsWith("application/javascript"));
        assertEquals("gzip", header(bundle, "Content-Encoding"), "the .gz copy made at vendoring time");
        assertEquals("max-age=86400", header(bundle, "Cache-Control"));
        assertEquals("nosniff", header(bundle, "X-Content-Type-Options"), "nested locations keep the headers");
    }

    @Test
    void nothingIsLoadedFromAnotherHost() throws Exception {
        // Our own files name no host at all; the vendored ones name none of the usual CDNs.
        for (String own : new String[] {"index.html", "docs.js", "docs.css"}) {
            String text = Files.readString(EdgeStack.PROJECT.resolve("nginx/html/docs").resolve(own));
            assertFalse(text.contains("://"), own + " names another host");
        }
        // The bundle's one built-in host, the public spec validator, is switched off by docs.js.
        String start = Files.readString(EdgeStack.PROJECT.resolve("nginx/html/docs/docs.js"));
        assertTrue(start.contains("validatorUrl: null"), "docs.js must switch off the validator badge");
        try (Stream<Path> files = Files.list(VENDOR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".js") || f.toString().endsWith(".css")).toList()) {
                String text = Files.readString(file).toLowerCase(Locale.ROOT);
                for (String host : CDN_HOSTS) {
                    assertFalse(text.contains(host), file.getFileName() + " refers to " + host);
                }
            }
        }
        // What the browser fetched: every request reached this stack's Nginx (others fail to resolve and
        // would be logged as errors by assertNoConsoleErrors), and the page's own references are relative.
        String page = client.send(HttpRequest.newBuilder(stack.https("/docs/")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
        while (refs.find()) {
            assertFalse(refs.group(1).contains("//"), "the page loads " + refs.group(1));
        }
    }

    @Test
    void swaggerUiLogsInWithTheCookieAndEveryLaterTryItOutCarriesItUntilLogOut() throws Exception {
        String name = "docs-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        registerStraightAtTheApp(name, password);   // one call fewer against the edge's log-in limit
        try (Browser browser = Browser.start(stack, LOGIN_SCREENSHOTS)) {
            try {
                logInAndWriteThroughTryItOut(browser, name, password);
            } catch (Exception | AssertionError e) {
                browser.screenshot("failed");   // what the page showed when the step broke
                throw e;
            }
        }
    }

    private void logInAndWriteThroughTryItOut(Browser browser, String name, String password) throws Exception {
        browser.driver.get(url("/docs/"));
        wait(browser).until(ExpectedConditions.attributeToBe(By.id("swagger-ui"), "data-state", "ready"));
        browser.screenshot("page-ready");

        String session = tryItOut(browser, "accounts-logIn", TestUser.credentials(name, password), 201, "logged-in");
        assertTrue(session.contains("\"username\": \"" + name + "\""), session);
        Cookie cookie = browser.driver.manage().getCookieNamed(COOKIE);
        assertNotNull(cookie, "no " + COOKIE + " among " + browser.driver.manage().getCookies());
        assertTrue(cookie.isHttpOnly() && cookie.isSecure(), "HttpOnly and Secure: " + cookie);
        assertTrue(session.contains(cookie.getValue()), "the cookie holds the token the body shows");

        String me = tryItOut(browser, "accounts-me", null, 200, "me");
        assertTrue(me.contains("\"username\": \"" + name + "\"") && me.contains("\"via\": \"cookie\""), me);
        String note = tryItOut(browser, "notes-createNote",
                "{\"title\": \"Written in Swagger UI\", \"body\": \"with the session cookie\", \"tags\": [\"docs\"]}",
                201, "note-created");
        assertTrue(note.contains("\"owner\": \"" + name + "\""), note);

        tryItOut(browser, "accounts-logOut", null, 204, "logged-out");
        assertNull(browser.driver.manage().getCookieNamed(COOKIE), "the log-out cleared the cookie (Max-Age=0)");
        String after = tryItOut(browser, "accounts-me", null, 401, "me-after-log-out");
        assertTrue(after.contains("/problems/unauthenticated"), after);
    }

    /**
     * Opens the operation (if closed), clicks "Try it out" (if not yet), types {@code body} (if any) and
     * executes; returns the live response's text (status, body, headers) once it shows {@code status}.
     */
    private String tryItOut(Browser browser, String operation, String body, int status, String step) throws Exception {
        String block = "#operations-" + operation;
        WebElement control = browser.driver.findElement(By.cssSelector(block + " .opblock-summary-control"));
        if (!"true".equals(control.getDomAttribute("aria-expanded"))) {
            click(browser, By.cssSelector(block + " .opblock-summary-control"));
        }
        WebDriverWait wait = wait(browser);
        WebElement tryOut = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(block + " .try-out__btn")));
        if (!tryOut.getText().contains("Cancel")) {
            tryOut.click();
        }
        if (body != null) {
            WebElement text = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(block + " textarea.body-param__text")));
            text.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);   // a React textarea: clear() fires no input
            text.sendKeys(body);
        }
        By live = By.cssSelector(block + " .live-responses-table tbody .response-col_status");
        if (!browser.driver.findElements(By.cssSelector(block + " .btn-clear")).isEmpty()) {
            click(browser, By.cssSelector(block + " .btn-clear"));   // the answer shown must be this request's
            wait.until(ExpectedConditions.numberOfElementsToBe(live, 0));
        }
        click(browser, By.cssSelector(block + " button.execute"));
        String shown = wait.until(ExpectedConditions.visibilityOfElementLocated(live)).getText().trim();
        String response = browser.driver.findElement(By.cssSelector(block + " .live-responses-table tbody")).getText();
        browser.screenshot(step, By.cssSelector(block + " .live-responses-table"));
        assertEquals(String.valueOf(status), shown, operation + " answered:\n" + response);
        return response;
    }

    private static void registerStraightAtTheApp(String name, String password) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.appPort + "/api/users"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(TestUser.credentials(name, password))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, res.statusCode(), res.body());
    }

    private static WebDriverWait wait(Browser browser) {
        return new WebDriverWait(browser.driver, WAIT);
    }

    private static void click(Browser browser, By by) {
        wait(browser).until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    private static String url(String path) {
        return stack.https(path).toString();
    }

    private static String header(HttpResponse<?> res, String name) {
        return res.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
    }

    private static boolean accessLogHas(String uri) {
        try {
            return stack.nginxAccessLog().stream().anyMatch(line -> line.contains("\"uri\":\"" + uri + "\"")
                    && line.contains("\"status\":200"));
        } catch (IOException e) {
            return false;
        }
    }
}
