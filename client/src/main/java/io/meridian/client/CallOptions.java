package io.meridian.client;

import io.meridian.core.IdempotencyToken;
import io.meridian.core.Traceparent;
import java.time.Duration;

/**
 * Options of one call, each overriding the client's setting for it. Immutable: start from {@link #defaults()} and
 * change what you need ({@code CallOptions.defaults().withDeadline(Duration.ofMillis(500))}).
 *
 * @param deadline how long the whole call may take, every attempt and backoff included; the server is told how long
 *     it has (header {@code Meridian-Deadline-Ms}). Null: the client's {@link MeridianClient.Builder#callTimeout}
 * @param idempotencyToken a write's token: pass the one of an earlier attempt ({@link WriteResult#token()},
 *     {@link MeridianClientException.Unavailable#token()}) to retry that write without creating a second version.
 *     Null: a new one. A read refuses one
 * @param retryBudget the budget this call's retries draw from (for instance a budget per downstream dependency);
 *     null: the client's
 * @param traceparent the caller's trace (W3C {@code traceparent}): each attempt is sent as a new span of it, the server
 *     logs it and puts it on the write's log record, so every region's applier logs it too. Null: a new trace per call
 * @param hedgeAfter a read's hedge delay: when its first attempt has not answered after it, the read is sent to the next
 *     region too (if the retry budget allows) and the first answer wins. Null: the client's
 *     {@link MeridianClient.Builder#hedgeReadsAfter} (default: no hedging). A write refuses one
 * @param session the session this call belongs to: a read sees every write the session made, from any region, or fails
 *     with {@link MeridianClientException.SessionNotSatisfied}; a write is stamped after the session's last and adds itself
 *     to it; a conditional write is decided where the session's writes are applied. Null: the client's
 *     {@link MeridianClient.Builder#session} (default: none)
 */
public record CallOptions(Duration deadline, IdempotencyToken idempotencyToken, RetryBudget retryBudget, Traceparent traceparent,
        Duration hedgeAfter, Session session) {

    public CallOptions {
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
        }
        if (hedgeAfter != null && (hedgeAfter.isNegative() || hedgeAfter.isZero())) {
            throw new IllegalArgumentException("hedgeAfter must be positive: " + hedgeAfter);
        }
    }

    /** Without a session (the form before sessions). */
    public CallOptions(Duration deadline, IdempotencyToken idempotencyToken, RetryBudget retryBudget, Traceparent traceparent,
            Duration hedgeAfter) {
        this(deadline, idempotencyToken, retryBudget, traceparent, hedgeAfter, null);
    }

    private static final CallOptions DEFAULTS = new CallOptions(null, null, null, null, null, null);

    /** Every option from the client. */
    public static CallOptions defaults() {
        return DEFAULTS;
    }

    public CallOptions withDeadline(Duration deadline) {
        return new CallOptions(deadline, idempotencyToken, retryBudget, traceparent, hedgeAfter, session);
    }

    public CallOptions withIdempotencyToken(IdempotencyToken token) {
        return new CallOptions(deadline, token, retryBudget, traceparent, hedgeAfter, session);
    }

    public CallOptions withRetryBudget(RetryBudget budget) {
        return new CallOptions(deadline, idempotencyToken, budget, traceparent, hedgeAfter, session);
    }

    public CallOptions withTraceparent(Traceparent trace) {
        return new CallOptions(deadline, idempotencyToken, retryBudget, trace, hedgeAfter, session);
    }

    /**
     * The caller's {@code traceparent} header value, as its tracer gives it.
     *
     * @throws IllegalArgumentException when it is not a valid W3C {@code traceparent}
     */
    public CallOptions withTraceparent(String header) {
        return withTraceparent(Traceparent.parse(header)
                .orElseThrow(() -> new IllegalArgumentException("not a W3C traceparent: " + header)));
    }

    /** Hedges this read after {@code delay} (see {@link #hedgeAfter()}). */
    public CallOptions withHedgeAfter(Duration delay) {
        return new CallOptions(deadline, idempotencyToken, retryBudget, traceparent, delay, session);
    }

    /** Makes this call part of {@code session} (see {@link #session()}). */
    public CallOptions withSession(Session session) {
        return new CallOptions(deadline, idempotencyToken, retryBudget, traceparent, hedgeAfter, session);
    }
}
