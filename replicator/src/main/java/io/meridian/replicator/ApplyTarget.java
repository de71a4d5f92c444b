package io.meridian.replicator;

import io.meridian.core.Mutation;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where an applier puts mutations: the applying region's store. Implementations must be thread-safe
 * and idempotent (applying the same mutation twice writes the same cells, as {@code USING TIMESTAMP}
 * does).
 */
@FunctionalInterface
public interface ApplyTarget {

    /**
     * Starts applying {@code m}; the stage completes once the mutation is durable in this region's store.
     *
     * @return empty when the mutation cannot be applied here yet (its namespace does not exist in this
     *     region): the applier then holds that partition, never skips it
     */
    Optional<CompletionStage<?>> apply(Mutation m);
}
