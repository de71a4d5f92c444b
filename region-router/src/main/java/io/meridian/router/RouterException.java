package io.meridian.router;

import io.meridian.core.MeridianException;

/** A routing change the router refuses (a guardrail, a wrong state, a region not caught up), with why. */
public final class RouterException extends MeridianException {

    private static final long serialVersionUID = 1L;

    /** Why: bad input (400) or a refusal of a valid request in the current state (409). */
    public enum Kind { BAD_INPUT, REFUSED }

    private final Kind kind;

    public RouterException(Kind kind, String message) {
        super(message, false, null, null);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    static RouterException refused(String message) {
        return new RouterException(Kind.REFUSED, message);
    }

    static RouterException badInput(String message) {
        return new RouterException(Kind.BAD_INPUT, message);
    }
}
