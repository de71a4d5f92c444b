package io.meridian.core.wire;

import io.meridian.core.RegionId;
import io.meridian.core.TrafficState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The routing plan, versioned: per region its {@link TrafficState} and the share of its own clients'
 * traffic it keeps, and for each home region the weights (summing to 100) over the regions its
 * clients' requests go to. Stored durably (replicated to every region) and read by every client.
 * Immutable; JSON as-is (Jackson).
 *
 * @param version   increases with every change
 * @param updatedAt epoch milliseconds of the change
 * @param regions   per region: state and kept share
 * @param weights   home region → target region → weight (0..100, sum 100); in JSON regions are their names
 * @param operation the traffic shift in progress (a stepped evacuation or restore), or null
 */
public record RoutingPlan(long version, long updatedAt, Map<RegionId, RegionPlan> regions,
        Map<RegionId, Map<RegionId, Integer>> weights, Shift operation) {

    /** One region's entry: its state and the percentage of its own clients' traffic it keeps. */
    public record RegionPlan(TrafficState state, int keptPercent) {
        public RegionPlan {
            Objects.requireNonNull(state, "state");
            if (keptPercent < 0 || keptPercent > 100) {
                throw new IllegalArgumentException("keptPercent " + keptPercent + " outside 0..100");
            }
        }
    }

    /**
     * A traffic shift: a stepped evacuation or restore (named apart from {@link io.meridian.core.Operation}, an
     * operation on a record's items).
     *
     * @param kind         evacuate or restore
     * @param region       the region it moves traffic away from or back to
     * @param steps        the traffic percentages moved after each step (increasing, last 100)
     * @param stepIndex    the step in force now
     * @param bakeMillis   time between steps
     * @param nextStepAt   epoch ms when the next step is due
     * @param held         whether an operator holds the steps ({@code /hold}, {@code /resume})
     * @param driver       the region whose router advances the steps
     * @param actor        who started it
     * @param reason       why
     */
    public record Shift(Kind kind, RegionId region, List<Integer> steps, int stepIndex, long bakeMillis, long nextStepAt,
            boolean held, RegionId driver, String actor, String reason) {

        /** What a shift does. */
        public enum Kind { EVACUATE, RESTORE }

        public Shift {
            steps = List.copyOf(steps);
        }

        /** In one line, for messages and the audit log: "evacuate region-c step 2/3 (held)". */
        public String describe() {
            return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + region + " step " + (stepIndex + 1) + "/"
                    + steps.size() + (held ? " (held)" : "");
        }

        /** The same shift at step {@code index}, the next step due at {@code next}. */
        public Shift at(int index, long next) {
            return new Shift(kind, region, steps, index, bakeMillis, next, held, driver, actor, reason);
        }

        /** The same shift held (or resumed), the next step due at {@code next}. */
        public Shift held(boolean h, long next) {
            return new Shift(kind, region, steps, stepIndex, bakeMillis, next, h, driver, actor, reason);
        }

        /** The same shift advanced by another region's router. */
        public Shift drivenBy(RegionId newDriver) {
            return new Shift(kind, region, steps, stepIndex, bakeMillis, nextStepAt, held, newDriver, actor, reason);
        }
    }

    public RoutingPlan {
        regions = Map.copyOf(regions);
        Map<RegionId, Map<RegionId, Integer>> w = new TreeMap<>();
        weights.forEach((home, m) -> w.put(home, Map.copyOf(m)));
        weights = Map.copyOf(w);
    }

    /** Version 0: every region serving its own clients. */
    public static RoutingPlan initial(List<RegionId> regions) {
        Map<RegionId, RegionPlan> states = new LinkedHashMap<>();
        regions.forEach(r -> states.put(r, new RegionPlan(TrafficState.SERVING, 100)));
        return new RoutingPlan(0, 0, states, selfWeights(regions), null);
    }

    private static Map<RegionId, Map<RegionId, Integer>> selfWeights(List<RegionId> regions) {
        Map<RegionId, Map<RegionId, Integer>> w = new LinkedHashMap<>();
        regions.forEach(r -> w.put(r, Map.of(r, 100)));
        return w;
    }

    /** The regions of the plan, in name order. */
    public List<RegionId> regionIds() {
        return new ArrayList<>(new TreeMap<>(regions).keySet());
    }

    /** The state of a region (SERVING for a region the plan does not know). */
    public TrafficState state(RegionId region) {
        RegionPlan p = regions.get(region);
        return p == null ? TrafficState.SERVING : p.state();
    }

    /** The weights for clients homed in {@code home} (all to home when the plan does not know it). */
    public Map<RegionId, Integer> weightsFor(RegionId home) {
        return weights.getOrDefault(home, Map.of(home, 100));
    }

    /** Share (0..100) of all clients' traffic that goes to {@code target}, every home region counted equally. */
    public double trafficShare(RegionId target) {
        if (weights.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (Map<RegionId, Integer> w : weights.values()) {
            sum += w.getOrDefault(target, 0);
        }
        return sum / weights.size();
    }
}
