package io.meridian.core;

import java.util.List;
import java.util.Objects;

/**
 * A change to one record, as written to the mutation log and applied in every region: the
 * operations, the timestamp they are applied with ({@code USING TIMESTAMP}), the region that
 * accepted it, the idempotency nonce and the format version. Applying a mutation twice has the
 * effect of applying it once (same cells, same timestamp). Immutable and thread-safe.
 *
 * @param namespace validated namespace name
 * @param id record id (1..512 bytes UTF-8)
 * @param operations at least one operation
 * @param timestampMicros write time in microseconds (hybrid logical clock, see {@link HybridLogicalClock})
 * @param origin region that accepted the write
 * @param nonce the idempotency nonce of the write
 * @param schemaVersion format version ({@link #CURRENT_SCHEMA_VERSION} for new mutations)
 */
public record Mutation(String namespace, String id, List<Operation> operations, long timestampMicros,
        RegionId origin, long nonce, int schemaVersion) {

    /** The format version this code writes and the highest it reads. */
    public static final int CURRENT_SCHEMA_VERSION = 1;

    public Mutation {
        Limits.checkNamespace(namespace);
        Limits.checkId(id);
        Objects.requireNonNull(origin, "origin");
        operations = List.copyOf(operations);
        if (operations.isEmpty()) {
            throw new IllegalArgumentException("a mutation needs at least one operation");
        }
        if (timestampMicros <= 0) {
            throw new IllegalArgumentException("timestamp must be positive: " + timestampMicros);
        }
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schema version must be at least 1: " + schemaVersion);
        }
    }

    /** The Kafka key: namespace and id, so every mutation of one record goes to one partition, in order. */
    public String logKey() {
        return namespace + "/" + id;
    }
}
