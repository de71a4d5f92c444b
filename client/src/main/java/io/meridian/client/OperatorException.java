package io.meridian.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;

/** Why an {@link OperatorClient} call failed, with what the server said. */
public final class OperatorException extends RuntimeException {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the failure means to the caller. */
    public enum Kind {
        /** No answer (connection refused, timeout): try another server instance. */
        UNREACHABLE,
        /** 401 or 403: the credentials are wrong or lack the role. */
        UNAUTHORIZED,
        /** 400, 404, 413, 422 and other 4xx: the request is wrong; nothing changed. */
        BAD_REQUEST,
        /** 409: refused (the router's or repair mark's reason); nothing changed. */
        REFUSED,
        /** 408, 429, 503 and other 5xx, or an answer that is not the expected JSON: try again or elsewhere. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final URI server;
    private final int status;

    OperatorException(Kind kind, URI server, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.server = server;
        this.status = status;
    }

    static OperatorException of(URI server, int status, String body) {
        Kind kind = status == 401 || status == 403 ? Kind.UNAUTHORIZED
                : status == 409 ? Kind.REFUSED
                : status == 408 || status == 429 ? Kind.UNAVAILABLE
                : status >= 400 && status < 500 ? Kind.BAD_REQUEST
                : Kind.UNAVAILABLE;
        return new OperatorException(kind, server, status, messageOf(body), null);
    }

    /** The server's {@code message} field, else the body (abbreviated). */
    private static String messageOf(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.path("message").asText();
            }
        } catch (Exception e) {
            // not JSON: the body itself
        }
        return abbreviate(body);
    }

    static String abbreviate(String body) {
        String s = body == null ? "" : body.strip();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    public Kind kind() {
        return kind;
    }

    /** The server instance that answered (or did not). */
    public URI server() {
        return server;
    }

    /** The HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** Whether trying another server instance may help. */
    public boolean retryElsewhere() {
        return kind == Kind.UNREACHABLE || kind == Kind.UNAVAILABLE;
    }
}
