package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The notes page (nginx/html/index.html) as a person uses it, in Debian's Chromium driven by Selenium through
 * the real Nginx over HTTPS: register, log in, write, edit, log out, and the 401, 403 and 412 answers the
 * person is shown. Each step leaves a screenshot in target/login-flow/ (NN-step.png) to look at.
 * Five log-ins and registrations in all: under the edge's limit of 10 a minute per address.
 */
class LoginFlowIT {

    private static final Path SCREENSHOTS = EdgeStack.PROJECT.resolve("target/login-flow");
    private static final String COOKIE = "__Host-roundtrip-session";
    private static final String PASSWORD = "correct horse battery";
    private static final String BOB_PASSWORD = "bobs own passphrase";
    /** Waits are bounded: a step that never happens fails after this, naming what it waited for. */
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Over 1 KB of text, so the list that carries it is gzip-compressed on its way to the browser. */
    private static final String LONG_BODY = "An ETag names one version of a note; If-Match sends it back. ".repeat(20);

    private static EdgeStack stack;
    private static Browser browser;

    @BeforeAll
    static void start() throws Exception {
        Browser.requireInstalled();   // before the stack: a missing tool fails in one line, at once
        stack = EdgeStack.start(Map.of());
        browser = Browser.start(stack, SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aPersonLogsInWritesAndEditsTheirNoteAndIsShownEvery401And403And412() throws Exception {
        try {
            walkThroughTheFlow();
        } catch (Exception | AssertionError e) {
            browser.screenshot("failed");   // what the person would have seen when the step broke
            throw e;
        }
    }

    private void walkThroughTheFlow() throws Exception {
        browser.driver.get(stack.https("/").toString());
        waitForText(By.id("who"), "Not logged in.");
        waitFor(By.id("notes-empty"));   // the list has loaded (and is empty: a fresh database)
        browser.screenshot("start");

        register("alice", PASSWORD);
        logIn("alice", PASSWORD);
        sessionCookieIsHiddenFromScripts();

        String id = createNoteAsAlice();
        listArrivedCompressed();
        editNote(id, "Why the edge compresses (edited)", "version 2");
        browser.screenshot("note-edited", note(id, "h3"));

        logOut();
        creatingWithoutASessionShows401();

        register("bob", BOB_PASSWORD);
        logIn("bob", BOB_PASSWORD);
        editingAnotherPersonsNoteShows403(id);

        logOut();
        logIn("alice", PASSWORD);
        aStaleEditShows412AndTheCurrentVersion(id);
        deleteNote(id);
        aRevokedSessionShows401AndLogsThePageOut();
        pageLoggedNoScriptOrPolicyErrors();
    }

    private void register(String username, String password) throws Exception {
        type(By.id("account-username"), username);
        type(By.id("account-password"), password);
        click(By.id("register"));
        waitForText(By.id("account-message"), "Registered " + username + ".");
        browser.screenshot("registered-" + username);
    }

    private void logIn(String username, String password) throws Exception {
        type(By.id("account-username"), username);
        type(By.id("account-password"), password);
        click(By.id("log-in"));
        waitForText(By.id("who"), "Logged in as " + username + ".");
        assertFalse(find(By.id("account-form")).isDisplayed(), "the form gives way to Log out");
        browser.screenshot(username + "-logged-in");
    }

    private void logOut() throws Exception {
        click(By.id("log-out"));
        waitForText(By.id("who"), "Not logged in.");
        assertNull(browser.driver.manage().getCookieNamed(COOKIE), "the server cleared the cookie (Max-Age=0)");
        browser.screenshot("logged-out");
    }

    /** The browser holds the session as the contract says, and no script on the page can read it. */
    private void sessionCookieIsHiddenFromScripts() {
        Cookie cookie = browser.driver.manage().getCookieNamed(COOKIE);
        assertNotNull(cookie, "no " + COOKIE + " among " + browser.driver.manage().getCookies());
        assertTrue(cookie.isHttpOnly(), "HttpOnly");
        assertTrue(cookie.isSecure(), "Secure");
        assertEquals("Strict", cookie.getSameSite());
        assertEquals("/", cookie.getPath(), "__Host- requires Path=/");
        assertEquals("localhost", cookie.getDomain(), "__Host- requires a host-only cookie (no Domain)");
        assertTrue(cookie.getValue().matches("[A-Za-z0-9_-]{43}"), "256 bits in base64url");
        String visible = (String) browser.driver.executeScript("return document.cookie;");
        assertFalse(visible.contains(COOKIE), "document.cookie shows: " + visible);
        Object stored = browser.driver.executeScript("return localStorage.length + sessionStorage.length;");
        assertEquals(0L, stored, "the page keeps no token in web storage");
    }

    /** Returns the new note's id. */
    private String createNoteAsAlice() throws Exception {
        type(By.id("note-title"), "Why the edge compresses");
        type(By.id("note-body"), LONG_BODY);
        type(By.id("note-tags"), "gzip, etag");
        click(By.cssSelector("#note-form button[type=submit]"));
        WebElement first = waitFor(By.cssSelector("#notes > li.note"));
        waitForText(By.cssSelector("#notes > li.note h3"), "Why the edge compresses");
        assertEquals("alice", first.getDomAttribute("data-owner"));
        assertTrue(first.getText().contains("by alice"), first.getText());
        assertTrue(first.getDomAttribute("class").contains("own"), "marked as alice's own");
        browser.screenshot("note-created", By.cssSelector("#notes > li.note"));
        return first.getDomAttribute("data-note-id");
    }

    /** After a reload, the list with the long note came gzip-compressed (fewer bytes on the wire than in the body). */
    private void listArrivedCompressed() {
        browser.driver.navigate().refresh();
        waitForText(By.id("who"), "Logged in as alice.");
        waitFor(By.cssSelector("#notes > li.note"));
        @SuppressWarnings("unchecked")
        List<Long> sizes = (List<Long>) browser.driver.executeScript(
                "const e = performance.getEntriesByType('resource').filter(r => r.name.endsWith('/api/notes')).pop();"
                        + " return e ? [e.encodedBodySize, e.decodedBodySize] : null;");
        assertNotNull(sizes, "no resource timing for GET /api/notes");
        assertTrue(sizes.get(1) > 1024 && sizes.get(0) < sizes.get(1), "encoded vs decoded bytes: " + sizes);
    }

    /** Edit → the page GETs the note for its strong ETag → Save sends it as If-Match. */
    private void editNote(String id, String title, String expectedVersion) {
        WebElement editor = openEditor(id);
        String hint = editor.findElement(By.cssSelector(".hint")).getText();
        assertTrue(hint.matches("Saving sends If-Match: \"" + id + "\\.[0-9]+\""), "a strong ETag, not W/: " + hint);
        type(By.id("edit-title-" + id), title);
        editor.findElement(By.cssSelector("button[type=submit]")).click();
        waitForText(note(id, "h3"), title);
        waitForText(note(id, "p.hint"), expectedVersion);
    }

    private void creatingWithoutASessionShows401() throws Exception {
        type(By.id("note-title"), "Written by nobody");
        type(By.id("note-body"), "no session, no note");
        click(By.cssSelector("#note-form button[type=submit]"));
        String shown = waitFor(By.id("problem")).getText();
        assertTrue(shown.contains("(401)"), shown);
        assertTrue(shown.toLowerCase().contains("log in"), "the problem's detail tells the person what to do: " + shown);
        browser.screenshot("create-refused-401", By.id("problem"));
    }

    private void editingAnotherPersonsNoteShows403(String id) throws Exception {
        String before = find(note(id, "h3")).getText();
        openEditor(id);
        type(By.id("edit-title-" + id), "bob was here");
        click(note(id, "form.editor button[type=submit]"));
        String shown = waitFor(note(id, "form.editor .problem")).getText();
        assertTrue(shown.contains("(403)") && shown.contains("alice"), "names the owner: " + shown);
        assertEquals(before, find(note(id, "h3")).getText(), "the note is unchanged");
        browser.screenshot("edit-refused-403", note(id, "form.editor .problem"));
    }

    /** Alice opens the editor here, changes the note in a second tab, then saves here: 412, and the form reloads. */
    private void aStaleEditShows412AndTheCurrentVersion(String id) throws Exception {
        String firstTab = browser.driver.getWindowHandle();
        openEditor(id);
        browser.driver.switchTo().newWindow(WindowType.TAB);
        browser.driver.get(stack.https("/").toString());
        waitForText(By.id("who"), "Logged in as alice.");   // the same cookie, so the same session
        editNote(id, "Changed in another tab", "version 3");
        browser.screenshot("other-tab-saved", note(id, "h3"));
        browser.driver.close();
        browser.driver.switchTo().window(firstTab);

        type(By.id("edit-title-" + id), "A stale change");
        click(note(id, "form.editor button[type=submit]"));
        String shown = waitFor(note(id, "form.editor .problem")).getText();
        assertTrue(shown.contains("(412)") && shown.contains("changed"), shown);
        assertEquals("Changed in another tab", find(By.id("edit-title-" + id)).getDomProperty("value"), "reloaded");
        assertTrue(find(note(id, "p.hint")).getText().contains("version 3"), "the note shows the current version");
        browser.screenshot("stale-edit-412", note(id, "form.editor .problem"));

        type(By.id("edit-title-" + id), "A change made again on the current version");
        click(note(id, "form.editor button[type=submit]"));
        waitForText(note(id, "p.hint"), "version 4");
        browser.screenshot("saved-after-reload", note(id, "h3"));
    }

    private void deleteNote(String id) throws Exception {
        openEditor(id);
        click(note(id, "form.editor button.danger"));
        new WebDriverWait(browser.driver, WAIT).until(ExpectedConditions.numberOfElementsToBe(note(id, "h3"), 0));
        browser.screenshot("note-deleted", By.id("notes-heading"));
    }

    /**
     * The session ends elsewhere (as a log-out on another device or a password change would end it) while this
     * page still shows "Logged in": the browser keeps sending the now revoked cookie, the next write gets 401.
     */
    private void aRevokedSessionShows401AndLogsThePageOut() throws Exception {
        String token = browser.driver.manage().getCookieNamed(COOKIE).getValue();
        HttpResponse<String> revoked = stack.client(HttpClient.Version.HTTP_2).send(
                HttpRequest.newBuilder(stack.https("/api/sessions/current")).header("Authorization", "Bearer " + token)
                        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, revoked.statusCode(), revoked.body());

        assertEquals("Logged in as alice.", find(By.id("who")).getText(), "the page has not asked the server yet");
        type(By.id("note-title"), "Written with a revoked session");
        type(By.id("note-body"), "the cookie is still sent, but the server no longer knows it");
        click(By.cssSelector("#note-form button[type=submit]"));
        String shown = waitFor(By.id("problem")).getText();
        assertTrue(shown.contains("(401)") && shown.toLowerCase().contains("log in again"), shown);
        waitForText(By.id("who"), "Not logged in.");   // the page believes the server, not its own memory
        browser.screenshot("session-revoked-401", By.id("problem"));
    }

    /** A CSP violation or an uncaught error is a broken page even when every step above worked. */
    private void pageLoggedNoScriptOrPolicyErrors() {
        for (var entry : browser.driver.manage().logs().get(LogType.BROWSER)) {
            String message = entry.getMessage();
            assertFalse(message.contains("Content Security Policy") || message.contains("Uncaught"), message);
        }
    }

    private WebElement openEditor(String id) {
        click(note(id, "button.edit"));
        return waitFor(note(id, "form.editor"));
    }

    private static By note(String id, String inside) {
        return By.cssSelector("#notes > li[data-note-id='" + id + "'] " + inside);
    }

    private static WebElement find(By by) {
        return browser.driver.findElement(by);
    }

    private static WebElement waitFor(By by) {
        return new WebDriverWait(browser.driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void waitForText(By by, String text) {
        new WebDriverWait(browser.driver, WAIT).until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    private static void type(By by, String text) {
        WebElement field = waitFor(by);
        field.clear();
        field.sendKeys(text);
    }

    private static void click(By by) {
        new WebDriverWait(browser.driver, WAIT).until(ExpectedConditions.elementToBeClickable(by)).click();
    }
}
