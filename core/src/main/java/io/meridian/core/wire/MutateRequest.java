package io.meridian.core.wire;

import java.util.List;

/**
 * Body of {@code POST /v1/namespaces/{ns}/records/{id}/mutate}: puts and deletes of one record,
 * applied atomically. With {@code deleteRecord} every item written before this mutation is removed
 * first, so {@code deleteRecord + puts} replaces the record.
 */
public record MutateRequest(List<ItemJson> puts, List<String> deletes, Boolean deleteRecord, ConditionJson condition) {

    /** An unconditional mutate. */
    public MutateRequest(List<ItemJson> puts, List<String> deletes, Boolean deleteRecord) {
        this(puts, deletes, deleteRecord, null);
    }
}
