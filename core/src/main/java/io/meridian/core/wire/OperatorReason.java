package io.meridian.core.wire;

/** Body of {@code POST /v1/router/abort}, {@code /hold} and {@code /resume}: why (it goes to the audit log). */
public record OperatorReason(String reason) {
}
