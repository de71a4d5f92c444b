package io.meridian.server.api;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/**
 * The server's metric registry: every timer and histogram on Dropwizard's lock-free forward-decaying reservoir instead of
 * the default one, the same algorithm (1,028 samples, α 0.015, biased to the last 5 minutes) without its lock and
 * {@code ConcurrentSkipListMap} insert, which a profile of the request threads found to be their hottest single frame
 * (docs/benchmarks.md, "The direct path, and a thread per answer"). Dropwizard's Jetty handler times every request,
 * Jersey every resource method, so this is paid per request. Also where a caller passes its own supplier: Jersey's
 * builds the default reservoir on the default clock, so nothing but the reservoir changes.
 */
public final class LockFreeMetricRegistry extends MetricRegistry {

    private static final MetricSupplier<Timer> TIMERS = () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build());
    private static final MetricSupplier<Histogram> HISTOGRAMS =
            () -> new Histogram(LockFreeExponentiallyDecayingReservoir.builder().build());

    @Override
    public Timer timer(String name) {
        return super.timer(name, TIMERS);
    }

    @Override
    public Timer timer(String name, MetricSupplier<Timer> supplier) {
        return super.timer(name, TIMERS);
    }

    @Override
    public Histogram histogram(String name) {
        return super.histogram(name, HISTOGRAMS);
    }

    @Override
    public Histogram histogram(String name, MetricSupplier<Histogram> supplier) {
        return super.histogram(name, HISTOGRAMS);
    }
}
