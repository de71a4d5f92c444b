package io.meridian.server.api;

import io.meridian.core.Traceparent;
import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
import org.slf4j.MDC;

/**
 * The request's W3C trace: its {@code traceparent} when valid, else a new trace (W3C: an invalid one is ignored). The
 * trace id is in the logging context ({@code %X{trace}}) while the request runs, so every line it logs names it; the
 * write path puts the trace on the write's log record, so each region's applier logs it too ({@code meridian.trace}).
 */
@Provider
@PreMatching
@Priority(0) // before authentication: a refused request is logged with its trace too
public final class TraceFilter implements ContainerRequestFilter, ContainerResponseFilter {

    /** The logging-context key of the trace id. */
    public static final String MDC_KEY = "trace";
    private static final ThreadLocal<Traceparent> CURRENT = new ThreadLocal<>();

    @Override
    public void filter(ContainerRequestContext request) {
        begin(request.getHeaderString(Traceparent.HEADER));
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        end();
    }

    /** A request with this {@code traceparent} header (null: none) starts on this thread. */
    public static void begin(String traceparent) {
        Traceparent trace = Traceparent.parse(traceparent).orElseGet(Traceparent::newTrace);
        CURRENT.set(trace);
        MDC.put(MDC_KEY, trace.traceId());
    }

    /** This thread's request has ended. */
    public static void end() {
        MDC.remove(MDC_KEY);
        CURRENT.remove();
    }

    /** The trace of the request this thread serves (resources run on the request's thread); null outside one. */
    public static Traceparent current() {
        return CURRENT.get();
    }
}
