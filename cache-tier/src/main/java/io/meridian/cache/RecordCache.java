package io.meridian.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A read-through cache of whole records, EVCache-style: values are never replicated, only invalidated,
 * and a fill can never install a value older than an invalidation it raced with.
 *
 * <p><b>Leases.</b> A miss first installs a <em>lease</em> for the key, then loads. When the load
 * returns, the value replaces the lease only if that very lease is still there
 * ({@code ConcurrentMap.replace(key, lease, value)}). An {@link #invalidate} removes whatever the key
 * holds, lease included, so a load that started before an invalidation can never be installed after
 * it: the fill is rejected and counted ({@code staleFillsRejected}). Other misses for a key that has a
 * lease wait for the lease's load instead of loading themselves (coalescing: N concurrent misses, one
 * read of the store). This is Facebook's memcache lease, with Caffeine's atomic map operations as the
 * arbiter.
 *
 * <p><b>Bounds.</b> Weighed in bytes (the caller's weigher plus a fixed per-entry overhead), evicted by
 * W-TinyLFU within {@code maxWeightBytes}; a value heavier than {@code maxEntryBytes} is returned but
 * not cached. Every entry expires: values after the TTL given with the read, not-found results after
 * {@code negativeTtl}, leases after {@code leaseTimeout} (a stuck load cannot block a key forever).
 *
 * <p><b>Failure.</b> The cache never fails a read: if the cache itself throws, the read goes to the
 * loader directly ({@code cacheFailures}); a failed load is not cached and its error goes to the caller
 * (waiters on its lease load for themselves). Thread-safe.
 *
 * @param <K> key type (equals/hashCode)
 * @param <V> cached value type (immutable)
 */
public final class RecordCache<K, V> {

    /** Bytes counted per entry on top of the value's own weight (key, map node, timestamps). */
    public static final int ENTRY_OVERHEAD_BYTES = 96;

    private sealed interface Entry permits Value, Lease {
        long ttlNanos();

        int weight();
    }

    /** A cached load result; {@code value} null for a cached not-found. */
    private record Value(Object value, long ttlNanos, int weight) implements Entry {
    }

    /** A load in progress. Identity matters: equals is not overridden. */
    private static final class Lease implements Entry {
        final CompletableFuture<Optional<?>> result = new CompletableFuture<>();
        final long startedNanos;
        final long ttlNanos;

        Lease(long startedNanos, long ttlNanos) {
            this.startedNanos = startedNanos;
            this.ttlNanos = ttlNanos;
        }

        @Override
        public long ttlNanos() {
            return ttlNanos;
        }

        @Override
        public int weight() {
            return ENTRY_OVERHEAD_BYTES;
        }
    }

    private final Cache<K, Entry> cache;
    private final ConcurrentMap<K, Entry> map;
    private final ToIntFunction<V> weigher;
    private final long maxEntryBytes;
    private final long negativeTtlNanos;
    private final long leaseTimeoutNanos;
    private final Ticker ticker;

    private final LongAdder hits = new LongAdder();
    private final LongAdder negativeHits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder loadFailures = new LongAdder();
    private final LongAdder staleFillsRejected = new LongAdder();
    private final LongAdder oversized = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder cacheFailures = new LongAdder();
    private final Recorder loadMicros = new Recorder(3);
    private final Histogram loadTotal = new Histogram(3);

    private RecordCache(Builder<V> b) {
        this.weigher = b.weigher;
        this.maxEntryBytes = b.maxEntryBytes;
        this.negativeTtlNanos = b.negativeTtl.toNanos();
        this.leaseTimeoutNanos = b.leaseTimeout.toNanos();
        this.ticker = b.ticker;
        Caffeine<Object, Object> c = Caffeine.newBuilder().maximumWeight(b.maxWeightBytes).ticker(b.ticker);
        if (b.sameThreadMaintenance) {
            c.executor(Runnable::run);
        }
        this.cache = c.<K, Entry>weigher((k, e) -> e.weight())
                .expireAfter(new Expiry<K, Entry>() {
                    @Override
                    public long expireAfterCreate(K key, Entry e, long now) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(K key, Entry e, long now, long current) {
                        return e.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(K key, Entry e, long now, long current) {
                        return current;
                    }
                })
                .evictionListener((K k, Entry e, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (e instanceof Value && cause == com.github.benmanes.caffeine.cache.RemovalCause.SIZE) {
                        evictions.increment();
                    }
                })
                .build();
        this.map = cache.asMap();
    }

    public static <V> Builder<V> builder(ToIntFunction<V> weigher) {
        return new Builder<>(weigher);
    }

    /**
     * The value for {@code key}: from the cache, or from {@code loader} (then cached for {@code ttl}, or
     * for the negative TTL when the loader finds nothing). Concurrent misses for one key share one load.
     *
     * @throws RuntimeException what the loader threw (nothing is cached then)
     */
    public Optional<V> get(K key, Duration ttl, Function<? super K, Optional<V>> loader) {
        Objects.requireNonNull(ttl, "ttl");
        return get(key, v -> ttl, loader);
    }

    /**
     * As {@link #get(Object, Duration, Function)}, with the TTL chosen per loaded value (e.g. capped by
     * the shortest TTL of the items it holds).
     */
    @SuppressWarnings("unchecked")
    public Optional<V> get(K key, Function<? super V, Duration> ttlOf, Function<? super K, Optional<V>> loader) {
        Objects.requireNonNull(key, "key");
        Lease lease;
        try {
            while (true) {
                Entry e = map.get(key);
                if (e instanceof Value v) {
                    (v.value() == null ? negativeHits : hits).increment();
                    return Optional.ofNullable((V) v.value());
                }
                if (e instanceof Lease l) {
                    long left = leaseTimeoutNanos - (ticker.read() - l.startedNanos);
                    if (left > 0) {
                        coalesced.increment();
                        return awaitLease(l, left, key, loader);
                    }
                    map.remove(key, l);
                    continue;
                }
                Lease mine = new Lease(ticker.read(), leaseTimeoutNanos);
                if (map.putIfAbsent(key, mine) == null) {
                    lease = mine;
                    break;
                }
            }
        } catch (RuntimeException cacheBroken) {
            cacheFailures.increment();
            return loader.apply(key);
        }
        misses.increment();
        long t0 = System.nanoTime();
        Optional<V> loaded;
        try {
            loaded = Objects.requireNonNull(loader.apply(key), "loader returned null");
        } catch (RuntimeException | Error ex) {
            loadFailures.increment();
            quietly(() -> map.remove(key, lease));
            lease.result.completeExceptionally(ex);
            throw ex;
        }
        loadMicros.recordValue(Math.max(0, (System.nanoTime() - t0) / 1_000));
        quietly(() -> install(key, lease, loaded, loaded.map(ttlOf).orElse(Duration.ZERO)));
        lease.result.complete(loaded);
        return loaded;
    }

    @SuppressWarnings("unchecked")
    private Optional<V> awaitLease(Lease l, long leftNanos, K key, Function<? super K, Optional<V>> loader) {
        try {
            return (Optional<V>) l.result.get(leftNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return loader.apply(key); // the leader failed or is stuck: read for ourselves, cache nothing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return loader.apply(key);
        }
    }

    private void install(K key, Lease lease, Optional<V> loaded, Duration ttl) {
        long ttlNanos = loaded.isPresent() ? ttl.toNanos() : negativeTtlNanos;
        long weight = ENTRY_OVERHEAD_BYTES + (loaded.isPresent() ? weigher.applyAsInt(loaded.get()) : 0L);
        if (ttlNanos <= 0 || weight - ENTRY_OVERHEAD_BYTES > maxEntryBytes) {
            if (ttlNanos > 0) {
                oversized.increment();
            }
            map.remove(key, lease);
            return;
        }
        Value value = new Value(loaded.orElse(null), ttlNanos, (int) Math.min(Integer.MAX_VALUE, weight));
        if (!map.replace(key, lease, value)) {
            staleFillsRejected.increment(); // invalidated (or evicted) while loading
        }
    }

    /**
     * The cached result for {@code key} without loading: empty when nothing is cached (or a load is in
     * progress); {@code Optional.of(Optional.empty())} for a cached not-found.
     */
    @SuppressWarnings("unchecked")
    public Optional<Optional<V>> peek(K key) {
        try {
            Entry e = map.get(key);
            if (e instanceof Value v) {
                (v.value() == null ? negativeHits : hits).increment();
                return Optional.of(Optional.ofNullable((V) v.value()));
            }
        } catch (RuntimeException cacheBroken) {
            cacheFailures.increment();
        }
        return Optional.empty();
    }

    /** Drops whatever {@code key} holds (a value, a not-found, or a lease, whose fill is then rejected). */
    public void invalidate(K key) {
        invalidations.increment();
        quietly(() -> map.remove(key));
    }

    /** Drops everything (leases included). */
    public void invalidateAll() {
        quietly(map::clear);
    }

    /** Runs pending maintenance (eviction, expiry) now; for tests and stats. */
    public void cleanUp() {
        quietly(cache::cleanUp);
    }

    private void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            cacheFailures.increment();
        }
    }

    /** A snapshot of the counters since creation. */
    public synchronized Stats stats() {
        loadTotal.add(loadMicros.getIntervalHistogram());
        long weighted = cache.policy().eviction().map(ev -> ev.weightedSize().orElse(0)).orElse(0L);
        long max = cache.policy().eviction().map(ev -> ev.getMaximum()).orElse(0L);
        return new Stats(hits.sum(), negativeHits.sum(), misses.sum(), coalesced.sum(), loadFailures.sum(),
                staleFillsRejected.sum(), oversized.sum(), invalidations.sum(), evictions.sum(), cacheFailures.sum(),
                cache.estimatedSize(), weighted, max, loadTotal.getTotalCount() == 0 ? 0 : loadTotal.getValueAtPercentile(50),
                loadTotal.getTotalCount() == 0 ? 0 : loadTotal.getValueAtPercentile(99));
    }

    /**
     * Counters of one cache.
     *
     * @param hits               reads answered with a cached value
     * @param negativeHits       reads answered with a cached not-found
     * @param misses             reads that loaded from the store (one store read each)
     * @param coalesced          reads that waited for another read's load instead of loading
     * @param loadFailures       loads that threw (not cached)
     * @param staleFillsRejected loads not installed because the key was invalidated while they ran
     * @param oversized          loads not cached because the value exceeds the per-entry limit
     * @param invalidations      invalidations received
     * @param evictions          values evicted for size
     * @param cacheFailures      cache operations that threw (the read went to the store)
     * @param entries            entries now (estimate)
     * @param weightedBytes      weighted size now
     * @param maxWeightBytes     the weight limit
     * @param loadP50Micros      median load latency
     * @param loadP99Micros      99th percentile load latency
     */
    public record Stats(long hits, long negativeHits, long misses, long coalesced, long loadFailures,
            long staleFillsRejected, long oversized, long invalidations, long evictions, long cacheFailures,
            long entries, long weightedBytes, long maxWeightBytes, long loadP50Micros, long loadP99Micros) {

        /** Reads served: hits, negative hits, misses and coalesced waits. */
        public long reads() {
            return hits + negativeHits + misses + coalesced;
        }

        /** Share of reads answered from the cache (negative hits included), 0 when there were none. */
        public double hitRatio() {
            long r = reads();
            return r == 0 ? 0 : (double) (hits + negativeHits) / r;
        }

        /** Sum of two snapshots (weights and counts add; latencies keep the larger). */
        public Stats plus(Stats o) {
            return new Stats(hits + o.hits, negativeHits + o.negativeHits, misses + o.misses, coalesced + o.coalesced,
                    loadFailures + o.loadFailures, staleFillsRejected + o.staleFillsRejected, oversized + o.oversized,
                    invalidations + o.invalidations, evictions + o.evictions, cacheFailures + o.cacheFailures,
                    entries + o.entries, weightedBytes + o.weightedBytes, maxWeightBytes + o.maxWeightBytes, Math.max(loadP50Micros, o.loadP50Micros),
                    Math.max(loadP99Micros, o.loadP99Micros));
        }

        public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Builder; not thread-safe. */
    public static final class Builder<V> {
        private final ToIntFunction<V> weigher;
        private long maxWeightBytes = 64L * 1024 * 1024;
        private long maxEntryBytes = 64 * 1024;
        private Duration negativeTtl = Duration.ofSeconds(5);
        private Duration leaseTimeout = Duration.ofSeconds(10);
        private Ticker ticker = Ticker.systemTicker();
        private boolean sameThreadMaintenance;

        private Builder(ToIntFunction<V> weigher) {
            this.weigher = Objects.requireNonNull(weigher, "weigher");
        }

        /** Total weight kept; default 64 MiB. */
        public Builder<V> maxWeightBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxWeightBytes must not be negative");
            }
            this.maxWeightBytes = bytes;
            return this;
        }

        /** Values heavier than this are returned but not cached; default 64 KiB. */
        public Builder<V> maxEntryBytes(long bytes) {
            this.maxEntryBytes = bytes;
            return this;
        }

        /** How long a not-found is cached; default 5 s (zero: not cached). */
        public Builder<V> negativeTtl(Duration ttl) {
            this.negativeTtl = Objects.requireNonNull(ttl, "negativeTtl");
            return this;
        }

        /** How long other readers wait for a load before loading themselves; default 10 s. */
        public Builder<V> leaseTimeout(Duration timeout) {
            this.leaseTimeout = Objects.requireNonNull(timeout, "leaseTimeout");
            return this;
        }

        /** Time source for expiry (tests). */
        public Builder<V> ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Run Caffeine's maintenance on the calling thread (deterministic eviction in tests). */
        public Builder<V> sameThreadMaintenance() {
            this.sameThreadMaintenance = true;
            return this;
        }

        public <K> RecordCache<K, V> build() {
            return new RecordCache<>(this);
        }
    }
}
