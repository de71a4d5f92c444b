package io.meridian.core.wire;

/** Body of {@code POST /v1/router/agreement/prepare} (peers): phase 1 for {@code version} at {@code ballot}. */
public record PlanPrepare(long version, long ballot) {
}
