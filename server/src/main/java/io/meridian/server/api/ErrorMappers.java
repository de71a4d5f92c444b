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

    static Response respond(int status, String message, boolean durable, int retryAfter, Throwable cause) {
        return respond(status, message, durable, retryAfter, cause, null);
    }

    static Response respond(int status, String message, boolean durable, int retryAfter, Throwable cause, String reason) {
        return respond(status, message, durable, retryAfter, cause, reason, null);
    }

    static Response respond(int status, String message, boolean durable, int retryAfter, Throwable cause, String reason,
            java.util.List<io.meridian.core.wire.ItemJson> current) {
        String errorId = null;
        if (status >= 500) {
            errorId = Long.toHexString(ThreadLocalRandom.current().nextLong());
            LOG.warn("error {} ({}): {}", errorId, status, message, cause);
        }
        Response.ResponseBuilder b = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorResponse(status, message, errorId, durable ? Boolean.TRUE : null, reason, current));
        if (retryAfter > 0) {
            b.header("Retry-After", retryAfter);
        }
        return b.build();
    }

    /** {@link ApiException}: its status and message. */
    public static final class Api implements ExceptionMapper<ApiException> {
        @Override
        public Response toResponse(ApiException e) {
            return respond(e.status(), e.getMessage(), e.durable(), e.retryAfterSeconds(), e.getCause(), e.reason(), e.current());
        }
    }

    /** A model rule violated (bad name, empty key): 400. */
    public static final class BadInput implements ExceptionMapper<IllegalArgumentException> {
        @Override
        public Response toResponse(IllegalArgumentException e) {
            return respond(400, e.getMessage(), false, 0, e);
        }
    }

    /** A size limit exceeded: 413, the message names the limit. */
    public static final class TooLarge implements ExceptionMapper<Limits.LimitExceededException> {
        @Override
        public Response toResponse(Limits.LimitExceededException e) {
            return respond(413, e.getMessage(), false, 0, e);
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
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof Limits.LimitExceededException limit) {
                    return respond(413, limit.getMessage(), false, 0, e);
                }
            }
            return respond(400, "request body is not valid JSON: " + e.getOriginalMessage(), false, 0, e);
        }
    }
}
