package dev.roundtrip.journey;

/**
 * What each hop saw of one request, as {@code GET /api/journey} returns it. Every value comes from the
 * live request or a real component; a value that cannot be measured on this path is null.
 */
public record Journey(String requestId, boolean viaEdge, String note, Client client, Edge edge, ProxyHop proxyHop,
                      App app, Identity identity, Database database, Timings timings) {

    /** The client as Nginx saw it (or, without Nginx, the socket peer). */
    public record Client(String address, Integer port) {
    }

    /** Nginx: what it negotiated with the client. Null when the request did not come through Nginx. */
    public record Edge(String server, String scheme, String httpVersion, String tlsProtocol, String tlsCipher,
                       String sni, String host, Integer listenPort, String requestId, String receivedAt,
                       Long clientConnectionRequests) {
    }

    /** The connection between Nginx and the app. */
    public record ProxyHop(String httpVersion, boolean keepAlive, String appAddress, String peerAddress,
                           long requestsOnConnection, boolean reused) {
    }

    /**
     * Javalin on Jetty: who handled the request, on which thread, for how long so far. {@code instance} names
     * this app server (a random id minted at start, then its port: {@code 3f9a1c0e:8000}), so with several
     * replicas behind Nginx you see which one answered, and nobody learns the host name or process id.
     */
    public record App(String server, String framework, String java, String handler, String thread,
                      boolean virtualThread, String instance, long insideAppMicros) {
    }

    /**
     * Who you are, as the app found out: which credential came ({@code none}, {@code bearer} or {@code cookie}),
     * how it was checked, what that showed (a username, or why not) and how long the lookup took. Never the token.
     */
    public record Identity(String credential, String checkedBy, String result, Long lookupMicros) {
    }

    /**
     * The database, through Jdbi: engine (SQLite or PostgreSQL), version, its write-ahead log and durability
     * settings, and one real, timed query.
     */
    public record Database(String engine, String version, String journalMode, String synchronous, String query,
                           long rows, long queryMicros) {
    }

    /** Time spent per hop, in microseconds (Nginx's clock has millisecond resolution). */
    public record Timings(Long edgeMicros, Long proxyHopMicros, long appMicros, long databaseMicros) {
    }
}
