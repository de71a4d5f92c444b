package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.Limits;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The Cassandra half of rebuilding a region whose data is gone or gapped from a healthy one, under traffic
 * ({@code meridian rebuild}; the Kafka half, the appliers' positions, is the replicator's {@code ConsumerPositions}).
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
public final class RegionCopy implements AutoCloseable {

    /** What was copied. */
    public record Copy(int namespaces, long cells) {
    }

    private static final int IN_FLIGHT = 64;
    private final CqlSession from;
    private final CqlSession to;
    private final String keyspace;

    public RegionCopy(StoreEndpoint healthy, StoreEndpoint target, String keyspace) {
        this.keyspace = StoreSchema.checkKeyspace(keyspace);
        this.from = healthy.connect();
        this.to = target.connect();
    }

    /**
     * Copies the namespace registry, every namespace table and the latest agreed routing plan from the healthy
     * region into the target.
     */
    public Copy copy(Consumer<String> progress) {
        int namespaces = 0;
        long cells = 0;
        for (Row ns : from.execute(SimpleStatement.newInstance("SELECT name, default_ttl_seconds, cache_enabled, cache_ttl_seconds,"
                + " created_micros FROM " + StoreSchema.qualified(keyspace, StoreSchema.REGISTRY)).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))) {
            String name = Limits.checkNamespace(ns.getString("name"));
            StoreSchema.createNamespaceTable(to, keyspace, name);
            to.execute(SimpleStatement.newInstance("INSERT INTO " + StoreSchema.qualified(keyspace, StoreSchema.REGISTRY) + " (name, default_ttl_seconds, cache_enabled,"
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
        String table = StoreSchema.qualified(keyspace, StoreSchema.namespaceTable(ns));
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
            plan = from.execute(SimpleStatement.newInstance("SELECT version, value FROM " + StoreSchema.qualified(keyspace, StoreSchema.ROUTER_CHOSEN) + " WHERE id = 0")
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        } catch (RuntimeException noTable) {
            return; // no router in that region
        }
        if (plan != null) {
            to.execute(SimpleStatement.newInstance("INSERT INTO " + StoreSchema.qualified(keyspace, StoreSchema.ROUTER_CHOSEN) + " (id, version, value) VALUES (0, ?, ?)"
                    + " IF NOT EXISTS", plan.getLong("version"), plan.getByteBuffer("value"))
                    .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
        }
    }

    @Override
    public void close() {
        from.close();
        to.close();
    }

    @Override
    public String toString() {
        return "RegionCopy[" + keyspace + "]";
    }
}
