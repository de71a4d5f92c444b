package io.meridian.client;

import io.meridian.core.wire.RoutingPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's meters in a Micrometer registry ({@code MeridianClient.builder().listener(new MicrometerMetrics(registry))}):
 * <ul>
 *   <li>{@code meridian.client.calls} (timer; tags {@code operation}, {@code region}, {@code outcome}): every call, from
 *       the call to its end, across its attempts; {@code region} is the last attempt's ({@code none}: nothing sent);</li>
 *   <li>{@code meridian.client.attempts} (timer; tags {@code operation}, {@code region}, {@code status}: the HTTP status,
 *       {@code none} when no answer came);</li>
 *   <li>{@code meridian.client.failovers} (counter; tags {@code operation}, {@code region}: where the attempt went),
 *       attempts sent to another region than the call's first;</li>
 *   <li>{@code meridian.client.hedges} (counter; tags {@code operation}, {@code region}: where the hedge went), reads'
 *       second attempts sent while the first was still running ({@link CallOptions#withHedgeAfter});</li>
 *   <li>{@code meridian.client.plan.version} (gauge): the routing plan followed, -1 before the first;
 *       {@code meridian.client.plan.refresh.failures} (counter): refreshes no region answered.</li>
 * </ul>
 * Several clients on one registry add up into the same meters (the plan gauge is the first client's).
 */
public final class MicrometerMetrics implements MeridianListener {

    private final MeterRegistry registry;
    private final AtomicLong planVersion = new AtomicLong(-1);
    private final Counter planFailures;

    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = java.util.Objects.requireNonNull(registry, "registry");
        Gauge.builder("meridian.client.plan.version", planVersion, AtomicLong::get)
                .description("version of the routing plan the client follows, -1 before the first").register(registry);
        this.planFailures = Counter.builder("meridian.client.plan.refresh.failures")
                .description("routing-plan refreshes that no region answered").register(registry);
    }

    @Override
    public void attemptEnded(Attempt a) {
        Timer.builder("meridian.client.attempts").description("attempts of calls, by the region sent to and its answer")
                .tags("operation", a.operation(), "region", a.region().name(), "status", a.status() == 0 ? "none"
                        : Integer.toString(a.status()))
                .register(registry).record(a.latency());
        if (a.hedge()) {
            Counter.builder("meridian.client.hedges").description("reads' second attempts sent while the first still ran")
                    .tags("operation", a.operation(), "region", a.region().name()).register(registry).increment();
        }
        if (a.failover()) {
            Counter.builder("meridian.client.failovers").description("attempts sent to another region than the call's first")
                    .tags("operation", a.operation(), "region", a.region().name()).register(registry).increment();
        }
    }

    @Override
    public void callEnded(CallEnded c) {
        Timer.builder("meridian.client.calls").description("calls, every attempt and backoff included")
                .tags("operation", c.operation(), "region", c.region() == null ? "none" : c.region().name(),
                        "outcome", c.outcome().name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).record(c.latency());
    }

    @Override
    public void planChanged(RoutingPlan plan) {
        planVersion.set(plan.version());
    }

    @Override
    public void planRefreshFailed(String reason) {
        planFailures.increment();
    }
}
