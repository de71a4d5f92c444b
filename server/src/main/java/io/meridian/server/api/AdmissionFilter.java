package io.meridian.server.api;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.meridian.core.wire.ErrorResponse;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;

/**
 * The first in-flight bound of the data API, in front of Jersey: past {@code max} requests in this server, a request
 * is answered 503 with {@code Retry-After: 1} at once, before authentication, routing or reading its body. Past
 * capacity every refusal must be cheaper than the work it saves, or the refusals themselves queue up (measured: the
 * same refusals answered after the Jersey pipeline took seconds under an overload, see docs/benchmarks.md). The
 * bounds of reads and appends behind it stay. Thread-safe.
 */
public final class AdmissionFilter implements Filter {

    private final int max;
    private final Semaphore permits;
    private final Counter refused;
    private final byte[] body;

    public AdmissionFilter(int max, MetricRegistry metrics) {
        this.max = max;
        this.permits = new Semaphore(max);
        this.refused = metrics.counter("meridian.requests.overloaded");
        metrics.gauge("meridian.requests.in-flight", () -> () -> max - permits.availablePermits());
        this.body = ("{\"code\":503,\"message\":\"this server is overloaded: " + max + " data requests in flight, its limit;"
                + " retry later (or elsewhere)\",\"reason\":\"" + ErrorResponse.NOT_WRITTEN + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (!permits.tryAcquire()) {
            refused.inc();
            HttpServletResponse r = (HttpServletResponse) response;
            r.setStatus(503);
            r.setHeader("Retry-After", "1");
            r.setContentType("application/json");
            r.setContentLength(body.length);
            r.getOutputStream().write(body);
            return;
        }
        try {
            chain.doFilter(request, response);
        } finally {
            permits.release();
        }
    }

    /** The bound. */
    public int max() {
        return max;
    }
}
