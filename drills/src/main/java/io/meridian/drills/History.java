package io.meridian.drills;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every operation the drill's workload attempted, in completion order. Thread-safe (appends from the
 * workload threads).
 */
public final class History {

    /** What an operation did. */
    public enum Kind { PUT, DELETE, READ }

    /**
     * One operation.
     *
     * @param startMillis epoch ms when it was sent
     * @param endMillis   epoch ms when it completed or failed
     * @param home        the client's home region
     * @param servedBy    the region that acknowledged it (null when it failed or for reads)
     * @param kind        put, delete (of one item) or read
     * @param id          record id
     * @param key         item key (null for reads)
     * @param value       the value put (null otherwise)
     * @param timestamp   the write's timestamp when acknowledged, else 0
     * @param ok          acknowledged (writes) or answered (reads)
     * @param error       the failure, or null
     */
    public record Op(long startMillis, long endMillis, String home, String servedBy, Kind kind, String id, String key,
            String value, long timestamp, boolean ok, String error) {
    }

    private final List<Op> ops = new CopyOnWriteArrayList<>();

    public void add(Op op) {
        ops.add(op);
    }

    public List<Op> ops() {
        return List.copyOf(ops);
    }
}
