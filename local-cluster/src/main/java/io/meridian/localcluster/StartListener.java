package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.time.Duration;

/**
 * Progress of a cluster start, one engine at a time. Called from the threads that start the
 * engines, so implementations must be thread-safe. Every method has a no-op default.
 */
public interface StartListener {

    StartListener NONE = new StartListener() { };

    /** An engine process is being launched. */
    default void starting(RegionId region, Component component) { }

    /** An engine answered its readiness probe, {@code elapsed} after its launch. */
    default void ready(RegionId region, Component component, Duration elapsed) { }

    /** An engine failed to start; the cluster start will fail. */
    default void failed(RegionId region, Component component, String reason) { }

    /** A server failed to start and is started once more (engines answer slowly on a loaded machine). */
    default void retrying(RegionId region, Component component, String reason) { }

    /** A process left over by an earlier run that crashed was found and stopped. */
    default void reaped(long pid, String what) { }
}
