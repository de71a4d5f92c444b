package io.meridian.replicator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges replication into a region (guarantee G6): critical when a partition is held, or when any
 * source lags more than the safety margin, a fraction of {@code gc_grace_seconds}: a tombstone older than
 * gc_grace may be purged before the delete reaches a lagging region, and the deleted data would come
 * back. Stateless.
 */
public final class ReplicationHealth {

    /** The verdict and its explanation. */
    public record Verdict(boolean healthy, String message) {
    }

    private ReplicationHealth() { }

    /**
     * @param maxLag the safety margin, e.g. half of gc_grace_seconds
     */
    public static Verdict evaluate(List<SourceStatus> sources, Duration maxLag) {
        List<String> critical = new ArrayList<>();
        StringBuilder summary = new StringBuilder();
        for (SourceStatus st : sources) {
            summary.append(st.source()).append(": lag ").append(st.lagOffsets() < 0 ? "?" : Long.toString(st.lagOffsets()))
                    .append(" mutations / ").append(st.lagMillis()).append(" ms, ").append(st.deadLetters())
                    .append(" dead letters; ");
            st.held().forEach(p -> critical.add("from " + st.source() + " holding " + p));
            if (st.lagMillis() > maxLag.toMillis()) {
                critical.add("from " + st.source() + " lag " + String.format(java.util.Locale.ROOT, "%.3f", st.lagMillis() / 1000.0)
                        + " s exceeds the safety margin " + maxLag.toSeconds() + " s (a fraction of gc_grace_seconds):"
                        + " deletes may be lost; this region must not take traffic back");
            }
        }
        return critical.isEmpty() ? new Verdict(true, summary.toString().trim())
                : new Verdict(false, "CRITICAL: " + String.join("; ", critical) + " | " + summary.toString().trim());
    }

    /**
     * What needs an operator in the replication into a region, one line each: held partitions, appliers that
     * fail (including an unreachable source), lag beyond the gc_grace margin, and open dead letters
     * ({@code openDeadLetters} -1: unknown, not an alert by itself). Empty when nothing does. These make the
     * region DEGRADED: they block its restore and never evacuate it while it serves.
     */
    public static List<String> alerts(List<SourceStatus> sources, Duration maxLag, long openDeadLetters) {
        List<String> out = new ArrayList<>();
        for (SourceStatus st : sources) {
            st.held().forEach(p -> out.add("replication from " + st.source() + " holds " + p));
            if (!st.lastError().isEmpty()) {
                out.add("applier of " + st.source() + " is failing: " + st.lastError());
            }
            if (st.lagMillis() > maxLag.toMillis()) {
                out.add("replication from " + st.source() + " lags " + st.lagMillis() / 1000 + " s, beyond the gc_grace margin of "
                        + maxLag.toSeconds() + " s: deletes may be lost; this region must not take traffic back before a repair");
            }
        }
        if (openDeadLetters > 0) {
            out.add(openDeadLetters + " open dead letter(s): `meridian dead-letters list` shows them; replay or discard each");
        }
        return out;
    }
}
