package io.meridian.client;

import io.meridian.core.MeridianException;
import io.meridian.core.RegionId;

/**
 * Why a client call failed. Subclasses: {@link NotFound}, {@link InvalidRequest} (never retried;
 * the status says which rule), {@link Unavailable} (retriable; every attempt failed). Unchecked.
 */
public class MeridianClientException extends MeridianException {

    private static final long serialVersionUID = 1L;
    private final int status;
    private final int attempts;

    MeridianClientException(String message, boolean retriable, RegionId region, int status, int attempts, Throwable cause) {
        super(message, retriable, region, cause);
        this.status = status;
        this.attempts = attempts;
    }

    /** HTTP status of the last answer, or 0 when no server answered. */
    public int status() {
        return status;
    }

    /** How many attempts were made. */
    public int attempts() {
        return attempts;
    }

    /** The namespace or record does not exist (404); {@link #namespaceMissing()} tells which. */
    public static final class NotFound extends MeridianClientException {
        private static final long serialVersionUID = 1L;
        private final boolean namespaceMissing;

        public NotFound(String message, RegionId region) {
            this(message, region, 1, false);
        }

        /** After {@code attempts} attempts (the earlier ones failed without an answer). */
        public NotFound(String message, RegionId region, int attempts, boolean namespaceMissing) {
            super(message, false, region, 404, attempts, null);
            this.namespaceMissing = namespaceMissing;
        }

        /** True: the namespace does not exist (in the region asked); false: the record has no items. */
        public boolean namespaceMissing() {
            return namespaceMissing;
        }
    }

    /**
     * The request breaks a rule (400, 409, 413): repeating it cannot succeed. Never thrown for a write one of whose
     * earlier attempts failed without an answer (that attempt may have been applied): that is {@link Unavailable}.
     */
    public static final class InvalidRequest extends MeridianClientException {
        private static final long serialVersionUID = 1L;

        public InvalidRequest(String message, RegionId region, int status) {
            this(message, region, status, 1);
        }

        /** After {@code attempts} attempts (the earlier ones failed without an answer). */
        public InvalidRequest(String message, RegionId region, int status, int attempts) {
            super(message, false, region, status, attempts, null);
        }
    }

    /**
     * No region answered successfully within the attempts (transport failures, timeouts, 503).
     * {@link #durable()} is true when a write is known to be in a region's mutation log: it will be
     * applied, and repeating it with the same token is safe.
     */
    public static final class Unavailable extends MeridianClientException {
        private static final long serialVersionUID = 1L;
        private final boolean durable;

        public Unavailable(String message, RegionId region, int status, int attempts, boolean durable, Throwable cause) {
            super(message, true, region, status, attempts, cause);
            this.durable = durable;
        }

        public boolean durable() {
            return durable;
        }
    }
}
