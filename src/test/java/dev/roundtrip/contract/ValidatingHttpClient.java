package dev.roundtrip.contract;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A java.net.http.HttpClient that checks every /api/ response it receives against openapi.yaml and
 * throws an AssertionError when one breaks the contract. The tests use it everywhere (JavalinTest's
 * client and the end-to-end stack's), so the document cannot drift from the code unnoticed.
 */
public final class ValidatingHttpClient extends HttpClient {

    private final HttpClient delegate;
    private final ContractValidator contract;

    public ValidatingHttpClient(HttpClient delegate, ContractValidator contract) {
        this.delegate = delegate;
        this.contract = contract;
    }

    public static HttpClient wrap(HttpClient delegate) {
        return new ValidatingHttpClient(delegate, ContractValidator.PROJECT);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return check(delegate.send(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return delegate.sendAsync(request, handler).thenApply(this::check);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        return delegate.sendAsync(request, handler, push).thenApply(this::check);
    }

    private <T> HttpResponse<T> check(HttpResponse<T> response) {
        String path = normalise(response.request().uri().getPath());
        if (!path.startsWith("/api/") || response.statusCode() == 301) {
            return response; // static files and the port-80 redirect are Nginx's, not the API's
        }
        String body = response.body() instanceof String text ? text : null;
        List<String> problems = contract.validate(response.request().method(), path, response.statusCode(),
                response.headers().map(), body);
        if (!problems.isEmpty()) {
            throw new AssertionError("response breaks openapi.yaml: " + response.request().method() + " "
                    + response.request().uri() + " → " + response.statusCode() + "\n  " + String.join("\n  ", problems));
        }
        return response;
    }

    /**
     * "/api/../x" and "/api/%2e%2e/x" are "/x" to Nginx too: the decoded path with its dot segments
     * resolved (and no trailing slash). Plain string work: a path may hold any character, even a NUL.
     */
    static String normalise(String decodedPath) {
        java.util.Deque<String> segments = new java.util.ArrayDeque<>();
        for (String segment : decodedPath.split("/")) {
            if (segment.equals("..")) {
                segments.pollLast();
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                segments.addLast(segment);
            }
        }
        return "/" + String.join("/", segments);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }
}
