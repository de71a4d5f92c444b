package io.meridian.server.internal;

import io.meridian.core.Mutation;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The two steps of the write path, as seen by {@link WritePath}; real: {@link MutationLog}, {@link CassandraStore}. */
public final class MutationSink {

    private MutationSink() { }

    /** Appends a mutation to the region's log; completes when it is durable there. */
    @FunctionalInterface
    public interface Log {
        CompletableFuture<Void> append(Mutation m);
    }

    /** Applies a mutation to the region's store with its own timestamp. */
    @FunctionalInterface
    public interface Store {
        CompletionStage<?> apply(Mutation m, NamespaceConfig ns);
    }
}
