package dev.roundtrip.journey;

import static io.javalin.apibuilder.ApiBuilder.get;

import dev.roundtrip.http.Authentication;
import dev.roundtrip.http.RequestIds;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Jetty;

/**
 * {@code GET /api/journey}: what each hop saw of the very request that asks. Nginx knows things the app
 * cannot (TLS, the client's port, the HTTP version it spoke with the client), so it passes them as
 * request headers set from its own variables (nginx/snippets/proxy.conf); a client cannot forge them
 * through Nginx, which overwrites them. Called directly on the app's port, there is no edge to show.
 */
public final class JourneyRoutes {

    static final String NO_EDGE = "Called directly on the app's port: no Nginx edge was crossed, so there is "
            + "no TLS, no HTTP/2 and no client port to show. Call it through Nginx (make run: https://localhost:8443/api/journey).";
    private static final String JAVALIN_VERSION = mavenVersion("io.javalin", "javalin");

    static final String CHECKED_BY = "the SHA-256 of the token, looked up by primary key in the sessions table "
            + "(the database never holds the token itself)";
    private final JourneyRepository repository;
    private final Authentication authentication;
    /**
     * Tells replicas apart on a public page without telling anyone the host name or process id: random, minted
     * when the app starts (a restarted replica gets a new one), shown with the port it listens on.
     */
    private final String instanceId = RequestIds.mint().substring(0, 8);

    public JourneyRoutes(JourneyRepository repository, Authentication authentication) {
        this.repository = repository;
        this.authentication = authentication;
    }

    /** Declares the route; call inside {@code path("api", …)}. */
    public void addRoutes() {
        get("journey", this::show);
    }

    void show(Context ctx) {
        Request jetty = ServletContextRequest.getServletContextRequest(ctx.req());
        EdgeHeaders edge = EdgeHeaders.from(ctx);
        Journey.Identity identity = identity(authentication.check(ctx));
        Journey.Database database = repository.describe();
        long requestsOnConnection = jetty.getConnectionMetaData().getConnection().getMessagesIn();
        Journey.ProxyHop hop = new Journey.ProxyHop(ctx.req().getProtocol(), jetty.getConnectionMetaData().isPersistent(),
                ctx.req().getLocalAddr() + ":" + ctx.req().getLocalPort(),
                ctx.req().getRemoteAddr() + ":" + ctx.req().getRemotePort(),
                requestsOnConnection, requestsOnConnection > 1);
        long insideAppMicros = (System.nanoTime() - jetty.getBeginNanoTime()) / 1_000;
        Instant appStart = Instant.now().minusNanos(insideAppMicros * 1_000);
        Journey.App app = new Journey.App("Jetty " + Jetty.VERSION, "Javalin " + JAVALIN_VERSION,
                System.getProperty("java.version"), ctx.method().name() + " " + ctx.endpoint().path,
                Thread.currentThread().getName(), isVirtual(Thread.currentThread()),
                instanceId + ":" + ctx.req().getLocalPort(), insideAppMicros);
        String requestId = RequestIds.of(ctx);
        Journey journey = edge == null
                ? new Journey(requestId, false, NO_EDGE,
                        new Journey.Client(ctx.req().getRemoteAddr(), ctx.req().getRemotePort()), null, hop, app, identity, database,
                        new Journey.Timings(null, null, insideAppMicros, database.queryMicros()))
                : new Journey(requestId, true, null, edge.client(), edge.toEdge(requestId), hop, app, identity, database,
                        new Journey.Timings(edge.edgeMicros(), edge.proxyHopMicros(appStart), insideAppMicros,
                                database.queryMicros()));
        ctx.json(journey);
    }

    private static Journey.Identity identity(Authentication.Check check) {
        if (check.via() == null) {
            return new Journey.Identity("none", null, "anonymous: reading is open to everyone; writing needs a session", null);
        }
        String result = check.principal() != null ? "signed in as " + check.principal().name() : "refused: " + check.refusal();
        return new Journey.Identity(check.via().name().toLowerCase(java.util.Locale.ROOT), CHECKED_BY, result,
                check.lookupNanos() / 1_000);
    }

    /** Thread.isVirtual() exists from Java 21; this app is compiled for 17 and runs on both. */
    private static boolean isVirtual(Thread thread) {
        try {
            return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private static String mavenVersion(String group, String artifact) {
        String resource = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = JourneyRoutes.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
