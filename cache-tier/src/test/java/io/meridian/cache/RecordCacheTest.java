package io.meridian.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class RecordCacheTest {

    private static final Duration TTL = Duration.ofMinutes(5);

    private static RecordCache.Builder<String> builder() {
        return RecordCache.<String>builder(String::length).sameThreadMaintenance();
    }

    @Test
    void aMissLoadsOnceAndTheNextReadIsAHit() {
        RecordCache<String, String> cache = builder().build();
        AtomicInteger loads = new AtomicInteger();
        assertThat(cache.get("k", TTL, k -> Optional.of("v" + loads.incrementAndGet()))).hasValue("v1");
        assertThat(cache.get("k", TTL, k -> Optional.of("v" + loads.incrementAndGet()))).hasValue("v1");
        assertThat(loads).hasValue(1);
        RecordCache.Stats s = cache.stats();
        assertThat(s.misses()).isEqualTo(1);
        assertThat(s.hits()).isEqualTo(1);
        assertThat(s.hitRatio()).isEqualTo(0.5);
        assertThat(s.weightedBytes()).isEqualTo(RecordCache.ENTRY_OVERHEAD_BYTES + 2);
    }

    @Test
    void concurrentMissesForOneKeyShareOneLoad() throws Exception {
        RecordCache<String, String> cache = builder().build();
        int readers = 16;
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger loads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            List<Future<Optional<String>>> results = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                results.add(pool.submit(() -> cache.get("hot", TTL, k -> {
                    loads.incrementAndGet();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Optional.of("value");
                })));
            }
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cache.stats().coalesced() == readers - 1);
            release.countDown();
            for (Future<Optional<String>> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).hasValue("value");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(loads).hasValue(1);
        assertThat(cache.stats().misses()).isEqualTo(1);
    }

    @Test
    void aFillThatRacedAnInvalidationIsNotInstalled() throws Exception {
        RecordCache<String, String> cache = builder().build();
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread reader = new Thread(() -> cache.get("k", TTL, k -> {
            loading.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.of("old"); // read before the write below
        }));
        reader.start();
        assertThat(loading.await(60, TimeUnit.SECONDS)).isTrue();
        cache.invalidate("k"); // the write landed in the store, then invalidated
        release.countDown();
        reader.join(60_000);
        assertThat(cache.peek("k")).isEmpty();
        assertThat(cache.stats().staleFillsRejected()).isEqualTo(1);
        assertThat(cache.get("k", TTL, k -> Optional.of("new"))).hasValue("new");
    }

    /**
     * Writers bump a key's version in a fake store and then invalidate; readers fill through the cache
     * with loads that yield at random points. Whatever the interleaving, once everyone is done no key may
     * hold a value older than the store's.
     */
    @Test
    void noStaleValueSurvivesRandomInterleavingsOfFillsAndInvalidations() throws Exception {
        long seed = Long.getLong("meridian.test.seed", System.nanoTime());
        System.out.println("stale-fill test seed " + seed + " (rerun with -Dmeridian.test.seed=" + seed + ")");
        int keys = 8;
        int rounds = 20;
        int opsPerThread = 2_500;
        long totalChecked = 0;
        for (int round = 0; round < rounds; round++) {
            RecordCache<Integer, Long> cache = RecordCache.<Long>builder(v -> 8).build();
            AtomicLongArray store = new AtomicLongArray(keys);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                boolean writer = t < 2;
                Random random = new Random(seed + round * 31L + t);
                threads.add(new Thread(() -> {
                    for (int i = 0; i < opsPerThread; i++) {
                        int k = random.nextInt(keys);
                        if (writer) {
                            store.incrementAndGet(k);
                            pause(random);
                            cache.invalidate(k);
                        } else {
                            cache.get(k, TTL, key -> {
                                pause(random);
                                long v = store.get(key);
                                pause(random);
                                return Optional.of(v);
                            });
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(120_000);
            }
            for (int k = 0; k < keys; k++) {
                Optional<Optional<Long>> cached = cache.peek(k);
                if (cached.isPresent()) {
                    assertThat(cached.get()).as("seed %d round %d key %d", seed, round, k).hasValue(store.get(k));
                    totalChecked++;
                }
            }
        }
        System.out.println("cached keys checked against the store: " + totalChecked);
    }

    private static void pause(Random random) {
        switch (random.nextInt(4)) {
            case 0 -> Thread.yield();
            case 1 -> LockSupport.parkNanos(random.nextInt(20_000));
            default -> { }
        }
    }

    @Test
    void aNotFoundIsCachedUntilInvalidated() {
        RecordCache<String, String> cache = builder().build();
        AtomicInteger loads = new AtomicInteger();
        assertThat(cache.get("gone", TTL, k -> {
            loads.incrementAndGet();
            return Optional.empty();
        })).isEmpty();
        assertThat(cache.get("gone", TTL, k -> Optional.of("unexpected"))).isEmpty();
        assertThat(cache.stats().negativeHits()).isEqualTo(1);
        cache.invalidate("gone");
        assertThat(cache.get("gone", TTL, k -> Optional.of("written"))).hasValue("written");
    }

    @Test
    void aNotFoundExpiresAfterTheNegativeTtl() {
        AtomicLong now = new AtomicLong();
        RecordCache<String, String> cache = builder().ticker(now::get).negativeTtl(Duration.ofSeconds(5)).build();
        assertThat(cache.get("k", TTL, k -> Optional.empty())).isEmpty();
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(cache.get("k", TTL, k -> Optional.of("later"))).hasValue("later");
    }

    @Test
    void valuesExpireAfterTheirTtl() {
        AtomicLong now = new AtomicLong();
        RecordCache<String, String> cache = builder().ticker(now::get).build();
        assertThat(cache.get("k", Duration.ofSeconds(30), k -> Optional.of("v1"))).hasValue("v1");
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        assertThat(cache.get("k", Duration.ofSeconds(30), k -> Optional.of("v2"))).hasValue("v1");
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(cache.get("k", Duration.ofSeconds(30), k -> Optional.of("v2"))).hasValue("v2");
    }

    @Test
    void anOversizedValueIsReturnedButNotCached() {
        RecordCache<String, String> cache = builder().maxEntryBytes(10).build();
        String big = "x".repeat(11);
        assertThat(cache.get("big", TTL, k -> Optional.of(big))).hasValue(big);
        assertThat(cache.peek("big")).isEmpty();
        assertThat(cache.stats().oversized()).isEqualTo(1);
        assertThat(cache.get("small", TTL, k -> Optional.of("y".repeat(10)))).isPresent();
        assertThat(cache.peek("small")).isPresent();
    }

    @Test
    void theWeightLimitEvicts() {
        int entry = RecordCache.ENTRY_OVERHEAD_BYTES + 100;
        RecordCache<Integer, String> cache = RecordCache.<String>builder(String::length).sameThreadMaintenance()
                .maxWeightBytes(10L * entry).build();
        for (int i = 0; i < 100; i++) {
            int k = i;
            cache.get(k, TTL, key -> Optional.of("v".repeat(100)));
        }
        cache.cleanUp();
        RecordCache.Stats s = cache.stats();
        assertThat(s.weightedBytes()).isLessThanOrEqualTo(10L * entry);
        assertThat(s.entries()).isLessThanOrEqualTo(10);
        // W-TinyLFU refuses most one-hit newcomers: their lease is evicted, so the fill is dropped
        assertThat(s.evictions() + s.staleFillsRejected()).isGreaterThanOrEqualTo(90);
    }

    @Test
    void aFailedLoadIsNotCachedAndReachesTheCaller() {
        RecordCache<String, String> cache = builder().build();
        assertThatThrownBy(() -> cache.get("k", TTL, k -> {
            throw new IllegalStateException("store down");
        })).isInstanceOf(IllegalStateException.class).hasMessage("store down");
        assertThat(cache.stats().loadFailures()).isEqualTo(1);
        assertThat(cache.get("k", TTL, k -> Optional.of("back"))).hasValue("back");
    }

    @Test
    void aBrokenCacheNeverFailsARead() {
        RecordCache<String, String> cache = RecordCache.<String>builder(v -> {
            throw new IllegalStateException("weigher bug");
        }).sameThreadMaintenance().build();
        assertThat(cache.get("k", TTL, k -> Optional.of("v"))).hasValue("v");
        assertThat(cache.stats().cacheFailures()).isPositive();
    }
}
