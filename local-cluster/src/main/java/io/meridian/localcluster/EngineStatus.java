package io.meridian.localcluster;

/** What a component of a region is doing right now. */
public enum EngineStatus {
    /** The process is alive and answers on its port. */
    UP,
    /** The process is alive but does not answer yet (starting, or stuck). */
    NOT_READY,
    /** No live process (never started, stopped, or killed). */
    DOWN
}
