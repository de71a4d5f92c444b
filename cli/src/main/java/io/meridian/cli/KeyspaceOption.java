package io.meridian.cli;

import io.meridian.store.StoreSchema;
import picocli.CommandLine.Option;

/** {@code --keyspace}: the keyspace the region servers were configured with ({@code cassandra.keyspace}). */
final class KeyspaceOption {

    @Option(names = "--keyspace", paramLabel = "KS", defaultValue = StoreSchema.DEFAULT_KEYSPACE,
            description = "The servers' Cassandra keyspace (cassandra.keyspace). Default: ${DEFAULT-VALUE}")
    String keyspace;

    /** The keyspace, checked (a clear error for a name that is not one). */
    String value() {
        return StoreSchema.checkKeyspace(keyspace);
    }
}
