package io.meridian.core.wire;

/**
 * The answer to a prepare of the agreement on plan versions ({@code POST /v1/router/agreement/prepare}, peers).
 *
 * @param granted whether the acceptor promised to accept nothing below the ballot
 * @param promisedBallot the highest ballot it has promised for that version (after this call)
 * @param acceptedBallot the ballot of the value it accepted for that version, 0 when none
 * @param acceptedValue that value, or null
 * @param latestChosen the latest plan it knows to be chosen, or null
 */
public record PlanPromise(boolean granted, long promisedBallot, long acceptedBallot, RoutingPlan acceptedValue,
        RoutingPlan latestChosen) {
}
