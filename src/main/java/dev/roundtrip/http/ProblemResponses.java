package dev.roundtrip.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.roundtrip.db.DatabaseErrors;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.MethodNotAllowedResponse;
import java.util.List;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an {@code application/problem+json} answer (RFC 9457): our own
 * {@link ProblemException}s, Javalin's 404/405/413, a database that is unavailable for now (503, try again),
 * and unexpected exceptions, which become a 500 with no stack trace in the body (the trace goes to the log,
 * next to the request id).
 */
public final class ProblemResponses {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemResponses.class);
    private static final int MAX_INSTANCE = 256;
    private final ObjectMapper mapper;

    public ProblemResponses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void register(RoutesConfig routes) {
        routes.exception(ProblemException.class, (e, ctx) -> write(ctx, e));
        routes.exception(HttpResponseException.class, this::fromJavalin);
        routes.exception(Exception.class, (e, ctx) -> {
            if (isBrokenRequest(e)) { // the client's fault: no stack trace, one line
                LOG.info("broken request {} {}: {}", ctx.method().name(), ClientText.echo(ctx.path(), MAX_INSTANCE),
                        ClientText.echo(String.valueOf(e), MAX_INSTANCE));
                write(ctx, new ProblemException(400, "about:blank", "Bad Request",
                        "The request body ended early or was malformed.", List.of()));
                return;
            }
            var refusal = DatabaseErrors.refusal(e); // down, busy, out of connections or disk: not a bug
            if (refusal.isPresent()) {
                LOG.warn("database refused {} {}: {}", ctx.method().name(), ctx.path(), e.toString());
                ctx.header("Retry-After", String.valueOf(refusal.get().retryAfterSeconds()));
                write(ctx, new ProblemException(refusal.get().status(), refusal.get().type(), refusal.get().title(),
                        refusal.get().detail(), List.of()));
                return;
            }
            LOG.error("unexpected error on {} {}", ctx.method().name(), ctx.path(), e);
            write(ctx, new ProblemException(500, "about:blank", "Internal Server Error",
                    "Something went wrong on our side. Quote the request id if you report it.", List.of()));
        });
    }

    /**
     * Jetty reports a body cut short, a broken chunked encoding, a huge chunk extension or trailer as an
     * EofException (HttpConnection's HttpEofException is one) or an HttpException such as BadMessageException,
     * often wrapped by the servlet layer: look through the cause chain (bounded, in case of a cycle).
     */
    static boolean isBrokenRequest(Throwable e) {
        for (int depth = 0; e != null && depth < 16; depth++, e = e.getCause()) {
            if (e instanceof EofException || e instanceof HttpException) {
                return true;
            }
        }
        return false;
    }

    private void fromJavalin(HttpResponseException e, Context ctx) {
        HttpStatus status = HttpStatus.forStatus(e.getStatus());
        String detail = switch (e.getStatus()) {
            case 404 -> "No resource at " + ctx.method().name() + " " + ctx.path() + ".";
            case 405 -> "Method " + ctx.method().name() + " is not allowed on " + ctx.path() + ".";
            case 413 -> "The request body is larger than the limit of 1 MiB.";
            default -> e.getMessage();
        };
        if (e instanceof MethodNotAllowedResponse) {
            String allowed = e.getDetails().getOrDefault("availableMethods", e.getDetails().get("Available methods"));
            if (allowed != null) {
                ctx.header("Allow", allowed);
            }
        }
        write(ctx, new ProblemException(e.getStatus(), "about:blank", status.getMessage(), detail, List.of()));
    }

    private void write(Context ctx, ProblemException e) {
        // The path is the client's: a 30 KiB one must not make a 60 KiB answer (it is in detail, too).
        Problem problem = new Problem(e.type(), e.title(), e.status(), e.getMessage(), ClientText.echo(ctx.path(), MAX_INSTANCE),
                RequestIds.of(ctx), e.errors());
        e.headers().forEach(ctx::header);
        try {
            ctx.status(e.status()).contentType(Problem.CONTENT_TYPE).result(mapper.writeValueAsBytes(problem));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
