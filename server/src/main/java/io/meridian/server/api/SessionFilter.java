package io.meridian.server.api;

import io.meridian.core.SessionToken;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * The answer's session headers (docs/consistency.md, "Sessions"): {@code Meridian-Session}, what a write adds to the
 * caller's session ({@link #answer}), and {@code Meridian-Session-Satisfied: true} on an answer given after the
 * request's session was honoured ({@link #satisfied}; a not-found too), so a client can tell a server that ignores
 * sessions. Collected while the request runs on this thread.
 */
@Provider
@PreMatching
@Priority(1)
public final class SessionFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final ThreadLocal<SessionToken> ANSWER = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> SATISFIED = new ThreadLocal<>();

    @Override
    public void filter(ContainerRequestContext request) {
        begin();
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        end(response.getHeaders()::putSingle);
    }

    /** A request starts on this thread: nothing to answer yet. */
    public static void begin() {
        ANSWER.remove();
        SATISFIED.remove();
    }

    /** This thread's request ends: its session headers, if any, go to {@code header} (name, value). */
    public static void end(java.util.function.BiConsumer<String, String> header) {
        SessionToken answer = ANSWER.get();
        ANSWER.remove();
        boolean satisfied = Boolean.TRUE.equals(SATISFIED.get());
        SATISFIED.remove();
        if (answer != null && !answer.isEmpty()) {
            header.accept(SessionToken.HEADER, answer.toString());
        }
        if (satisfied) {
            header.accept(SessionToken.SATISFIED_HEADER, "true");
        }
    }

    /** This thread's request had its session honoured: whatever it answers now is not older than the session. */
    public static void satisfied() {
        SATISFIED.set(Boolean.TRUE);
    }

    /** Adds to what this thread's request answers in {@code Meridian-Session} (resources run on the request's thread). */
    public static void answer(SessionToken token) {
        SessionToken before = ANSWER.get();
        ANSWER.set(before == null ? token : before.merge(token));
    }
}
