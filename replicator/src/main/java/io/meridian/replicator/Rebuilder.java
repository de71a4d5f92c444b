package io.meridian.replicator;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.Limits;
import io.meridian.core.RegionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Rebuilds a region whose data is gone or gapped from a healthy one, under traffic.
 *
 * <p>Design note. The healthy region's appliers' committed positions say, per source log, up to where every
 * mutation is in its Cassandra. So: (1) with the target's appliers stopped, record the healthy region's
 * positions; (2) copy the healthy region's namespaces and every live cell with its original write time and
 * remaining TTL into the target (writes that arrive meanwhile, here or by replication, carry their own
 * timestamps, and last-writer-wins keeps the newest); (3) set the target's appliers' positions to the recorded
 * ones — every mutation after them is replayed, every one before them is in the copy; (4) restart the appliers.
 * Applying is idempotent, so replaying a mutation the copy already had is harmless. What the copy cannot carry is
 * a delete (a tombstone) that the target should apply to data it still holds: a gapped region is therefore also
 * repaired ({@link Repairer}) after it caught up. Not thread-safe.
 */
public final class Rebuilder implements AutoCloseable {

    /** What was copied. */
    public record Copy(int namespaces, long cells) {
    }

    private static final int IN_FLIGHT = 64;
    private final CqlSession from;
    private final CqlSession to;
    private final String keyspace;

    public Rebuilder(Verifier.RegionStore healthy, Verifier.RegionStore target, String keyspace) {
        this.keyspace = Limits.checkNamespace(keyspace);
        this.from = session(healthy);
        this.to = session(target);
    }

    private static CqlSession session(Verifier.RegionStore r) {
        int colon = r.contactPoint().lastIndexOf(':');
        return CqlSession.builder().withLocalDatacenter(r.dataCenter()).addContactPoint(new InetSocketAddress(
                r.contactPoint().substring(0, colon), Integer.parseInt(r.contactPoint().substring(colon + 1)))).build();
    }

    /**
     * Copies the namespace registry, every namespace table and the latest agreed routing plan from the healthy
     * region into the target.
     */
    public Copy copy(Consumer<String> progress) {
        int namespaces = 0;
        long cells = 0;
        for (Row ns : from.execute(SimpleStatement.newInstance("SELECT name, default_ttl_seconds, cache_enabled, cache_ttl_seconds,"
                + " created_micros FROM " + keyspace + ".namespaces").setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            String name = Limits.checkNamespace(ns.getString("name"));
            to.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".ns_" + name
                    + " (id text, key blob, value blob, PRIMARY KEY ((id), key))").setTimeout(Duration.ofSeconds(60)));
            to.execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".namespaces (name, default_ttl_seconds, cache_enabled,"
                    + " cache_ttl_seconds, created_micros) VALUES (?, ?, ?, ?, ?)", name, ns.getInt("default_ttl_seconds"),
                    ns.getBoolean("cache_enabled"), ns.getInt("cache_ttl_seconds"), ns.getLong("created_micros"))
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            long n = copyTable(name);
            progress.accept("namespace " + name + ": " + n + " cell(s) copied");
            namespaces++;
            cells += n;
        }
        copyPlan();
        return new Copy(namespaces, cells);
    }

    private long copyTable(String ns) {
        String table = keyspace + ".ns_" + ns;
        PreparedStatement insert = to.prepare("INSERT INTO " + table + " (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?");
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long n = 0;
        for (Row r : from.execute(SimpleStatement.newInstance("SELECT id, key, value, writetime(value) AS wt, ttl(value) AS ttl FROM "
                + table).setPageSize(500).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setTimeout(Duration.ofSeconds(60)))) {
            if (failed.get() != null) {
                break;
            }
            int ttl = r.isNull("ttl") ? 0 : r.getInt("ttl");
            ByteBuffer key = r.getByteBuffer("key");
            ByteBuffer value = r.getByteBuffer("value");
            inFlight.acquireUninterruptibly();
            CompletionStage<AsyncResultSet> w = to.executeAsync(insert.bind(r.getString("id"), key, value == null
                    ? ByteBuffer.allocate(0) : value, r.getLong("wt"), ttl).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
            w.whenComplete((x, e) -> {
                if (e != null) {
                    failed.compareAndSet(null, e);
                }
                inFlight.release();
            });
            n++;
        }
        inFlight.acquireUninterruptibly(IN_FLIGHT);
        if (failed.get() != null) {
            throw new IllegalStateException("copying " + table + " failed: " + failed.get(), failed.get());
        }
        return n;
    }

    /** The routing plan the healthy region knows to be agreed, so the target follows it at once. */
    private void copyPlan() {
        Row plan;
        try {
            plan = from.execute(SimpleStatement.newInstance("SELECT version, value FROM " + keyspace + ".router_chosen WHERE id = 0")
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        } catch (RuntimeException noTable) {
            return; // no router in that region
        }
        if (plan != null) {
            to.execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".router_chosen (id, version, value) VALUES (0, ?, ?)"
                    + " IF NOT EXISTS", plan.getLong("version"), plan.getByteBuffer("value"))
                    .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
        }
    }

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
    public static java.util.Optional<String> requireWithinLog(String bootstrap, String topic, Map<Integer, Long> positions)
            throws Exception {
        if (positions.isEmpty()) {
            return java.util.Optional.empty();
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> earliest = new HashMap<>();
            positions.keySet().forEach(p -> earliest.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.earliest()));
            var starts = admin.listOffsets(earliest).all().get(30, TimeUnit.SECONDS);
            for (Map.Entry<Integer, Long> e : positions.entrySet()) {
                long start = starts.get(new TopicPartition(topic, e.getKey())).offset();
                if (e.getValue() < start) {
                    return java.util.Optional.of("partition " + e.getKey() + " at " + e.getValue() + ", before the log's start " + start);
                }
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * Sets a consumer group's positions on one topic (the group must have no active member); partitions the map does
     * not name start from the log's start (every mutation it still holds is replayed).
     */
    public static void setPositions(String bootstrap, String group, String topic, Map<Integer, Long> positions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> earliest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                earliest.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.earliest());
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

    @Override
    public void close() {
        from.close();
        to.close();
    }

    @Override
    public String toString() {
        return "Rebuilder[" + keyspace + "]" + RegionId.class.getSimpleName();
    }
}
