package io.meridian.replicator;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The records of this region's own mutation log that this process's write path applies to the region's store (and
 * announces to the region's caches), so this process's applier of the own log can skip them instead of writing
 * every local write a second time.
 *
 * <p>Design note. The write path appends a record (tagged with this process's {@link #writerId()} in header
 * {@value #WRITER_HEADER}), then applies it. The applier usually fetches the record while that apply still runs, so
 * it does not look the record up once: for a record this process wrote, it takes the write path's <em>outcome</em>
 * for exactly that partition and offset, a future the write path completes with the mutation's identity and true
 * once the apply succeeded at LOCAL_QUORUM and its invalidation was acknowledged, with false when the apply failed,
 * timed out or the announcement did not complete. True for the same mutation: skip; anything else: the applier
 * applies it itself. The applier waits for the outcome only as long as
 * the write path can take ({@link #MAX_WAIT_MILLIS}, then it applies), and only for a record fresher than that: an
 * old record, or one the applier had passed before (a batch read again, a partition reassigned), is applied at once.
 *
 * <p>Crash safety (G1). Nothing here is durable: after a crash the set is empty, the restarted applier re-reads
 * from its committed offset and applies everything (its writer id is new), and an instance that never wrote a
 * record applies it. So a write is skipped only where this process saw it in the store, and a write whose local
 * apply failed, or was interrupted, is always applied by the applier. Bounded: at {@link #MAX_ENTRIES} it forgets
 * the decided outcomes no applier took (partitions another instance reads, stopped appliers); if it is still full,
 * it stops tracking (the applier then applies, which is merely redundant). Thread-safe.
 */
public final class LocalApplies {

    /** At most this many tracked records (a lagging applier must not grow memory). */
    public static final int MAX_ENTRIES = 100_000;

    /** The Kafka header that names the process whose write path appended a record. */
    public static final String WRITER_HEADER = "meridian.writer";

    /** The longest the applier waits for the write path's outcome (longer than an append plus an apply can take). */
    public static final long MAX_WAIT_MILLIS = 15_000;

    private final byte[] writerId = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    /** The write path's outcome for one record: which mutation it was (timestamp and nonce), and whether it applied. */
    private record Done(long timestampMicros, long nonce, boolean applied) {
    }

    private final Map<Integer, ConcurrentSkipListMap<Long, CompletableFuture<Done>>> byPartition = new ConcurrentHashMap<>();
    private final Map<Integer, Long> passed = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** This process's id as the write path tags its records with it. */
    public byte[] writerId() {
        return writerId.clone();
    }

    /** Whether a record with this {@value #WRITER_HEADER} header value was appended by this process. */
    public boolean wroteHere(byte[] header) {
        return header != null && java.util.Arrays.equals(header, writerId);
    }

    private CompletableFuture<Done> entry(int partition, long offset) {
        ConcurrentSkipListMap<Long, CompletableFuture<Done>> offsets = byPartition.computeIfAbsent(partition,
                p -> new ConcurrentSkipListMap<>());
        CompletableFuture<Done> existing = offsets.get(offset);
        if (existing != null) {
            return existing;
        }
        if (size.get() >= MAX_ENTRIES) {
            sweep(); // outcomes no applier took (partitions another instance reads, appliers stopped): drop the decided
            if (size.get() >= MAX_ENTRIES) {
                return null;
            }
        }
        CompletableFuture<Done> created = new CompletableFuture<>();
        existing = offsets.putIfAbsent(offset, created);
        if (existing != null) {
            return existing;
        }
        size.incrementAndGet();
        return created;
    }

    /**
     * The write path's outcome for its record at {@code partition}/{@code offset}, the mutation with this timestamp
     * and nonce: applied here (true) or not. The applier skips a record only if it is that very mutation (a log
     * recreated or truncated under a running process can put another record at the same offset).
     */
    public void complete(int partition, long offset, long timestampMicros, long nonce, boolean applied) {
        // also when the applier passed it already (it applied it, having waited too long): such an entry is
        // forgotten as the applier passes the next record of the partition, or swept at the bound
        CompletableFuture<Done> f = entry(partition, offset);
        if (f != null) {
            f.complete(new Done(timestampMicros, nonce, applied));
        }
    }

    private void sweep() {
        byPartition.values().forEach(offsets -> forgetDecided(offsets, offsets));
    }

    /** Forgets the decided entries of {@code range} (a view of {@code offsets}); pending ones stay. */
    private void forgetDecided(ConcurrentSkipListMap<Long, CompletableFuture<Done>> offsets, Map<Long, CompletableFuture<Done>> range) {
        for (Map.Entry<Long, CompletableFuture<Done>> e : range.entrySet()) {
            if (e.getValue().isDone() && offsets.remove(e.getKey(), e.getValue())) {
                size.decrementAndGet();
            }
        }
    }

    /**
     * For the applier, at a record this process wrote: what the write path did with it. Completes with true when the
     * record is in the store (skip it), false when the applier must apply it (the write path failed, did not finish
     * within {@link #MAX_WAIT_MILLIS}, the record is older than that or was passed before, or it is not tracked).
     * Forgets the record and every one below it in the partition (the applier has passed them).
     *
     * @param createTimeMillis the record's create time (set by the producer as it was appended)
     */
    public CompletableFuture<Boolean> outcome(int partition, long offset, long timestampMicros, long nonce, long createTimeMillis,
            long nowMillis) {
        Long before = passed.get(partition);
        boolean seenBefore = before != null && offset <= before;
        passed.merge(partition, offset, Math::max);
        ConcurrentSkipListMap<Long, CompletableFuture<Done>> offsets = byPartition.get(partition);
        CompletableFuture<Done> f = offsets == null ? null : offsets.get(offset);
        if (f == null && !seenBefore && nowMillis - createTimeMillis < MAX_WAIT_MILLIS) {
            f = entry(partition, offset); // the write path is still at it: wait for its outcome
        }
        forgetBelow(partition, offset);
        if (f == null) {
            return CompletableFuture.completedFuture(false);
        }
        long waitMillis = Math.max(0, MAX_WAIT_MILLIS - Math.max(0, nowMillis - createTimeMillis));
        CompletableFuture<Done> tracked = f;
        CompletableFuture<Boolean> decided = f.thenApply(d -> d.applied() && d.timestampMicros() == timestampMicros && d.nonce() == nonce);
        if (!f.isDone()) {
            decided = decided.completeOnTimeout(false, waitMillis, TimeUnit.MILLISECONDS);
        }
        return decided.whenComplete((x, e) -> forget(partition, offset, tracked));
    }

    private void forget(int partition, long offset, CompletableFuture<Done> f) {
        ConcurrentSkipListMap<Long, CompletableFuture<Done>> offsets = byPartition.get(partition);
        if (offsets != null && offsets.remove(offset, f)) {
            size.decrementAndGet();
        }
    }

    /**
     * Forgets the decided records below {@code offset} (the applier passed them). One the applier still waits for is
     * forgotten by that wait's end, so the write path's outcome still reaches it.
     */
    private void forgetBelow(int partition, long offset) {
        ConcurrentSkipListMap<Long, CompletableFuture<Done>> offsets = byPartition.get(partition);
        if (offsets != null) {
            forgetDecided(offsets, offsets.headMap(offset));
        }
    }

    /** How many are tracked (tests, metrics). */
    public int size() {
        return size.get();
    }
}
