package io.meridian.server.api;

import io.dropwizard.auth.AuthenticationException;
import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;
import io.meridian.server.auth.Caller;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the servlet filters that serve hot calls without Jersey's per-request pipeline share ({@code data.DirectRecords}
 * for records, {@code routing.DirectRouter} for the health probes and plan polls): when such a filter may be installed at
 * all, which requests are plain enough to take, and who the caller is, each decided exactly as Jersey and Dropwizard would.
 * A filter hands every request it does not take to Jersey unchanged, so anything unusual keeps the answer it had.
 */
public final class DirectPath {

    private DirectPath() { }

    /**
     * Whether the paths a filter sees are the paths Jersey serves ({@code server.rootPath} {@code /*}, the default); else a
     * filter would answer paths Jersey does not.
     */
    public static boolean jerseyAtRoot(io.dropwizard.core.server.ServerFactory factory) {
        return factory instanceof io.dropwizard.core.server.AbstractServerFactory server
                && server.getJerseyRootPath().map(p -> p.equals("/*") || p.equals("/")).orElse(true);
    }

    /** Each of these headers at most once (Jersey joins repeated ones, or refuses them). */
    public static boolean singleValued(HttpServletRequest request, List<String> names) {
        for (String name : names) {
            java.util.Enumeration<String> values = request.getHeaders(name);
            if (values != null && values.hasMoreElements()) {
                values.nextElement();
                if (values.hasMoreElements()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** An {@code Accept} that is absent or exactly JSON or anything (Jersey's content negotiation for the rest). */
    public static boolean plainlyJson(String accept) {
        if (accept == null) {
            return true;
        }
        String a = accept.trim().toLowerCase(Locale.ROOT);
        return a.equals("application/json") || a.equals("*/*");
    }

    /** A {@code GET} without a query string, a body or a {@code Content-Type}, whose {@code Accept} is plainly JSON. */
    public static boolean plainGet(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) && request.getQueryString() == null && request.getHeader("Content-Type") == null
                && request.getHeader("Transfer-Encoding") == null && request.getContentLengthLong() <= 0
                && plainlyJson(request.getHeader("Accept"));
    }

    /** The request's path below the context, if it is exactly {@code path} (nothing encoded, no trailing slash); else false. */
    public static boolean pathIs(HttpServletRequest request, String path) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        return uri != null && uri.length() == context.length() + path.length() && uri.startsWith(context)
                && uri.startsWith(path, context.length());
    }

    /** A failed call's answer as Jersey gives it: status, JSON body, {@code Retry-After} seconds (0: none). */
    public record Failure(int status, Object body, int retryAfterSeconds) {
    }

    /** Dropwizard's answer to an exception no mapper of ours takes, as Jersey gives it (500 with a logged id). */
    private static final io.dropwizard.jersey.errors.LoggingExceptionMapper<Throwable> UNEXPECTED =
            new io.dropwizard.jersey.errors.LoggingExceptionMapper<>() { };

    /** What Jersey answers to {@code e}: our mappers' answer ({@link ErrorMappers}), else Dropwizard's own 500. */
    public static Failure failure(Throwable e) {
        ErrorMappers.Answer error = ErrorMappers.answerOf(e);
        if (error == null) {
            jakarta.ws.rs.core.Response unexpected = UNEXPECTED.toResponse(e);
            return new Failure(unexpected.getStatus(), unexpected.getEntity(), 0);
        }
        return new Failure(error.status(), error.body(), error.retryAfterSeconds());
    }

    /**
     * Writes a JSON answer as Jersey's pipeline would: the status, {@code Retry-After} (0: none), {@code Connection: close}
     * when asked, this request's session headers ({@link SessionFilter}), the body with {@code writer}.
     */
    public static void answer(jakarta.servlet.http.HttpServletResponse response, com.fasterxml.jackson.databind.ObjectWriter writer,
            int status, Object body, int retryAfterSeconds, boolean close) throws java.io.IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        if (retryAfterSeconds > 0) {
            response.setHeader("Retry-After", Integer.toString(retryAfterSeconds));
        }
        if (close) {
            response.setHeader("Connection", "close");
        }
        SessionFilter.end(response::setHeader);
        writer.writeValue(response.getOutputStream(), body);
    }

    /**
     * The caller these HTTP Basic credentials authenticate, parsed as Dropwizard's {@code BasicCredentialAuthFilter} does;
     * null for anything else, which Jersey then refuses with its own 401.
     */
    public static Caller authenticated(Authenticator<BasicCredentials, Caller> authenticator, String header) {
        if (header == null) {
            return null;
        }
        int space = header.indexOf(' ');
        if (space <= 0 || !"Basic".equalsIgnoreCase(header.substring(0, space))) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(space + 1)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            Optional<Caller> caller = authenticator.authenticate(new BasicCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
            return caller.orElse(null);
        } catch (AuthenticationException e) {
            return null;
        }
    }
}
