package io.meridian.server;

/**
 * An error the API answers with its status and message (4xx, or 503 with Retry-After). Unchecked;
 * {@code durable} marks a 503 whose write is already in the mutation log.
 */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean durable;
    private final int retryAfterSeconds;
    private final String reason;
    private final transient java.util.List<io.meridian.core.wire.ItemJson> current;

    public ApiException(int status, String message, boolean durable, int retryAfterSeconds, Throwable cause) {
        this(status, message, durable, retryAfterSeconds, cause, null);
    }

    private ApiException(int status, String message, boolean durable, int retryAfterSeconds, Throwable cause, String reason) {
        this(status, message, durable, retryAfterSeconds, cause, reason, null);
    }

    private ApiException(int status, String message, boolean durable, int retryAfterSeconds, Throwable cause, String reason,
            java.util.List<io.meridian.core.wire.ItemJson> current) {
        super(message, cause);
        this.status = status;
        this.durable = durable;
        this.retryAfterSeconds = retryAfterSeconds;
        this.reason = reason;
        this.current = current;
    }

    /** 409 {@code condition-failed}: nothing written; {@code current} the versions of the conditioned items now. */
    public static ApiException conditionFailed(String message, java.util.List<io.meridian.core.wire.ItemJson> current) {
        return new ApiException(409, message, false, 0, null, io.meridian.core.wire.ErrorResponse.CONDITION_FAILED, current);
    }

    /** The current versions of a failed condition's items, else null. */
    public java.util.List<io.meridian.core.wire.ItemJson> current() {
        return current;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message, false, 0, null);
    }

    /** 404 with its machine-readable reason ({@code ErrorResponse.NAMESPACE_NOT_FOUND} or {@code RECORD_NOT_FOUND}). */
    public static ApiException notFound(String reason, String message) {
        return new ApiException(404, message, false, 0, null, reason);
    }

    /** 504: the caller's deadline passed; {@code message} says whether anything was written. */
    public static ApiException deadlinePassed(String message, Throwable cause) {
        return new ApiException(504, message, false, 0, cause, io.meridian.core.wire.ErrorResponse.DEADLINE_PASSED);
    }

    /** 503 with Retry-After for a request refused before any work (reason {@code not-written}): nothing was written. */
    public static ApiException refused(String message, int retryAfterSeconds) {
        return new ApiException(503, message, false, retryAfterSeconds, null, io.meridian.core.wire.ErrorResponse.NOT_WRITTEN);
    }

    /** 422 {@code record-too-large}: a whole-record read of a record larger than one read returns. */
    public static ApiException recordTooLarge(String message) {
        return new ApiException(422, message, false, 0, null, io.meridian.core.wire.ErrorResponse.RECORD_TOO_LARGE);
    }

    /** 503 {@code session-not-satisfied}: this region has not applied what the session saw; nothing was read. */
    public static ApiException sessionNotSatisfied(String message) {
        return new ApiException(503, message, false, 0, null, io.meridian.core.wire.ErrorResponse.SESSION_NOT_SATISFIED);
    }

    public static ApiException unavailable(String message, Throwable cause) {
        return new ApiException(503, message, false, 1, cause);
    }

    public int status() {
        return status;
    }

    public boolean durable() {
        return durable;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** What a program can tell this answer apart by, or null. */
    public String reason() {
        return reason;
    }
}
