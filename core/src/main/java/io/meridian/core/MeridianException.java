package io.meridian.core;

import java.util.Optional;

/**
 * The root of every exception Meridian throws. Unchecked.
 *
 * <p>{@link #isRetriable()} tells whether the same call may succeed if repeated (an engine that
 * is not reachable yet, a timeout); the region, when known, names where it happened.
 */
public class MeridianException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean retriable;
    private final RegionId region;

    public MeridianException(String message, boolean retriable, RegionId region, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
        this.region = region;
    }

    public MeridianException(String message) {
        this(message, false, null, null);
    }

    public MeridianException(String message, Throwable cause) {
        this(message, false, null, cause);
    }

    /** Whether repeating the same call may succeed. */
    public boolean isRetriable() {
        return retriable;
    }

    /** The region where the failure happened, when one is known. */
    public Optional<RegionId> region() {
        return Optional.ofNullable(region);
    }
}
