package io.meridian.client;

import io.meridian.core.Limits;

/**
 * A namespace and its settings: default TTL of items (0: never expire), and whether and how long the
 * cache tier keeps its records. Immutable.
 */
public record NamespaceSettings(String name, int defaultTtlSeconds, boolean cacheEnabled, int cacheTtlSeconds) {

    public NamespaceSettings {
        Limits.checkNamespace(name);
    }

    /** Defaults: no TTL, cache on for {@value io.meridian.core.wire.NamespaceJson#DEFAULT_CACHE_TTL_SECONDS} s. */
    public static NamespaceSettings of(String name) {
        return new NamespaceSettings(name, 0, true, io.meridian.core.wire.NamespaceJson.DEFAULT_CACHE_TTL_SECONDS);
    }
}
