package io.meridian.server.health;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * This server's health in three levels, so that what only needs an operator never moves traffic:
 * <ul>
 *   <li>{@link Level#DOWN}: it cannot serve (its Cassandra or Kafka does not answer). Only this counts when
 *       observers decide whether a region has failed and must be evacuated.</li>
 *   <li>{@link Level#DEGRADED}: it serves, but something needs attention: held partitions, open dead letters, a
 *       failing applier, a log gap (needs repair), lag beyond the gc_grace margin, a skewed clock. These raise
 *       an alert in status and block a restore of the region, and never evacuate a region that is serving.</li>
 *   <li>{@link Level#HEALTHY}: neither.</li>
 * </ul>
 * The report is computed from cached inputs (the {@link EngineProbe}'s last result, the appliers' status) and
 * kept for {@link #CACHE_MILLIS}, so asking is cheap however often peers probe. Thread-safe.
 */
public final class RegionHealth {

    /** The levels, in order of severity. */
    public enum Level { HEALTHY, DEGRADED, DOWN }

    /**
     * One evaluation.
     *
     * @param down why it cannot serve (empty unless DOWN)
     * @param alerts what needs an operator (empty when HEALTHY)
     */
    public record Report(Level level, List<String> down, List<String> alerts, long atMillis) {
        public Report {
            down = List.copyOf(down);
            alerts = List.copyOf(alerts);
        }

        /** Everything wrong, or null when healthy (the observers' and the old checks' form). */
        public String problems() {
            List<String> all = new ArrayList<>(down);
            all.addAll(alerts);
            return all.isEmpty() ? null : String.join("; ", all);
        }
    }

    static final long CACHE_MILLIS = 500;

    private final EngineProbe engines;
    private final List<Supplier<List<String>>> alertSources;
    private final Clock clock;
    private volatile Report last;

    public RegionHealth(EngineProbe engines, List<Supplier<List<String>>> alertSources, Clock clock) {
        this.engines = engines;
        this.alertSources = List.copyOf(alertSources);
        this.clock = clock;
    }

    /** The current report (at most {@value #CACHE_MILLIS} ms old). */
    public Report report() {
        Report r = last;
        long now = clock.millis();
        if (r != null && now - r.atMillis() < CACHE_MILLIS) {
            return r;
        }
        List<String> down = new ArrayList<>();
        if (engines.cassandraProblem() != null) {
            down.add(engines.cassandraProblem());
        }
        if (engines.kafkaProblem() != null) {
            down.add(engines.kafkaProblem());
        }
        List<String> alerts = new ArrayList<>();
        for (Supplier<List<String>> s : alertSources) {
            try {
                alerts.addAll(s.get());
            } catch (RuntimeException e) {
                alerts.add("health input failed: " + e);
            }
        }
        Level level = !down.isEmpty() ? Level.DOWN : alerts.isEmpty() ? Level.HEALTHY : Level.DEGRADED;
        r = new Report(level, down, alerts, now);
        last = r;
        return r;
    }
}
