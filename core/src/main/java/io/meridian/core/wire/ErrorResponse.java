package io.meridian.core.wire;

import java.util.List;

/**
 * Body of every error answer. {@code errorId} is logged by the server with the cause (5xx).
 * {@code durable} is true on a 503 whose write is already in the mutation log (it will be applied;
 * retrying with the same idempotency token is safe and creates no second version). {@code reason} tells
 * answers of one status apart for programs: {@value #NAMESPACE_NOT_FOUND} or {@value #RECORD_NOT_FOUND} on a 404,
 * {@value #DEADLINE_PASSED} on a 504, {@value #NOT_WRITTEN} on a 503 refused before any work, {@value #RECORD_TOO_LARGE} on a 422,
 * {@value #SESSION_NOT_SATISFIED} on a 503 of a read whose session this region cannot serve yet,
 * {@value #CONDITION_FAILED} on a 409 (then {@code current} holds the versions of the conditioned items: {@code key} and
 * {@code timestamp}, none for an absent item), else null.
 */
public record ErrorResponse(int code, String message, String errorId, Boolean durable, String reason, List<ItemJson> current) {

    /** 404: the namespace does not exist in the answering region. */
    public static final String NAMESPACE_NOT_FOUND = "namespace-not-found";
    /** 404: the record has no items (in the answering region). */
    public static final String RECORD_NOT_FOUND = "record-not-found";
    /** 504: the caller's deadline ({@code Meridian-Deadline-Ms}) passed before the server finished. */
    public static final String DEADLINE_PASSED = "deadline-passed";
    /** 503: refused before anything was done (overloaded, clock skewed): nothing was or will be written. */
    public static final String NOT_WRITTEN = "not-written";
    /** 422: a whole-record read of a record larger than one read returns; read it in pages. */
    public static final String RECORD_TOO_LARGE = "record-too-large";

    /**
     * 503: this server has not applied, within the wait allowed, what the caller's session has seen (header
     * {@code Meridian-Session}): another region may have; nothing was read.
     */
    public static final String SESSION_NOT_SATISFIED = "session-not-satisfied";

    /** 409: a conditional write whose condition did not hold; {@code current} has the current versions. */
    public static final String CONDITION_FAILED = "condition-failed";

    /** An answer without a reason. */
    public ErrorResponse(int code, String message, String errorId, Boolean durable) {
        this(code, message, errorId, durable, null);
    }

    /** An answer without current versions (all but a failed condition). */
    public ErrorResponse(int code, String message, String errorId, Boolean durable, String reason) {
        this(code, message, errorId, durable, reason, null);
    }
}
