package io.meridian.core.wire;

import java.util.Map;

/**
 * {@code GET /v1/cache}: one server instance's cache counters, in total and per namespace; {@code enabled} false
 * (and the rest empty) when the instance does not cache.
 *
 * @param invalidationMessages counters of the invalidation topic: received, sent, sendFailures
 */
public record CacheStatus(io.meridian.core.RegionId region, boolean enabled, Counters total, Map<String, Counters> namespaces,
        Map<String, Long> invalidationMessages) {

    public CacheStatus {
        // insertion order kept (the server lists namespaces in its order)
        namespaces = namespaces == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(namespaces));
        invalidationMessages = invalidationMessages == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(invalidationMessages));
    }

    /** One cache's counters since the instance started. */
    public record Counters(long reads, double hitRatio, long hits, long negativeHits, long misses, long coalesced,
            long loadFailures, long staleFillsRejected, long oversized, long invalidations, long evictions,
            long cacheFailures, long entries, long weightedBytes, long maxWeightBytes, long loadP50Micros,
            long loadP99Micros) {

        /** Nothing counted (a namespace not cached yet). */
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Invalidation messages received from the topic (0 when unknown). */
    public long invalidationsReceived() {
        return invalidationMessages.getOrDefault("received", 0L);
    }
}
