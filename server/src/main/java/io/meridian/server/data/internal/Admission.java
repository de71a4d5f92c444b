package io.meridian.server.data.internal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.meridian.server.ApiException;
import java.util.concurrent.Semaphore;

/**
 * A bound on requests of one kind in flight in this server (reads; the write path's appends). Metrics
 * {@code meridian.<what>.in-flight} and {@code meridian.<what>.overloaded}. Past it a request is refused at once — 503 with
 * {@code Retry-After: 1}, within milliseconds — instead of waiting in a queue for seconds and growing memory (a server
 * once died of OutOfMemoryError under a burst of reads). Thread-safe.
 */
public final class Admission {

    private final String what;
    private final int max;
    private final Semaphore permits;
    private final Counter refused;

    public Admission(String what, int max, MetricRegistry metrics) {
        this.what = what;
        this.max = max;
        this.permits = new Semaphore(max);
        this.refused = metrics.counter("meridian." + what + ".overloaded");
        metrics.gauge("meridian." + what + ".in-flight", () -> () -> max - permits.availablePermits());
    }

    /** A permit, to be closed when the request is done; or 503 at once when none is free. */
    public Permit enter() {
        if (!permits.tryAcquire()) {
            refused.inc();
            throw ApiException.refused("this server is overloaded: " + max + " " + what + " in flight, its limit; retry later"
                    + " (or elsewhere)", 1);
        }
        return new Permit(permits);
    }

    /** An admitted request; closing it frees its place. */
    public static final class Permit implements AutoCloseable {
        private final Semaphore permits;
        private boolean closed;

        Permit(Semaphore permits) {
            this.permits = permits;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                permits.release();
            }
        }
    }
}
