package io.meridian.server.api;

import io.meridian.core.Limits;
import io.meridian.core.wire.ErrorResponse;
import io.meridian.server.ApiException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps Meridian's exceptions to JSON {@link ErrorResponse}s; 5xx answers carry a logged error id. */
public final class ErrorMappers {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMappers.class);

    private ErrorMappers() { }

    /** An error answer: its status, JSON body and {@code Retry-After} seconds (0: none). */
    public record Answer(int status, ErrorResponse body, int retryAfterSeconds) {
    }

    static Response respond(int status, String message, boolean durable, int retryAfter, Throwable cause) {
        return respond(answer(status, message, durable, retryAfter, cause, null, null));
    }

    private static Response respond(Answer a) {
        Response.ResponseBuilder b = Response.status(a.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(a.body());
        if (a.retryAfterSeconds() > 0) {
            b.header("Retry-After", a.retryAfterSeconds());
        }
        return b.build();
    }

    private static Answer answer(int status, String message, boolean durable, int retryAfter, Throwable cause, String reason,
            java.util.List<io.meridian.core.wire.ItemJson> current) {
        String errorId = null;
        if (status >= 500) {
            errorId = Long.toHexString(ThreadLocalRandom.current().nextLong());
            LOG.warn("error {} ({}): {}", errorId, status, message, cause);
        }
        return new Answer(status, new ErrorResponse(status, message, errorId, durable ? Boolean.TRUE : null, reason, current), retryAfter);
    }

    /**
     * What a request that failed with {@code e} answers: the same for the Jersey resources (the mappers below) and the
     * direct record path ({@code data.DirectRecords}); null for an exception none of them maps (Dropwizard's own mapper
     * answers those: 500 with a logged id).
     */
    public static Answer answerOf(Throwable e) {
        if (e instanceof ApiException a) {
            return answer(a.status(), a.getMessage(), a.durable(), a.retryAfterSeconds(), a.getCause(), a.reason(), a.current());
        }
        if (e instanceof Limits.LimitExceededException limit) {
            return answer(413, limit.getMessage(), false, 0, limit, null, null);
        }
        if (e instanceof IllegalArgumentException bad) {
            return answer(400, bad.getMessage(), false, 0, bad, null, null);
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
            for (Throwable t = json; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof Limits.LimitExceededException limit) {
                    return answer(413, limit.getMessage(), false, 0, json, null, null);
                }
            }
            return answer(400, "request body is not valid JSON: " + json.getOriginalMessage(), false, 0, json, null, null);
        }
        return null;
    }

    /** {@link ApiException}: its status and message. */
    public static final class Api implements ExceptionMapper<ApiException> {
        @Override
        public Response toResponse(ApiException e) {
            return respond(answerOf(e));
        }
    }

    /** A model rule violated (bad name, empty key): 400. */
    public static final class BadInput implements ExceptionMapper<IllegalArgumentException> {
        @Override
        public Response toResponse(IllegalArgumentException e) {
            return respond(answerOf(e));
        }
    }

    /** A size limit exceeded: 413, the message names the limit. */
    public static final class TooLarge implements ExceptionMapper<Limits.LimitExceededException> {
        @Override
        public Response toResponse(Limits.LimitExceededException e) {
            return respond(answerOf(e));
        }
    }

    /**
     * A request body Jackson could not read: 413 when the read stopped at the size limit (a chunked body past it: the
     * limit's exception arrives wrapped), else 400 saying where the JSON broke. Preferred over Dropwizard's own mapper
     * of the same type ({@code @Priority(1)}), so these answers have the same shape as every other.
     */
    @jakarta.annotation.Priority(1)
    public static final class UnreadableJson implements ExceptionMapper<com.fasterxml.jackson.core.JsonProcessingException> {
        @Override
        public Response toResponse(com.fasterxml.jackson.core.JsonProcessingException e) {
            return respond(answerOf(e));
        }
    }
}
