package io.meridian.core.wire;

/** Answer of {@code POST /v1/router/agreement/accept} (peers): whether the acceptor accepted the value. */
public record PlanAccepted(boolean accepted) {
}
