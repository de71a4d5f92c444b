package io.meridian.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.store.StoreEndpoint;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The baseline: Cassandra's own multi-DC replication. Writes are {@code INSERT … USING TIMESTAMP} at
 * LOCAL_QUORUM through a driver session whose local DC is the write region; reads are the whole partition
 * at LOCAL_ONE through a session per read region whose local DC is that region (the driver's default
 * policy sends a session's requests to its local DC only). Keyspace {@code meridian_bench} with one replica
 * per DC, the same table shape as a Meridian namespace. Thread-safe.
 */
public final class NativeSubject implements VisibilityBenchmark.Subject {

    private static final ByteBuffer KEY = ByteBuffer.wrap(new byte[] {'v'});
    private final RegionId writeRegion;
    private final Map<RegionId, CqlSession> sessions = new LinkedHashMap<>();
    private final Map<String, Long> processes;
    private final PreparedStatement insert;
    private final Map<RegionId, PreparedStatement> selects = new LinkedHashMap<>();

    /** {@code contactPoints}: one {@code host:port} per data centre; the first is written into. */
    public NativeSubject(Map<RegionId, String> contactPoints, Map<String, Long> processes) {
        this.processes = Map.copyOf(processes);
        this.writeRegion = contactPoints.keySet().iterator().next();
        contactPoints.forEach((dc, cp) -> sessions.put(dc, new StoreEndpoint(dc, cp, dc.name()).connect()));
        CqlSession w = sessions.get(writeRegion);
        StringBuilder replication = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
        contactPoints.keySet().forEach(dc -> replication.append(", '").append(dc.name()).append("': 1"));
        w.execute("CREATE KEYSPACE IF NOT EXISTS meridian_bench WITH replication = " + replication + "}");
        w.execute("CREATE TABLE IF NOT EXISTS meridian_bench.kv (id text, key blob, value blob, PRIMARY KEY ((id), key))");
        w.checkSchemaAgreement();
        insert = w.prepare("INSERT INTO meridian_bench.kv (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ?");
        sessions.forEach((dc, s) -> selects.put(dc, s.prepare("SELECT key, value FROM meridian_bench.kv WHERE id = ?")));
    }

    @Override
    public String name() {
        return "native";
    }

    @Override
    public RegionId writeRegion() {
        return writeRegion;
    }

    @Override
    public List<RegionId> readRegions() {
        return sessions.keySet().stream().filter(r -> !r.equals(writeRegion)).toList();
    }

    @Override
    public CompletionStage<?> write(String id, Bytes value) {
        return sessions.get(writeRegion).executeAsync(insert.bind(id, KEY, ByteBuffer.wrap(value.unsafeArray()),
                System.currentTimeMillis() * 1000).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    @Override
    public CompletionStage<Boolean> visible(RegionId region, String id, Bytes value) {
        return sessions.get(region).executeAsync(selects.get(region).bind(id).setConsistencyLevel(ConsistencyLevel.LOCAL_ONE))
                .thenApply(rs -> {
                    for (Row row : rs.currentPage()) {
                        if (row.getByteBuffer("key").equals(KEY) && Bytes.wrap(toArray(row.getByteBuffer("value"))).equals(value)) {
                            return true;
                        }
                    }
                    return false;
                });
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public Map<String, Long> processes() {
        return processes;
    }

    @Override
    public void close() {
        sessions.values().forEach(CqlSession::close);
    }
}
