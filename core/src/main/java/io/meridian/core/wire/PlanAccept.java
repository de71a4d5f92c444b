package io.meridian.core.wire;

/**
 * Body of {@code POST /v1/router/agreement/accept} (peers): phase 2, {@code value} (a plan of {@code version}) at
 * {@code ballot}.
 */
public record PlanAccept(long version, long ballot, RoutingPlan value) {
}
