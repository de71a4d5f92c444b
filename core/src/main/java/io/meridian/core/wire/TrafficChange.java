package io.meridian.core.wire;

import java.util.List;

/**
 * Body of {@code POST /v1/router/evacuate} and {@code /restore}.
 *
 * @param region the region to move traffic away from or back to
 * @param steps traffic percentages moved after each step (increasing, last 100), or null: the configured default
 * @param bakeSeconds time between steps, or null: the configured default
 * @param reason why (required; it goes to the audit log)
 * @param force evacuate although another region is evacuated or a shift is in progress (evacuate only), or null
 */
public record TrafficChange(String region, List<Integer> steps, Integer bakeSeconds, String reason, Boolean force) {

    /** A change with the configured steps and bake time. */
    public static TrafficChange of(String region, String reason) {
        return new TrafficChange(region, null, null, reason, null);
    }
}
