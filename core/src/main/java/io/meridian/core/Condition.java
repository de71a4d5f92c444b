package io.meridian.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The condition of a conditional write: it is applied only if, in the region that accepts it, the record has no item
 * ({@code recordAbsent}) and each named item is at the expected version: its write timestamp (µs), or absent
 * ({@link #ABSENT}). Decided in the accepting region, one conditional write of a record at a time (docs/consistency.md).
 */
public record Condition(boolean recordAbsent, Map<Bytes, Long> items) {

    /** The expected version of an item that must not exist. */
    public static final long ABSENT = 0;

    public Condition {
        items = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(items));
        for (Map.Entry<Bytes, Long> e : items.entrySet()) {
            Limits.checkKey(e.getKey());
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("expected version of an item must be a timestamp (µs) or 0 (absent): " + e.getValue());
            }
        }
        if (!recordAbsent && items.isEmpty()) {
            throw new IllegalArgumentException("a condition names the record (absent) or at least one item");
        }
        Limits.checkOperations(items.size());
    }

    /**
     * Whether the condition holds for the current versions of its items ({@code current}: key → timestamp of the
     * items that exist) and whether the record has any item.
     */
    public boolean holds(Map<Bytes, Long> current, boolean recordEmpty) {
        if (recordAbsent && !recordEmpty) {
            return false;
        }
        for (Map.Entry<Bytes, Long> e : items.entrySet()) {
            Long now = current.get(e.getKey());
            if (e.getValue() == ABSENT ? now != null : now == null || now.longValue() != e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
