package io.meridian.core.wire;


/**
 * One audited routing change ({@code GET /v1/router/audit}): who, when, what, why.
 *
 * @param at epoch ms of the change
 * @param actor the operator, or {@code router@<region>} for an automatic step or refusal
 * @param action what was done (evacuate, restore, step, hold, resume, abort, automatic-evacuation, refused, ...)
 * @param region the region it concerns, or empty
 * @param reason why
 * @param planVersion the plan version it produced (or saw, for a refusal)
 * @param detail more about it, or empty
 */
public record AuditEntry(long at, String actor, String action, String region, String reason, long planVersion,
        String detail) {
}
