package dev.roundtrip;

import static io.javalin.apibuilder.ApiBuilder.path;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.accounts.AccountRoutes;
import dev.roundtrip.accounts.Accounts;
import dev.roundtrip.db.DataDirectoryLock;
import dev.roundtrip.db.Database;
import dev.roundtrip.health.HealthRoutes;
import dev.roundtrip.http.AccessLog;
import dev.roundtrip.http.Authentication;
import dev.roundtrip.http.Cors;
import dev.roundtrip.http.Drain;
import dev.roundtrip.http.Json;
import dev.roundtrip.http.JettyErrors;
import dev.roundtrip.http.JsonBody;
import dev.roundtrip.http.ProblemResponses;
import dev.roundtrip.http.ProxyHeaders;
import dev.roundtrip.http.RequestIds;
import dev.roundtrip.journey.JourneyRepository;
import dev.roundtrip.journey.JourneyRoutes;
import dev.roundtrip.metrics.Metrics;
import dev.roundtrip.metrics.MetricsServer;
import dev.roundtrip.notes.NoteRepository;
import dev.roundtrip.notes.NoteRoutes;
import dev.roundtrip.notes.SearchGate;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.json.JavalinJackson;
import io.javalin.util.JavalinBindException;
import java.io.UncheckedIOException;
import java.time.Clock;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where Roundtrip is put together, top to bottom: config → database → repositories →
 * routes → Javalin. {@link #main} and the tests both start the app through {@link #create}.
 */
public final class App {

    private static final Logger LOG = LoggerFactory.getLogger(App.class);
    /** Bodies above this get 413; Nginx's client_max_body_size is set to the same 1 MiB. */
    static final long MAX_REQUEST_BYTES = 1024 * 1024;
    /** How long a stopping server waits for requests in flight (Jetty's default is 0: cut them off). */
    static final long STOP_TIMEOUT_MS = 10_000;
    /** Connections waiting to be accepted; the JDK default of 50 drops a burst of new connections. */
    static final int ACCEPT_QUEUE = 1024;
    /**
     * Request line plus headers. Nginx, the gate, accepts up to 4 × 8 KiB (large_client_header_buffers) and
     * adds ~1 KiB of its own: anything it lets through must reach the routes, whose answers carry Nginx's
     * request id. Jetty's default of 8 KiB would refuse some of it before the id is read.
     */
    static final int MAX_REQUEST_HEADER_BYTES = 40 * 1024;
    /**
     * How long a connection may send nothing (Jetty's default is 30 s). Nginx sends a body it has buffered at
     * once, so only a client straight on the app's port trickles one: each such body holds a worker thread
     * (the servlet read blocks), and 16 of them once stopped even /api/health. Above Nginx's upstream
     * keepalive_timeout of 4 s (nginx/conf.d/roundtrip.conf), so Nginx closes an idle connection first. What
     * remains: a local client sending one byte every 7 s holds a thread per connection; the app listens on
     * 127.0.0.1 only, and Jetty 12 has no minimum request data rate (HttpConfiguration's setting is unused).
     */
    static final long IDLE_TIMEOUT_MS = 8_000;

    private final Config config;
    private final DataDirectoryLock dataDirLock;
    private final Database database;
    private final MetricsServer metricsServer;
    private final Drain drain;
    private final Javalin javalin;

    private App(Config config, DataDirectoryLock dataDirLock, Database database, MetricsServer metricsServer, Drain drain,
                Javalin javalin) {
        this.config = config;
        this.dataDirLock = dataDirLock;
        this.database = database;
        this.metricsServer = metricsServer;
        this.drain = drain;
        this.javalin = javalin;
    }

    public static App create(Config config) {
        Metrics metrics = new Metrics();
        // SQLite: no second app, and no restore, while this one uses DATA_DIR (PostgreSQL has no data dir here);
        // with DATA_DIR_HANDOVER=on one successor may serve beside the app and take over when it exits.
        DataDirectoryLock dataDirLock = config.postgres() == null ? DataDirectoryLock.acquire(config.dataDir(),
                config.handover() ? DataDirectoryLock.Mode.SUCCESSOR : DataDirectoryLock.Mode.APP) : null;
        Database database;
        try {
            database = Database.open(config, metrics.registry());
        } catch (RuntimeException e) {
            release(dataDirLock);
            throw e;
        }
        MetricsServer metricsServer = new MetricsServer(config.metricsHost(), config.metricsPort(), metrics);
        ObjectMapper json = Json.mapper();
        JsonBody jsonBody = new JsonBody(json);
        Accounts accounts = new Accounts(database, Clock.systemUTC()); // Argon2id on threads of its own, a bounded queue
        Authentication authentication = new Authentication(accounts.sessions()); // http/ knows a principal, not users
        AccountRoutes accountRoutes = new AccountRoutes(accounts, authentication, jsonBody);
        // A few searches at once and a few waiting, not a core and a thread each.
        SearchGate searches = new SearchGate(SearchGate.CONCURRENT, SearchGate.WAITING, SearchGate.WAIT);
        NoteRoutes notes = new NoteRoutes(
                new NoteRepository(database, json, Clock.systemUTC(), NoteRepository.SEARCH_LIMIT, searches), jsonBody,
                authentication);
        HealthRoutes health = new HealthRoutes(database);
        JourneyRoutes journey = new JourneyRoutes(new JourneyRepository(database), authentication);
        Cors cors = new Cors(config.corsOrigins()); // closed unless CORS_ORIGINS lists origins
        ProblemResponses problems = new ProblemResponses(json);
        Drain drain = new Drain();

        Javalin javalin = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.http.maxRequestSize = MAX_REQUEST_BYTES;
            cfg.http.prefer405over404 = true; // PATCH /api/notes/1 is "wrong method" (405), not "no such thing"
            // Nginx compresses at the edge (nginx/snippets/gzip.conf); doing it here too would spend the app's
            // CPU on answers Nginx then passes on as they are.
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.contextResolver.ip = ProxyHeaders::clientIp;
            cfg.contextResolver.scheme = ProxyHeaders::scheme;
            // A fixed pool (acceptor, selector and workers, APP_THREADS): on two cores a few threads that queue
            // requests in turn serve as much as Javalin's default of up to 250, with less memory (docs/performance.md).
            QueuedThreadPool threads = new QueuedThreadPool(config.threads(), config.threads());
            threads.setName("JettyServerThreadPool");
            cfg.jetty.threadPool = threads;
            cfg.jetty.addConnector((server, httpConfig) -> {
                httpConfig.setRequestHeaderSize(MAX_REQUEST_HEADER_BYTES);
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(config.host());
                connector.setPort(config.port());
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                connector.setIdleTimeout(IDLE_TIMEOUT_MS);
                return connector;
            });
            cfg.jetty.modifyServer(server -> {
                metrics.bindThreadPool(server.getThreadPool());
                server.setStopTimeout(STOP_TIMEOUT_MS);
                server.insertHandler(new GracefulHandler()); // on stop: refuse new requests, finish the ones in flight
                server.insertHandler(drain); // before that, on stop: let Nginx move new requests to other replicas
                server.setErrorHandler(new JettyErrors()); // problem+json even for requests Javalin never sees
            });
            AccessLog accessLog = new AccessLog();
            cfg.requestLogger.http((ctx, ms) -> {
                metrics.recordRequest(ctx, ms);
                accessLog.handle(ctx, ms);
            });
            cfg.events.serverStarting(metricsServer::start);
            cfg.events.serverStopped(() -> { // after the last request: the database outlives every request
                metricsServer.stop();
                accounts.close();
                database.close();
                release(dataDirLock); // after the database: a restore may begin only once it is closed
                metrics.close();
            });
            cfg.routes.before(RequestIds::assign);
            cfg.routes.before("/api/*", cors::annotate);
            cfg.routes.before("/api/*", Authentication::refuseCredentialsInUrl);
            cfg.routes.before("/api/*", cors::preflight); // answers a CORS preflight and ends it there
            problems.register(cfg.routes);
            cfg.routes.apiBuilder(() -> path("api", () -> {
                health.addRoutes();
                accountRoutes.addRoutes();
                notes.addRoutes();
                journey.addRoutes();
            }));
        });
        return new App(config, dataDirLock, database, metricsServer, drain, javalin);
    }

    private static void release(DataDirectoryLock lock) {
        if (lock != null) {
            lock.close();
        }
    }

    public App start() {
        javalin.start();
        String store = database.engine() == Database.Engine.SQLITE
                ? "SQLite " + database.location() + " (synchronous=" + config.synchronous() + ")"
                : "PostgreSQL " + database.location() + " (pool of " + config.postgres().poolSize() + ")";
        LOG.info("Roundtrip listening on http://{}:{} with database {}; metrics on http://{}:{}/metrics",
                config.host(), port(), store, config.metricsHost(), metricsServer.port());
        return this;
    }

    /**
     * Stops without losing a request: drains (refuses new connections, answers those still open with
     * Connection: close until Nginx lets go, up to 5 s), then waits for requests in flight (up to 10 s),
     * then closes the database.
     */
    public void stop() {
        if (javalin.jettyServer().server().isStarted()) {
            try {
                drain.drain(javalin.jettyServer().server());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        javalin.stop();
    }

    public int port() {
        return javalin.port();
    }

    public int metricsPort() {
        return metricsServer.port();
    }

    /** The Javalin instance, for JavalinTest. */
    public Javalin javalin() {
        return javalin;
    }

    public static void main(String[] args) {
        // First: a library that quotes the database password (in a log line, in an exception) prints ****.
        Secrets.maskStandardStreams(Secrets.fromEnv(System.getenv()));
        App app;
        try {
            app = create(Config.fromEnv(System.getenv()));
        } catch (Config.ConfigException | Database.OpenException | DataDirectoryLock.HeldException | UncheckedIOException e) {
            System.err.println("roundtrip: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            app.start();
        } catch (JavalinBindException e) {
            Config config = app.config;
            System.err.println("roundtrip: cannot listen on " + config.host() + ":" + config.port()
                    + ": address already in use or not allowed (set APP_PORT / APP_HOST)");
            app.database.close();
            release(app.dataDirLock);
            System.exit(1);
            return;
        }
        // Javalin registers no shutdown hook: without this, SIGTERM would cut requests in flight.
        Runtime.getRuntime().addShutdownHook(new Thread(app::stop, "shutdown"));
    }
}
