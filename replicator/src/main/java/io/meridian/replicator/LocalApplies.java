package io.meridian.replicator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The records of this region's own mutation log that this process's write path has already applied to the
 * region's store (and announced to the region's caches), so this process's applier of the own log can skip them
 * instead of writing every local write a second time.
 *
 * <p>Design note (crash safety). An entry is added only after this process saw the local apply of exactly that
 * log record (its partition and offset, from the producer's acknowledgement) succeed at LOCAL_QUORUM and its
 * invalidation complete; the applier removes it when it reaches the record. Nothing here is durable: after a crash
 * the set is empty, the restarted applier re-reads from its committed offset and applies everything again, and an
 * instance that never wrote a record applies it. So a write is skipped only where it is known to be in the store,
 * and a write whose local apply failed, or was interrupted by a crash between append and apply, is always applied
 * by the applier (G1). Bounded: past {@link #MAX_ENTRIES} it stops remembering (the applier then applies, which is
 * merely redundant). Thread-safe.
 */
public final class LocalApplies {

    /** At most this many remembered records (a lagging applier must not grow memory). */
    public static final int MAX_ENTRIES = 100_000;

    private final Map<Integer, ConcurrentSkipListSet<Long>> byPartition = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** Remembers that the record at {@code partition}/{@code offset} of the own log is applied here. */
    public void remember(int partition, long offset) {
        if (size.get() >= MAX_ENTRIES) {
            return;
        }
        if (byPartition.computeIfAbsent(partition, p -> new ConcurrentSkipListSet<>()).add(offset)) {
            size.incrementAndGet();
        }
    }

    /**
     * Whether the record was applied here (and forgets it, and every remembered offset below it in that partition:
     * the applier has passed them).
     */
    public boolean takeApplied(int partition, long offset) {
        ConcurrentSkipListSet<Long> offsets = byPartition.get(partition);
        if (offsets == null) {
            return false;
        }
        boolean found = offsets.remove(offset);
        if (found) {
            size.decrementAndGet();
        }
        Long lower;
        while ((lower = offsets.lower(offset)) != null) {
            if (offsets.remove(lower)) {
                size.decrementAndGet();
            }
        }
        return found;
    }

    /** How many are remembered (tests, metrics). */
    public int size() {
        return size.get();
    }
}
