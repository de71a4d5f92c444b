package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meridian.core.Limits;
import io.meridian.core.RegionId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Compares the regions' data by digests per token range: for every namespace
 * and every slice of the Murmur3 token ring, each region's rows ({@code id, key, value, writetime}) are
 * hashed (SHA-256) at LOCAL_QUORUM; slices whose digests differ are reported with each region's row
 * count and digest. Reads a full scan of every namespace table: meant for operators and drills, not for
 * the hot path. While writes are flowing, recent writes can show as differences that vanish once
 * replication catches up. Not thread-safe; one {@link #verify} at a time.
 */
public final class Verifier implements AutoCloseable {

    /** One region's view of one slice. */
    public record Digest(long rows, String sha256) {
    }

    /** A slice {@code (fromExclusive, toInclusive]} of one namespace whose digests differ between regions. */
    public record Difference(String namespace, long fromExclusive, long toInclusive, Map<RegionId, Digest> byRegion) {
    }

    /** The outcome: ranges checked and those that differ (empty: identical). */
    public record Result(List<String> namespaces, int rangesChecked, long rowsRead, List<Difference> differences) {
        public boolean identical() {
            return differences.isEmpty();
        }
    }

    private final Map<RegionId, CqlSession> sessions = new LinkedHashMap<>();
    private final String keyspace;

    public Verifier(List<StoreEndpoint> regions, String keyspace) {
        this.keyspace = StoreSchema.checkKeyspace(keyspace);
        for (StoreEndpoint r : regions) {
            sessions.put(r.region(), r.connect());
        }
    }

    /**
     * Compares {@code namespaces} (all namespaces known to any region when empty) over {@code ranges}
     * equal slices of the token ring; {@code progress} hears one line per namespace.
     */
    public Result verify(List<String> namespaces, int ranges, Consumer<String> progress) {
        if (ranges < 1 || ranges > 65_536) {
            throw new IllegalArgumentException("ranges must be within 1..65536");
        }
        TreeSet<String> names = new TreeSet<>();
        if (namespaces.isEmpty()) {
            for (CqlSession s : sessions.values()) {
                for (Row row : s.execute("SELECT name FROM " + StoreSchema.qualified(keyspace, StoreSchema.REGISTRY))) {
                    names.add(row.getString("name"));
                }
            }
        } else {
            namespaces.forEach(n -> names.add(Limits.checkNamespace(n)));
        }
        List<Difference> differences = new ArrayList<>();
        long rowsRead = 0;
        int checked = 0;
        for (String ns : names) {
            Map<RegionId, PreparedStatement> select = new LinkedHashMap<>();
            Map<RegionId, Boolean> present = new LinkedHashMap<>();
            for (Map.Entry<RegionId, CqlSession> e : sessions.entrySet()) {
                boolean exists = hasTable(e.getValue(), ns);
                present.put(e.getKey(), exists);
                if (exists) {
                    select.put(e.getKey(), e.getValue().prepare(sliceQuery(ns)));
                }
            }
            long step = Long.divideUnsigned(-1L, ranges); // 2^64 / ranges, as unsigned
            long from = Long.MIN_VALUE;
            int nsDiffs = 0;
            for (int i = 0; i < ranges; i++) {
                long to = i == ranges - 1 ? Long.MAX_VALUE : from + step;
                Map<RegionId, Digest> digests = new LinkedHashMap<>();
                for (RegionId region : sessions.keySet()) {
                    Digest d = present.get(region) ? digest(sessions.get(region), select.get(region), from, to)
                            : new Digest(-1, "namespace missing");
                    digests.put(region, d);
                    rowsRead += Math.max(0, d.rows());
                }
                checked++;
                if (digests.values().stream().map(Digest::sha256).distinct().count() > 1) {
                    differences.add(new Difference(ns, from, to, digests));
                    nsDiffs++;
                }
                from = to;
            }
            progress.accept(String.format("%s: %d ranges checked, %d differ", ns, ranges, nsDiffs));
        }
        return new Result(List.copyOf(names), checked, rowsRead, differences);
    }

    /** The regions' sessions, in region order (for {@link Repairer}). */
    Map<RegionId, CqlSession> sessions() {
        return sessions;
    }

    String keyspace() {
        return keyspace;
    }

    /** Each region's digest of one slice of one namespace, as {@link #verify} computes it. */
    Map<RegionId, Digest> digests(String ns, long fromExclusive, long toInclusive) {
        Map<RegionId, Digest> out = new LinkedHashMap<>();
        sessions.forEach((region, s) -> out.put(region, hasTable(s, ns)
                ? digest(s, s.prepare(sliceQuery(ns)), fromExclusive, toInclusive)
                : new Digest(-1, "namespace missing")));
        return out;
    }

    boolean hasTable(CqlSession s, String ns) {
        return StoreSchema.hasNamespaceTable(s, keyspace, ns);
    }

    /** Every cell of one token slice of a namespace, with its write time. */
    private String sliceQuery(String ns) {
        return "SELECT id, key, value, writetime(value) AS wt FROM " + StoreSchema.qualified(keyspace, StoreSchema.namespaceTable(ns))
                + " WHERE token(id) > ? AND token(id) <= ?";
    }

    private static Digest digest(CqlSession session, PreparedStatement select, long from, long to) {
        MessageDigest sha = sha256();
        long rows = 0;
        for (Row row : session.execute(select.bind(from, to).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setPageSize(1000))) {
            update(sha, row.getString("id").getBytes(StandardCharsets.UTF_8));
            update(sha, StoreSchema.blob(row.getByteBuffer("key")));
            update(sha, StoreSchema.blob(row.getByteBuffer("value")));
            sha.update(ByteBuffer.allocate(8).putLong(row.getLong("wt")).array());
            rows++;
        }
        return new Digest(rows, HexFormat.of().formatHex(sha.digest()));
    }

    private static void update(MessageDigest sha, byte[] field) {
        sha.update(ByteBuffer.allocate(4).putInt(field.length).array());
        sha.update(field);
    }


    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        sessions.values().forEach(CqlSession::close);
    }
}
