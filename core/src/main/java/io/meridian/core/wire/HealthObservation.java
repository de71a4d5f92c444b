package io.meridian.core.wire;

/**
 * What one observer sees of one region ({@code GET /v1/router/observations}, and inside {@code /v1/router/health}).
 *
 * @param healthy healthy now
 * @param sinceMillis epoch ms since when it has been continuously so
 * @param detail  the failing checks, or empty
 */
public record HealthObservation(boolean healthy, long sinceMillis, String detail) {
}
