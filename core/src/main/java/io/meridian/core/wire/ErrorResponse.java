package io.meridian.core.wire;

/**
 * Body of every error answer. {@code errorId} is logged by the server with the cause (5xx).
 * {@code durable} is true on a 503 whose write is already in the mutation log (it will be applied;
 * retrying with the same idempotency token is safe and creates no second version).
 */
public record ErrorResponse(int code, String message, String errorId, Boolean durable) {
}
