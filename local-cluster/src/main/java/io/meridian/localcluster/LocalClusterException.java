package io.meridian.localcluster;

import io.meridian.core.MeridianException;
import io.meridian.core.RegionId;

/**
 * Why a local-cluster operation failed. {@link #kind()} separates a request that can never work as
 * given ({@link Kind#BAD_INPUT}) from an engine that did not come up ({@link Kind#ENGINE_FAILED},
 * retriable) so that the CLI can answer with exit code 2 or 3.
 */
public class LocalClusterException extends MeridianException {

    private static final long serialVersionUID = 1L;

    /** The class of failure. */
    public enum Kind {
        /** The request is wrong (bad region, port in use, unwritable directory, no Java). */
        BAD_INPUT,
        /** An engine did not start or stop as asked; the message carries the tail of its log. */
        ENGINE_FAILED,
        /** There is no cluster where one was expected. */
        NO_CLUSTER
    }

    private final Kind kind;

    public LocalClusterException(Kind kind, String message, RegionId region, Throwable cause) {
        super(message, kind == Kind.ENGINE_FAILED, region, cause);
        this.kind = kind;
    }

    public LocalClusterException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    public static LocalClusterException badInput(String message) {
        return new LocalClusterException(Kind.BAD_INPUT, message);
    }

    public Kind kind() {
        return kind;
    }
}
