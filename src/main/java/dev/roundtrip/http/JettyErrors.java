package dev.roundtrip.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before Javalin sees the request (a URI or headers too long, an unparseable
 * request line) in the same problem+json shape as every other error, instead of Jetty's HTML page.
 */
public final class JettyErrors extends ErrorHandler {

    /** Jetty writes an error body only for GET, POST and HEAD by default: a bad DELETE or PUT got an empty 400. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        // The headers were read (e.g. a path Jetty refuses to decode): keep Nginx's id, as the app would.
        String requestId = RequestIds.takeOrMint(request.getHeaders().get(RequestIds.HEADER));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
        response.getHeaders().put(RequestIds.HEADER, requestId);
        Content.Sink.write(response, true, problem(code, requestId), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        // The request could not be parsed, so it has no headers to take an id from.
        String requestId = RequestIds.mint();
        fields.put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
        fields.put(RequestIds.HEADER, requestId);
        return ByteBuffer.wrap(problem(status, requestId).getBytes(StandardCharsets.UTF_8));
    }

    /** Built by hand: every value is a fixed phrase or a hex id, so nothing needs JSON escaping. */
    private static String problem(int status, String requestId) {
        String title = HttpStatus.getMessage(status);
        return "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"The server could not process this request: " + title.toLowerCase(java.util.Locale.ROOT)
                + ".\",\"requestId\":\"" + requestId + "\",\"errors\":[]}";
    }
}
