package io.meridian.router;

import io.meridian.core.MeridianException;
import io.meridian.core.wire.RoutingPlan;

/** A routing change the router refuses (a guardrail, a wrong state, a region not caught up), with why. */
public final class RouterException extends MeridianException {

    private static final long serialVersionUID = 1L;

    /**
     * Why: bad input (400); a refusal of a valid request in the current state (409); another plan change won the
     * version (409, with the {@link #current} plan); no majority of regions reached (503, retriable).
     */
    public enum Kind { BAD_INPUT, REFUSED, CONFLICT, UNAVAILABLE }

    private final Kind kind;
    private final transient RoutingPlan current;

    public RouterException(Kind kind, String message) {
        this(kind, message, null);
    }

    private RouterException(Kind kind, String message, RoutingPlan current) {
        super(message, kind == Kind.UNAVAILABLE, null, null);
        this.kind = kind;
        this.current = current;
    }

    /** For a CONFLICT: the plan in force now, as far as this router knows (may be null). */
    public RoutingPlan current() {
        return current;
    }

    static RouterException conflict(String message, RoutingPlan current) {
        return new RouterException(Kind.CONFLICT, message, current);
    }

    static RouterException unavailable(String message) {
        return new RouterException(Kind.UNAVAILABLE, message);
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
