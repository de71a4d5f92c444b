package io.meridian.router;

import io.meridian.core.TrafficState;
import java.util.EnumSet;
import java.util.Set;

/** Every state change of a region in the routing plan, with the states it may start from and its end state. */
public enum Transition {
    /** Operator: first step of an evacuation. */
    START_EVACUATION(EnumSet.of(TrafficState.SERVING), TrafficState.EVACUATING),
    /** After a bake: the next evacuation step. */
    EVACUATION_STEP(EnumSet.of(TrafficState.EVACUATING), TrafficState.EVACUATING),
    /** The last step reached 100 %. */
    FINISH_EVACUATION(EnumSet.of(TrafficState.EVACUATING), TrafficState.EVACUATED),
    /** The region failed by majority: all of its traffic moves at once. */
    AUTOMATIC_EVACUATION(EnumSet.of(TrafficState.SERVING, TrafficState.EVACUATING, TrafficState.RESTORING),
            TrafficState.EVACUATED),
    /** Operator: first step of a restore, only once the region is healthy and caught up. */
    START_RESTORE(EnumSet.of(TrafficState.EVACUATED), TrafficState.RESTORING),
    /** After a bake: the next restore step. */
    RESTORE_STEP(EnumSet.of(TrafficState.RESTORING), TrafficState.RESTORING),
    /** The last restore step reached 100 %. */
    FINISH_RESTORE(EnumSet.of(TrafficState.RESTORING), TrafficState.SERVING),
    /** Operator: an evacuation stops and the region takes all its traffic back at once. */
    ABORT_EVACUATION(EnumSet.of(TrafficState.EVACUATING), TrafficState.SERVING),
    /** Operator: a restore stops and the region is evacuated again at once. */
    ABORT_RESTORE(EnumSet.of(TrafficState.RESTORING), TrafficState.EVACUATED);

    private final Set<TrafficState> from;
    private final TrafficState to;

    Transition(Set<TrafficState> from, TrafficState to) {
        this.from = from;
        this.to = to;
    }

    /** Whether the transition may start from {@code state}. */
    public boolean allowedFrom(TrafficState state) {
        return from.contains(state);
    }

    /** The state it ends in. */
    public TrafficState to() {
        return to;
    }
}
