package io.meridian.server.data.internal;

import io.meridian.core.Mutation;
import io.meridian.core.Traceparent;
import io.meridian.replicator.LogPosition;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The two steps of the write path, as seen by {@link WritePath}; real: the replicator's {@code MutationLog}, the region store's {@code CassandraStore}. */
public final class MutationSink {

    private MutationSink() { }

    /**
     * Appends a mutation to the region's log with the trace of the request that wrote it (null: none); completes with
     * its position when it is durable there.
     */
    @FunctionalInterface
    public interface Log {
        CompletableFuture<LogPosition> append(Mutation m, Traceparent trace);
    }

    /** Told after a write's local apply succeeded (not awaited by the write's answer), or failed after the append. */
    @FunctionalInterface
    public interface Applied {
        void applied(Mutation m, LogPosition position);

        /** The write is in the log at {@code position} but its local apply failed or did not finish (default: nothing). */
        default void notApplied(Mutation m, LogPosition position) {
        }
    }

    /**
     * What a conditional write needs of the region's store: one decider per record at a time (a lock that ends by
     * itself), and the current versions of items.
     */
    public interface Guard {
        /** Takes the record's lock for {@code owner} unless another holds it; it ends by itself after {@code ttl}. */
        boolean tryLock(NamespaceConfig ns, String id, String owner, java.time.Duration ttl);

        /** Gives the lock back if {@code owner} holds it. */
        void unlock(NamespaceConfig ns, String id, String owner);

        /** The write timestamps of those of {@code keys} that exist in the record. */
        java.util.Map<io.meridian.core.Bytes, Long> versions(NamespaceConfig ns, String id, java.util.Collection<io.meridian.core.Bytes> keys);

        /** Whether the record has no item. */
        boolean recordEmpty(NamespaceConfig ns, String id);

        /** Notes, region-wide for {@code ttl}, that the conditional write of {@code token} was decided on the record. */
        void decide(NamespaceConfig ns, String id, io.meridian.core.IdempotencyToken token, java.time.Duration ttl);

        /** Whether the record's item {@code key} holds {@code value} written at {@code timestamp}. */
        boolean holds(NamespaceConfig ns, String id, io.meridian.core.Bytes key, io.meridian.core.Bytes value, long timestamp);

        /** Whether {@link #decide} noted {@code token} on the record. */
        boolean decided(NamespaceConfig ns, String id, io.meridian.core.IdempotencyToken token);
    }

    /** Applies a mutation to the region's store with its own timestamp. */
    @FunctionalInterface
    public interface Store {
        CompletionStage<?> apply(Mutation m, NamespaceConfig ns);
    }
}
