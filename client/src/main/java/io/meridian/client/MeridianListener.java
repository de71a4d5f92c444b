package io.meridian.client;

import io.meridian.core.RegionId;
import io.meridian.core.wire.RoutingPlan;
import java.time.Duration;

/**
 * Told what the client does, for metrics, logs and traces ({@link MicrometerMetrics} is one). Methods run on the
 * client's threads (the HTTP client's, the plan poller's): they must be quick and must not block. An exception a
 * method throws is logged and otherwise ignored: a listener never changes a call's result.
 */
public interface MeridianListener {

    /** One attempt of a call ended: answered with {@code status}, or failed without an answer (status 0). */
    default void attemptEnded(Attempt attempt) {
    }

    /** A call ended with its result ({@code error} null) or its exception. */
    default void callEnded(CallEnded call) {
    }

    /** The client follows a new routing plan (a newer version). */
    default void planChanged(RoutingPlan plan) {
    }

    /** No region answered a routing-plan refresh; the client keeps the plan it has. */
    default void planRefreshFailed(String reason) {
    }

    /** How a call ended. */
    enum Outcome {
        /** 2xx. */
        OK,
        /** 404: no such record or namespace. */
        NOT_FOUND,
        /** 409: a conditional write's condition did not hold, nothing written. */
        CONDITION_FAILED,
        /** Any other 4xx: the request was refused, nothing written. */
        INVALID,
        /** No region could answer within the attempts, the retry budget or the in-flight bound. */
        UNAVAILABLE,
        /** The call's deadline passed. */
        DEADLINE_EXCEEDED,
        /** A session's read no region could serve yet (none had applied what the session has seen). */
        SESSION_NOT_SATISFIED,
        /** Anything else (an answer the client could not read, a bad argument). */
        ERROR
    }

    /**
     * One attempt.
     *
     * @param operation the call's operation ({@code put}, {@code mutate}, {@code get}, ...)
     * @param region where it was sent
     * @param number 1 for a call's first attempt
     * @param failover whether it went to another region than the call's first attempt
     * @param hedge whether it was a hedge: a read's second attempt sent while its first was still running
     * @param status the HTTP status, 0 when none came back
     * @param latency from sending to its end
     * @param error why it got no answer, else null
     * @param traceId the call's trace ({@link io.meridian.core.Traceparent})
     */
    record Attempt(String operation, RegionId region, int number, boolean failover, boolean hedge, int status, Duration latency,
            Throwable error, String traceId) {
    }

    /**
     * One call.
     *
     * @param operation the operation
     * @param region the region of the last attempt, null when none was sent
     * @param attempts how many were sent (0: refused before sending, see {@link MeridianClient.Builder#maxInFlight})
     * @param latency from the call to its end
     * @param outcome how it ended
     * @param error the exception the caller got, else null
     * @param traceId the call's trace
     */
    record CallEnded(String operation, RegionId region, int attempts, Duration latency, Outcome outcome, Throwable error,
            String traceId) {
    }
}
