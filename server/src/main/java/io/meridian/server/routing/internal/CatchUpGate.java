package io.meridian.server.routing.internal;

import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a region has caught up, judged from the replication status of every one of its server instances
 * (they share each source's partitions through their consumer group): the region is as far as its slowest
 * instance, so an instance that does not answer, partitions nobody holds (a rebalance), lag beyond the limit on
 * any instance, a held partition, an open dead letter or a repair flag each refuse. Sources in {@code ignoring}
 * (failed regions, whose logs cannot be read) are left out. Stateless; the statuses come typed, from this process
 * or parsed from a peer.
 */
public final class CatchUpGate {

    /** One instance's status, or why it could not be read. */
    public record Instance(String name, ReplicationStatus status, String error) {
        public static Instance of(String name, ReplicationStatus status) {
            return new Instance(name, status, null);
        }

        public static Instance failed(String name, String error) {
            return new Instance(name, null, error);
        }
    }

    private CatchUpGate() { }

    /** Empty when caught up; else every reason, joined. */
    public static Optional<String> notCaughtUp(List<Instance> instances, Set<RegionId> ignoring, long maxLagMillis) {
        if (instances.isEmpty()) {
            return Optional.of("no server instance of the region is known");
        }
        List<String> problems = new ArrayList<>();
        Map<RegionId, Integer> assigned = new LinkedHashMap<>();
        Map<RegionId, Integer> partitions = new LinkedHashMap<>();
        String needsRepair = null;
        long openDeadLetters = 0;
        for (Instance i : instances) {
            if (i.status() == null) {
                problems.add("instance " + i.name() + " did not answer (" + i.error() + "): its share cannot be judged");
                continue;
            }
            ReplicationStatus st = i.status();
            if (st.needsRepair() != null) {
                needsRepair = st.needsRepair();
            }
            if (!st.appliersRunning()) {
                problems.add("the appliers of instance " + i.name() + " are stopped (a rebuild in progress?)");
            }
            openDeadLetters = st.openDeadLetters() < 0 ? -1 : Math.max(openDeadLetters, st.openDeadLetters());
            for (ReplicationStatus.Source s : st.sources()) {
                if (ignoring.contains(s.source())) {
                    continue; // a failed region's log cannot be read: that lag is expected
                }
                assigned.merge(s.source(), s.assignedPartitions(), Integer::sum);
                partitions.merge(s.source(), s.topicPartitions(), Math::max);
                if (s.lagOffsets() < 0) {
                    problems.add("source " + s.source() + " unreachable from " + i.name());
                } else if (!s.caughtUp() && s.lagMillis() > maxLagMillis) {
                    problems.add("from " + s.source() + " " + s.lagMillis() + " ms behind on " + i.name() + " (" + s.lagOffsets()
                            + " mutations; limit " + maxLagMillis + " ms)");
                }
                if (!s.held().isEmpty()) {
                    problems.add("held partitions from " + s.source() + " on " + i.name() + ": " + s.held());
                }
            }
        }
        partitions.forEach((source, total) -> {
            int held = assigned.getOrDefault(source, 0);
            if (total > 0 && held < total) {
                problems.add("only " + held + " of " + total + " partitions of " + source + "'s log are assigned (a rebalance)");
            }
        });
        if (needsRepair != null) {
            problems.add("it needs repair (" + needsRepair + ")");
        }
        if (openDeadLetters != 0) {
            problems.add(openDeadLetters < 0 ? "its dead letters cannot be counted (Kafka does not answer)"
                    : openDeadLetters + " open dead letter(s): replay or discard them first");
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }
}
