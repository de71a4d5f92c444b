package io.meridian.core.wire;

/**
 * A namespace's configuration. {@code defaultTtlSeconds} 0 = items never expire; the cache fields are
 * used by the cache tier.
 */
public record NamespaceJson(String name, Integer defaultTtlSeconds, Boolean cacheEnabled, Integer cacheTtlSeconds) {

    /** How long a record stays cached when a namespace's settings do not say (seconds). */
    public static final int DEFAULT_CACHE_TTL_SECONDS = 300;
}
