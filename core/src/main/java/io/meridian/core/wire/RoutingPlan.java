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
 * @param regions   per region (by name): state and kept share
 * @param weights   home region name → target region name → weight (0..100, sum 100)
 * @param operation the traffic shift in progress (a stepped evacuation or restore), or null
 */
public record RoutingPlan(long version, long updatedAt, Map<String, RegionPlan> regions,
        Map<String, Map<String, Integer>> weights, Shift operation) {

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
    public record Shift(Kind kind, String region, List<Integer> steps, int stepIndex, long bakeMillis, long nextStepAt,
            boolean held, String driver, String actor, String reason) {

        /** What a shift does. */
        public enum Kind { EVACUATE, RESTORE }

        public Shift {
            steps = List.copyOf(steps);
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
        public Shift drivenBy(String newDriver) {
            return new Shift(kind, region, steps, stepIndex, bakeMillis, nextStepAt, held, newDriver, actor, reason);
        }
    }

    public RoutingPlan {
        regions = Map.copyOf(regions);
        Map<String, Map<String, Integer>> w = new TreeMap<>();
        weights.forEach((home, m) -> w.put(home, Map.copyOf(m)));
        weights = Map.copyOf(w);
    }

    /** Version 0: every region serving its own clients. */
    public static RoutingPlan initial(List<RegionId> regions) {
        Map<String, RegionPlan> states = new LinkedHashMap<>();
        regions.forEach(r -> states.put(r.name(), new RegionPlan(TrafficState.SERVING, 100)));
        return new RoutingPlan(0, 0, states, selfWeights(regions), null);
    }

    private static Map<String, Map<String, Integer>> selfWeights(List<RegionId> regions) {
        Map<String, Map<String, Integer>> w = new LinkedHashMap<>();
        regions.forEach(r -> w.put(r.name(), Map.of(r.name(), 100)));
        return w;
    }

    /** The regions of the plan, in name order. */
    public List<RegionId> regionIds() {
        List<RegionId> out = new ArrayList<>();
        new TreeMap<>(regions).keySet().forEach(n -> out.add(RegionId.of(n)));
        return out;
    }

    /** The state of a region (SERVING for a region the plan does not know). */
    public TrafficState state(RegionId region) {
        RegionPlan p = regions.get(region.name());
        return p == null ? TrafficState.SERVING : p.state();
    }

    /** The weights for clients homed in {@code home} (all to home when the plan does not know it). */
    public Map<String, Integer> weightsFor(RegionId home) {
        return weights.getOrDefault(home.name(), Map.of(home.name(), 100));
    }

    /** Share (0..100) of all clients' traffic that goes to {@code target}, every home region counted equally. */
    public double trafficShare(RegionId target) {
        if (weights.isEmpty()) {
            return 0;
        }
        double sum = 0;
        for (Map<String, Integer> w : weights.values()) {
            sum += w.getOrDefault(target.name(), 0);
        }
        return sum / weights.size();
    }
}
