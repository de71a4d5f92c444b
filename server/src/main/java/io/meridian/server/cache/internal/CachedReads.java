package io.meridian.server.cache.internal;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.meridian.cache.CacheTier;
import io.meridian.cache.RecordCache;
import io.meridian.core.Bytes;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import io.meridian.store.StoredItem;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The read side of the data API, through the cache tier: a whole-record read is read-through (one
 * Cassandra read per miss, coalesced); reads of chosen keys and of a key range are answered from the
 * cached whole record when there is one and go to Cassandra otherwise (they do not fill the cache).
 * Results are the same as {@link CassandraStore}'s. A record is cached for the namespace's
 * {@code cacheTtlSeconds}, capped by the shortest remaining TTL among its items so an expiring item
 * never outlives its expiry in the cache. Thread-safe.
 */
public final class CachedReads {

    private final CassandraStore store;
    private final CacheTier<List<StoredItem>> tier;
    private final Timer hitTimer;
    private final long maxRecordBytes;

    /**
     * @param tier null when this server does not cache
     * @param maxRecordBytes the most keys and values one whole-record read returns
     */
    public CachedReads(CassandraStore store, CacheTier<List<StoredItem>> tier, long maxRecordBytes, MetricRegistry metrics) {
        this.store = store;
        this.tier = tier;
        this.maxRecordBytes = maxRecordBytes;
        this.hitTimer = metrics.timer("meridian.cache.hit-read");
    }

    /** The cache tier of this server (its weigher: keys + values + 48 bytes per item). */
    public static CacheTier<List<StoredItem>> tier(long defaultMaxWeightBytes, java.util.Map<String, Long> perNamespace,
            long maxRecordBytes, Duration negativeTtl) {
        return new CacheTier<>(ns -> RecordCache.<List<StoredItem>>builder(CachedReads::weight)
                .maxWeightBytes(perNamespace.getOrDefault(ns, defaultMaxWeightBytes)).maxEntryBytes(maxRecordBytes)
                .negativeTtl(negativeTtl).build());
    }

    static int weight(List<StoredItem> items) {
        long w = 0;
        for (StoredItem i : items) {
            w += i.key().size() + i.value().size() + 48;
        }
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    private boolean cached(NamespaceConfig ns) {
        return tier != null && ns.cacheEnabled() && ns.cacheTtlSeconds() > 0;
    }

    /** Time to keep a record: the namespace's cache TTL, capped by its items' shortest remaining TTL. */
    static Duration ttlOf(NamespaceConfig ns, List<StoredItem> items) {
        long ttl = ns.cacheTtlSeconds();
        for (StoredItem i : items) {
            if (i.ttlSeconds() > 0) {
                ttl = Math.min(ttl, i.ttlSeconds() - 1L); // the remaining TTL is rounded: keep a second's margin
            }
        }
        return Duration.ofSeconds(Math.max(0, ttl));
    }

    /**
     * Every item of the record in key order; empty when it has none.
     *
     * @throws io.meridian.store.RecordTooLargeException when its keys and values hold more than the bound of one read
     */
    public List<StoredItem> readAll(NamespaceConfig ns, String id) {
        if (!cached(ns)) {
            return store.readAll(ns, id, maxRecordBytes);
        }
        Optional<List<StoredItem>> hit = peek(ns, id);
        if (hit.isPresent()) {
            if (CassandraStore.bytes(hit.get()) > maxRecordBytes) { // a cache allowed larger entries than a read returns
                throw new io.meridian.store.RecordTooLargeException(ns.name(), id, maxRecordBytes);
            }
            return hit.get();
        }
        return tier.get(ns.name(), id, items -> ttlOf(ns, items), () -> {
            List<StoredItem> items = store.readAll(ns, id, maxRecordBytes);
            return items.isEmpty() ? Optional.empty() : Optional.of(items);
        }).orElse(List.of());
    }

    /**
     * The items with the given keys, in key order.
     *
     * @throws io.meridian.store.RecordTooLargeException when they hold more than the bound of one read
     */
    public List<StoredItem> readKeys(NamespaceConfig ns, String id, List<Bytes> keys) {
        if (cached(ns)) {
            Optional<List<StoredItem>> hit = peek(ns, id);
            if (hit.isPresent()) {
                Set<Bytes> wanted = new HashSet<>(keys);
                List<StoredItem> chosen = hit.get().stream().filter(i -> wanted.contains(i.key())).toList();
                if (CassandraStore.bytes(chosen) > maxRecordBytes) {
                    throw new io.meridian.store.RecordTooLargeException(ns.name(), id, maxRecordBytes);
                }
                return chosen;
            }
        }
        return store.readKeys(ns, id, keys, maxRecordBytes);
    }

    /** A page of the key range, as {@link CassandraStore#readRange}. */
    public CassandraStore.RangePage readRange(NamespaceConfig ns, String id, Bytes from, Bytes to, Bytes afterKey,
            long pageBytes) {
        if (cached(ns)) {
            Optional<List<StoredItem>> hit = peek(ns, id);
            if (hit.isPresent()) {
                List<StoredItem> inRange = hit.get().stream()
                        .filter(i -> afterKey != null ? i.key().compareTo(afterKey) > 0 : from == null || i.key().compareTo(from) >= 0)
                        .filter(i -> to == null || i.key().compareTo(to) < 0).toList();
                return CassandraStore.page(inRange, pageBytes);
            }
        }
        return store.readRange(ns, id, from, to, afterKey, pageBytes);
    }

    /** A cached whole record (empty list: cached not-found), timed as a cache hit. */
    private Optional<List<StoredItem>> peek(NamespaceConfig ns, String id) {
        long t0 = System.nanoTime();
        Optional<Optional<List<StoredItem>>> hit = tier.peek(ns.name(), id);
        if (hit.isEmpty()) {
            return Optional.empty();
        }
        hitTimer.update(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        return Optional.of(hit.get().orElse(List.of()));
    }
}
