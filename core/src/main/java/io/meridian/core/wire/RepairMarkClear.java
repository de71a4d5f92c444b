package io.meridian.core.wire;

/**
 * Body of {@code POST /v1/replication/needs-repair/clear}.
 *
 * @param reason what made the region whole (required; logged)
 * @param expected the mark the caller saw before it made the region whole: the clear happens only if the mark is
 *        still exactly that (409 otherwise: an incident arrived meanwhile). Null clears whatever is there.
 */
public record RepairMarkClear(String reason, String expected) {
}
