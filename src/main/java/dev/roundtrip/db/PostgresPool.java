package dev.roundtrip.db;

import com.zaxxer.hikari.HikariConfig;
import dev.roundtrip.Config;
import dev.roundtrip.Secrets;

/**
 * Connections to a PostgreSQL server that several app servers share. Every timeout is short and explicit:
 * when the server is down or restarting, a request gets a 503 within seconds instead of hanging, and the
 * pool replaces broken connections by itself once the server is back (no app restart).
 */
final class PostgresPool {

    /** How long a request waits for a free connection (or a new one) before it is answered 503. */
    static final int CONNECTION_TIMEOUT_MS = 2_000;
    /** At start, how long to keep trying the server before the app stops with a clear message. */
    static final int START_TIMEOUT_MS = 5_000;

    private PostgresPool() {
    }

    static HikariConfig config(Config.Postgres postgres) {
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(postgres.url());
        if (postgres.user() != null) {
            pool.setUsername(postgres.user());
        }
        if (postgres.password() != null) {
            pool.setPassword(postgres.password());
        }
        pool.setPoolName("postgresql");
        pool.setMaximumPoolSize(postgres.poolSize()); // DATABASE_POOL_SIZE: this replica's share of max_connections
        pool.setMinimumIdle(postgres.poolSize());
        pool.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        pool.setInitializationFailTimeout(START_TIMEOUT_MS);
        pool.setValidationTimeout(1_000);
        pool.addDataSourceProperty("connectTimeout", "2");   // seconds: a server that does not answer is down
        pool.addDataSourceProperty("socketTimeout", "20");   // seconds: no query may outlive Nginx's 30 s read timeout
        pool.addDataSourceProperty("tcpKeepAlive", "true");  // notice a dead server on idle connections too
        pool.addDataSourceProperty("ApplicationName", "roundtrip"); // shown in pg_stat_activity
        return pool;
    }

    /** The URL as it may be logged and shown: a password (password=, sslpassword=, user:password@) is masked. */
    static String withoutPassword(String url) {
        return Secrets.maskUrl(url);
    }
}
