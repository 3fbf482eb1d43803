package dev.roundtrip.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium driven through Debian's chromium-driver by Selenium WebDriver: a browser a test can type
 * into and click, unlike {@link HeadlessChromium}'s one-shot dumps. Same isolation as there: a fresh profile,
 * no background services, every host but localhost unresolvable. It trusts exactly the stack's own
 * certificate (by its public key), not every certificate, so TLS is checked as a real browser checks it.
 */
final class Browser implements AutoCloseable {

    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    final ChromeDriver driver;
    private final Path screenshots;
    private int step;

    private Browser(ChromeDriver driver, Path screenshots) {
        this.driver = driver;
        this.screenshots = screenshots;
    }

    /** Fails with one line naming the package when chromedriver or chromium is missing (make test installs both). */
    static void requireInstalled() {
        HeadlessChromium.requireInstalled();
        if (!Files.isExecutable(DRIVER)) {
            fail(DRIVER + " not found: `make test` installs it (as root), or: sudo apt-get install -y chromium-driver");
        }
    }

    /** Starts Chromium for {@code stack}; screenshots go to {@code screenshots} (emptied first). */
    static Browser start(EdgeStack stack, Path screenshots) throws Exception {
        requireInstalled();
        deletePngs(screenshots);
        Files.createDirectories(screenshots);
        Path profile = Files.createTempDirectory(stack.dir, "webdriver-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
                "--user-data-dir=" + profile, "--window-size=1280,1400",
                // Honoured only with --user-data-dir: trust this one key, not "any certificate".
                "--ignore-certificate-errors-spki-list=" + publicKeyPin(stack.dir.resolve("certs/localhost.crt")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);   // the page's console, read by the test after the flow
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(stack.dir.resolve("chromedriver.log").toFile())
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
        return new Browser(driver, screenshots);
    }

    /** Saves what the browser shows as NN-name.png, numbered in the order of the steps. */
    void screenshot(String name) throws IOException {
        step++;
        byte[] png = driver.getScreenshotAs(OutputType.BYTES);
        Files.write(screenshots.resolve(String.format("%02d-%s.png", step, name)), png);
    }

    /** As {@link #screenshot(String)}, with {@code subject} scrolled to the middle of the window first. */
    void screenshot(String name, By subject) throws IOException {
        driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", driver.findElement(subject));
        screenshot(name);
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo: the form Chromium's SPKI list takes. */
    private static String publicKeyPin(Path certificate) throws Exception {
        try (InputStream in = Files.newInputStream(certificate)) {
            byte[] spki = CertificateFactory.getInstance("X.509").generateCertificate(in).getPublicKey().getEncoded();
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        }
    }

    /** Old screenshots from an earlier run would mislead: a step that no longer runs must leave no picture. */
    private static void deletePngs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path png : files.filter(path -> path.toString().endsWith(".png")).toList()) {
                Files.delete(png);
            }
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
