package io.meridian.cache;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The cache tier of one server: a {@link RecordCache} per namespace, each with its own weight limit
 * (the namespace's configured limit, else the default), keyed by record id. Namespaces whose settings
 * turn the cache off bypass it entirely. Thread-safe.
 *
 * @param <V> the cached record type
 */
public final class CacheTier<V> {

    private final Function<String, RecordCache<String, V>> factory;
    private final Map<String, RecordCache<String, V>> caches = new ConcurrentHashMap<>();

    /**
     * @param factory builds the cache of a namespace (called once per namespace, on first use)
     */
    public CacheTier(Function<String, RecordCache<String, V>> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    private RecordCache<String, V> of(String namespace) {
        return caches.computeIfAbsent(namespace, factory);
    }

    /**
     * Reads a record through the namespace's cache; the loaded value is kept for {@code ttlOf(value)}
     * (not at all when that is zero).
     */
    public Optional<V> get(String namespace, String id, Function<? super V, Duration> ttlOf, Supplier<Optional<V>> loader) {
        return of(namespace).get(id, ttlOf, k -> loader.get());
    }

    /** The cached record, if any, without loading (see {@link RecordCache#peek}). */
    public Optional<Optional<V>> peek(String namespace, String id) {
        RecordCache<String, V> c = caches.get(namespace);
        return c == null ? Optional.empty() : c.peek(id);
    }

    /** Drops the record from this server's cache (a no-op for a namespace never cached). */
    public void invalidate(String namespace, String id) {
        RecordCache<String, V> c = caches.get(namespace);
        if (c != null) {
            c.invalidate(id);
        }
    }

    /** Drops everything. */
    public void invalidateAll() {
        caches.values().forEach(RecordCache::invalidateAll);
    }

    /** Per-namespace counters, by name. */
    public Map<String, RecordCache.Stats> stats() {
        Map<String, RecordCache.Stats> out = new TreeMap<>();
        caches.forEach((ns, c) -> out.put(ns, c.stats()));
        return out;
    }

    /** All namespaces' counters added up. */
    public RecordCache.Stats total() {
        return stats().values().stream().reduce(RecordCache.Stats.ZERO, RecordCache.Stats::plus);
    }
}
