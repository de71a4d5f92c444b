package io.meridian.replicator;

import io.meridian.core.RegionId;
import io.meridian.core.SessionToken;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.utils.Utils;

/**
 * What this server instance knows is visible to its reads, per partition of each region's mutation log: the offset
 * below which every mutation is in this region's store <em>and</em> out of this instance's cache (its invalidation was
 * handled here before the position was). A position only grows ({@link #advance}), except when the log went back (a
 * gap: truncated or recreated; {@link #reset}) or the appliers were restarted at positions an operator set
 * ({@link #clear}). Sessions wait on it (docs/consistency.md, "Sessions"). Thread-safe.
 */
public final class AppliedPositions {

    private final Map<SessionToken.Position, Long> applied = new ConcurrentHashMap<>();
    private final Object changed = new Object();
    private final ToIntFunction<RegionId> partitionCounts;

    /**
     * @param partitionCounts how many partitions a region's log has (0: not known yet): a record's partition in it is
     *     what the producer chose for the record's key
     */
    public AppliedPositions(ToIntFunction<RegionId> partitionCounts) {
        this.partitionCounts = partitionCounts;
    }

    /** Raises the positions of {@code source}'s partitions (partition → offset below which all is applied). */
    public void advance(RegionId source, Map<Integer, Long> next) {
        boolean grew = false;
        for (Map.Entry<Integer, Long> e : next.entrySet()) {
            SessionToken.Position p = new SessionToken.Position(source, e.getKey());
            long before = applied.getOrDefault(p, -1L);
            if (e.getValue() > before) {
                applied.merge(p, e.getValue(), Math::max);
                grew = true;
            }
        }
        if (grew) {
            synchronized (changed) {
                changed.notifyAll();
            }
        }
    }

    /** Sets positions of {@code source}'s partitions as given, lower ones too (a log that went back). */
    public void reset(RegionId source, Map<Integer, Long> positions) {
        positions.forEach((p, o) -> applied.put(new SessionToken.Position(source, p), o));
    }

    /** Forgets every position (the appliers restart at positions an operator set). */
    public void clear() {
        applied.clear();
    }

    /** The offset below which {@code position} is applied here, or -1 when not known. */
    public long applied(SessionToken.Position position) {
        return applied.getOrDefault(position, -1L);
    }

    /**
     * The record's partition in {@code region}'s log, or -1 while that log's partition count is unknown. The
     * producer's choice for the record's key ({@link io.meridian.core.Mutation#logKey}): murmur2 of its UTF-8 bytes,
     * as Kafka's built-in partitioner does for keyed records.
     */
    public int partitionOf(RegionId region, String namespace, String id) {
        int n = partitionCounts.applyAsInt(region);
        if (n <= 0) {
            return -1;
        }
        return partitionFor(namespace + "/" + id, n);
    }

    /** Kafka's built-in partitioner's choice for a String key among {@code partitions}. */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * What {@code required} asks of a read of the record: its entries for the record's partition in each region's log
     * (an entry of another partition concerns other records; while a log's partition count is unknown, every entry of it
     * counts).
     */
    public SessionToken relevant(SessionToken required, String namespace, String id) {
        if (required.isEmpty()) {
            return required;
        }
        Map<SessionToken.Position, Long> out = new java.util.HashMap<>();
        Map<RegionId, Integer> partitions = new java.util.HashMap<>();
        required.entries().forEach((p, o) -> {
            int mine = partitions.computeIfAbsent(p.region(), r -> partitionOf(r, namespace, id));
            if (mine < 0 || mine == p.partition()) {
                out.put(p, o);
            }
        });
        return SessionToken.of(out);
    }

    /** Whether every position of {@code required} is applied here. */
    public boolean satisfies(SessionToken required) {
        for (Map.Entry<SessionToken.Position, Long> e : required.entries().entrySet()) {
            if (applied(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until {@code required} is satisfied, at most until {@code deadlineNanos} ({@link System#nanoTime()});
     * whether it is.
     */
    public boolean await(SessionToken required, long deadlineNanos) throws InterruptedException {
        synchronized (changed) {
            while (!satisfies(required)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(changed, left);
            }
            return true;
        }
    }
}
