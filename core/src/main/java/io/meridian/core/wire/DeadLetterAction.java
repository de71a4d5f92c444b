package io.meridian.core.wire;

/**
 * Body of {@code POST /v1/replication/dead-letters/replay} and {@code …/discard}.
 *
 * @param through the last offset to act on (inclusive); null: every open letter
 * @param reason why (required for discard; it is logged and audited)
 */
public record DeadLetterAction(Long through, String reason) {
}
