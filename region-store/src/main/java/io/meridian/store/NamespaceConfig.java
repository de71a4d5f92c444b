package io.meridian.store;

import io.meridian.core.Limits;

/** A namespace's settings as stored in {@code <keyspace>.namespaces}. Immutable. */
public record NamespaceConfig(String name, int defaultTtlSeconds, boolean cacheEnabled, int cacheTtlSeconds) {

    public NamespaceConfig {
        Limits.checkNamespace(name);
        Limits.checkTtl("defaultTtlSeconds", defaultTtlSeconds);
        Limits.checkTtl("cacheTtlSeconds", cacheTtlSeconds);
    }

    /** The Cassandra table of the namespace: {@code ns_<name>} (the name rule makes it safe CQL). */
    public String table() {
        return StoreSchema.namespaceTable(name);
    }
}
