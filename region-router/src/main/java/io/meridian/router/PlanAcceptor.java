package io.meridian.router;

import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RoutingPlan;

/**
 * One region's acceptor in the agreement on routing plans: single-decree Paxos per plan version, with the
 * acceptor's state kept durably in that region (the server keeps it in the region's Cassandra, with lightweight
 * transactions so every server instance of the region acts as one acceptor). Reached in process for the own
 * region and over HTTP for the others; an acceptor that cannot be reached throws. Implementations are
 * thread-safe.
 */
public interface PlanAcceptor {

    /** Phase 1: promise for {@code version} to accept nothing below {@code ballot}, if nothing higher was promised. */
    PlanPromise prepare(long version, long ballot);

    /** Phase 2: accepts {@code value} for {@code version} unless a higher ballot was promised; returns whether it did. */
    boolean accept(long version, long ballot, RoutingPlan value);

    /** Records {@code plan} as chosen (learned); an older one than the acceptor knows is ignored. */
    void learn(RoutingPlan plan);

    /** The latest plan this acceptor knows to be chosen, or null. */
    RoutingPlan latestChosen();
}
