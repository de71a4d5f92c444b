package io.meridian.core;

/**
 * Where a region stands in the routing plan. The allowed moves between states are the
 * transitions of the region router; nothing else changes a region's state.
 */
public enum TrafficState {
    /** Serves its own clients (and takes over others' traffic when asked). */
    SERVING,
    /** Part of its clients' traffic has moved elsewhere; steps continue after each bake. */
    EVACUATING,
    /** None of its clients' traffic goes to it. */
    EVACUATED,
    /** Evacuated, and taking its clients' traffic back step by step. */
    RESTORING
}
