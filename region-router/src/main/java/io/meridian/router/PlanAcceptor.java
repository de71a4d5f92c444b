package io.meridian.router;

import io.meridian.core.wire.RoutingPlan;

/**
 * One region's acceptor in the agreement on routing plans: single-decree Paxos per plan version, with the
 * acceptor's state kept durably in that region (the server keeps it in the region's Cassandra, with lightweight
 * transactions so every server instance of the region acts as one acceptor). Reached in process for the own
 * region and over HTTP for the others; an acceptor that cannot be reached throws. Implementations are
 * thread-safe.
 */
public interface PlanAcceptor {

    /**
     * The answer to a prepare.
     *
     * @param granted whether the acceptor promised to accept nothing below the ballot
     * @param promisedBallot the highest ballot it has promised for that version (after this call)
     * @param acceptedBallot the ballot of the value it accepted for that version, 0 when none
     * @param acceptedValue that value, or null
     * @param latestChosen the latest plan it knows to be chosen, or null
     */
    record Promise(boolean granted, long promisedBallot, long acceptedBallot, RoutingPlan acceptedValue, RoutingPlan latestChosen) {
    }

    /** Phase 1: promise for {@code version} to accept nothing below {@code ballot}, if nothing higher was promised. */
    Promise prepare(long version, long ballot);

    /** Phase 2: accepts {@code value} for {@code version} unless a higher ballot was promised; returns whether it did. */
    boolean accept(long version, long ballot, RoutingPlan value);

    /** Records {@code plan} as chosen (learned); an older one than the acceptor knows is ignored. */
    void learn(RoutingPlan plan);

    /** The latest plan this acceptor knows to be chosen, or null. */
    RoutingPlan latestChosen();
}
