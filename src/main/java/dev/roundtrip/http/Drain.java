package dev.roundtrip.http;

import java.time.Duration;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The first step of a graceful stop, so that Nginx loses no request — not even a POST — when an app server
 * stops while others keep serving (a rolling restart). Jetty's own graceful stop would answer requests that
 * arrive on kept-alive connections with 503, and Nginx does not resend a POST that reached an app.
 * Draining instead:
 * <ol>
 *   <li>closes the listening socket: a new connection is refused, so Nginx sends that request to another
 *       replica (a refused connection carried nothing, so even a POST is safe to resend);</li>
 *   <li>keeps answering requests on the connections already open, each with {@code Connection: close}, so
 *       Nginx stops reusing them;</li>
 *   <li>ends when no connection is left, or after {@link #MAX}: Nginx closes an idle upstream connection
 *       after its keepalive_timeout (nginx/conf.d/roundtrip.conf), which is shorter.</li>
 * </ol>
 * Then Jetty's graceful stop finishes whatever is still in flight.
 */
public final class Drain extends Handler.Wrapper {

    /** Longer than Nginx's upstream keepalive_timeout (4 s), by which time Nginx has let go of every idle connection. */
    public static final Duration MAX = Duration.ofSeconds(5);

    private volatile boolean draining;

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (draining) {
            response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        return super.handle(request, response, callback);
    }

    /** Closes the listeners, then waits until the connections that remain are closed, or {@link #MAX} passed. */
    public void drain(Server server) throws InterruptedException {
        draining = true;
        for (Connector connector : server.getConnectors()) {
            if (connector instanceof ServerConnector listener) {
                listener.close(); // stop accepting: connections already open stay open
            }
        }
        long deadline = System.nanoTime() + MAX.toNanos();
        while (openConnections(server) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static int openConnections(Server server) {
        int open = 0;
        for (Connector connector : server.getConnectors()) {
            open += connector.getConnectedEndPoints().size();
        }
        return open;
    }
}
