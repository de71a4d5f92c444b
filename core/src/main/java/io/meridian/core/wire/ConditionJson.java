package io.meridian.core.wire;

import java.util.List;

/**
 * The condition of a mutate ({@code "condition"} in its body): {@code recordAbsent} — the record has no item; {@code items}
 * — each item (base64 {@code key}) at the write {@code timestamp} given, or absent when {@code timestamp} is 0 or null.
 */
public record ConditionJson(Boolean recordAbsent, List<ItemJson> items) {
}
