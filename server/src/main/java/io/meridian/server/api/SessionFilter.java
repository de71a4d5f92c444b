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
 * The answer's {@code Meridian-Session} header (docs/consistency.md, "Sessions"): what a read or a write adds to the
 * caller's session, collected while the request runs on this thread ({@link #answer}) and sent with the answer, an
 * error's too (a not-found is a read as well).
 */
@Provider
@PreMatching
@Priority(1)
public final class SessionFilter implements ContainerRequestFilter, ContainerResponseFilter {

    private static final ThreadLocal<SessionToken> ANSWER = new ThreadLocal<>();

    @Override
    public void filter(ContainerRequestContext request) {
        ANSWER.remove();
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        SessionToken answer = ANSWER.get();
        ANSWER.remove();
        if (answer != null && !answer.isEmpty()) {
            response.getHeaders().putSingle(SessionToken.HEADER, answer.toString());
        }
    }

    /** Adds to what this thread's request answers in {@code Meridian-Session} (resources run on the request's thread). */
    public static void answer(SessionToken token) {
        SessionToken before = ANSWER.get();
        ANSWER.set(before == null ? token : before.merge(token));
    }
}
