package io.meridian.replicator;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka half of rebuilding a region (the Cassandra half is the region store's {@code RegionCopy}): the healthy
 * region's appliers' committed positions say, per source log, up to where every mutation is in its Cassandra; the
 * target's appliers start from those positions after the copy, so every mutation after them is replayed and every
 * one before them is in the copy (applying twice is harmless).
 */
public final class ConsumerPositions {

    private ConsumerPositions() { }

    /** A consumer group's committed positions on one topic, by partition (partitions it never read: absent). */
    public static Map<Integer, Long> positions(String bootstrap, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            Map<Integer, Long> out = new HashMap<>();
            committed.forEach((tp, o) -> {
                if (tp.topic().equals(topic) && o != null) {
                    out.put(tp.partition(), o.offset());
                }
            });
            return out;
        }
    }

    /**
     * Empty when every recorded position is at or after its partition's log start; else which one is not
     * ("partition 2 at 40, before the log's start 95"): the copied region skipped mutations retention deleted, and a
     * region rebuilt from it would inherit that gap without a flag.
     */
    public static Optional<String> requireWithinLog(String bootstrap, String topic, Map<Integer, Long> positions)
            throws Exception {
        if (positions.isEmpty()) {
            return Optional.empty();
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            positions.keySet().forEach(p -> earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest()));
            var starts = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
            for (Map.Entry<Integer, Long> e : positions.entrySet()) {
                long start = starts.get(new TopicPartition(topic, e.getKey())).offset();
                if (e.getValue() < start) {
                    return Optional.of("partition " + e.getKey() + " at " + e.getValue() + ", before the log's start " + start);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Sets a consumer group's positions on one topic (the group must have no active member); partitions the map does
     * not name start from the log's start (every mutation it still holds is replayed).
     */
    public static void setPositions(String bootstrap, String group, String topic, Map<Integer, Long> positions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
            }
            var starts = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                long start = starts.get(tp).offset();
                offsets.put(tp, new OffsetAndMetadata(Math.max(start, positions.getOrDefault(p, start)), "rebuild"));
            }
            admin.alterConsumerGroupOffsets(group, offsets).all().get(30, TimeUnit.SECONDS);
        }
    }

}
