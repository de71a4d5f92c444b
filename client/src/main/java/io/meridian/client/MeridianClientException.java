package io.meridian.client;

import io.meridian.core.IdempotencyToken;
import io.meridian.core.MeridianException;
import io.meridian.core.RegionId;

/**
 * Why a client call failed. Subclasses: {@link NotFound}, {@link InvalidRequest} (never retried;
 * the status says which rule), {@link ConditionFailed}, {@link Unavailable} (retriable; every attempt failed),
 * {@link SessionNotSatisfied} (retriable; no region could serve the session's read yet). Unchecked.
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
     * The request breaks a rule (400, 409, 413, 422): repeating it cannot succeed. Never thrown for a write one of whose
     * earlier attempts failed without an answer (that attempt may have been applied): that is {@link Unavailable}.
     */
    public static final class InvalidRequest extends MeridianClientException {
        private static final long serialVersionUID = 1L;
        private final String reason;

        public InvalidRequest(String message, RegionId region, int status) {
            this(message, region, status, 1);
        }

        /** After {@code attempts} attempts (the earlier ones failed without an answer). */
        public InvalidRequest(String message, RegionId region, int status, int attempts) {
            this(message, region, status, attempts, null);
        }

        /** With the server's machine-readable reason (null: none). */
        public InvalidRequest(String message, RegionId region, int status, int attempts, String reason) {
            super(message, false, region, status, attempts, null);
            this.reason = reason;
        }

        /**
         * Whether a whole-record read found the record larger than one read returns (422, reason
         * {@code record-too-large}): read it with {@link MeridianClient#items} instead.
         */
        public boolean recordTooLarge() {
            return io.meridian.core.wire.ErrorResponse.RECORD_TOO_LARGE.equals(reason);
        }
    }

    /**
     * A conditional write's condition did not hold in the region that decided it (409, reason {@code condition-failed}):
     * nothing was written. {@link #current()} has the versions of the conditioned items there now; read, decide and
     * write again with a new condition (and a new token: the write did not happen).
     */
    public static final class ConditionFailed extends MeridianClientException {
        private static final long serialVersionUID = 1L;
        private final transient java.util.Map<io.meridian.core.Bytes, Long> current;

        public ConditionFailed(String message, RegionId region, int attempts, java.util.Map<io.meridian.core.Bytes, Long> current) {
            super(message, false, region, 409, attempts, null);
            this.current = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(current));
        }

        /** Key → the item's write timestamp (µs) in the deciding region now; 0 when it does not exist. */
        public java.util.Map<io.meridian.core.Bytes, Long> current() {
            return current;
        }
    }

    /**
     * A read of a {@link Session} that no region tried could serve within the attempts or the deadline: none had applied
     * what the session has seen (503, reason {@code session-not-satisfied}); nothing older was returned. Retriable: the
     * regions catch up; a region cut off from the one the session wrote in cannot serve it until the cut heals.
     */
    public static final class SessionNotSatisfied extends MeridianClientException {
        private static final long serialVersionUID = 1L;

        public SessionNotSatisfied(String message, RegionId region, int attempts, boolean deadlineExceeded) {
            super(message, true, region, 503, attempts, null);
            this.deadlineExceeded = deadlineExceeded;
        }

        private final boolean deadlineExceeded;

        /** The call's deadline ended it (rather than its attempts or the retry budget). */
        public boolean deadlineExceeded() {
            return deadlineExceeded;
        }
    }

    /**
     * No region answered successfully within the attempts or the deadline (transport failures, timeouts, 503, 504).
     * For a write: {@link #durable()} is true when it is known to be in a region's mutation log (it will be applied);
     * {@link #outcomeUnknown()} is true when an attempt may have been applied. Either way, retrying with
     * {@link #token()} ({@link CallOptions#withIdempotencyToken}) is safe and creates no second version; a write
     * again with a new token would.
     */
    public static final class Unavailable extends MeridianClientException {
        private static final long serialVersionUID = 1L;
        private final Outcome outcome;

        /**
         * What is known of a failed call's effect.
         *
         * @param durable a write known to be in a region's mutation log: it will be applied
         * @param unknown a write an attempt of which reached a server without a verdict: it may have been applied
         * @param token the write's idempotency token (null for a read)
         * @param deadlineExceeded the call's deadline ended it
         */
        public record Outcome(boolean durable, boolean unknown, IdempotencyToken token, boolean deadlineExceeded) {
        }

        public Unavailable(String message, RegionId region, int status, int attempts, boolean durable, Throwable cause) {
            this(message, region, status, attempts, new Outcome(durable, false, null, false), cause);
        }

        public Unavailable(String message, RegionId region, int status, int attempts, Outcome outcome, Throwable cause) {
            super(message, true, region, status, attempts, cause);
            this.outcome = outcome;
        }

        public boolean durable() {
            return outcome.durable();
        }

        /** A write that may or may not have been applied (never true once {@link #durable()}). */
        public boolean outcomeUnknown() {
            return outcome.unknown() && !outcome.durable();
        }

        /** The write's idempotency token, to retry it safely; empty for a read. */
        public java.util.Optional<IdempotencyToken> token() {
            return java.util.Optional.ofNullable(outcome.token());
        }

        /** The call's deadline passed (its own, or the client's call timeout). */
        public boolean deadlineExceeded() {
            return outcome.deadlineExceeded();
        }
    }
}
