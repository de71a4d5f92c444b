package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.RegionId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Makes the regions agree again where {@link Verifier} finds them different:
 * it descends from the differing token-range slices to their cells, takes per cell the last-writer-wins
 * winner over all regions (highest write time; equal times: the greater value, as Cassandra decides),
 * and installs it with its <em>original</em> timestamp (and remaining TTL) where it is missing or older.
 *
 * <p>A winner that does not show after being installed is shadowed there by a newer tombstone: that
 * region saw a delete the others did not (for instance one made directly in its Cassandra). Under
 * last-writer-wins the delete is the newer write, so it is propagated: the cell is deleted everywhere
 * at the winner's own timestamp, which removes that value and nothing newer. This is what Cassandra's
 * own repair does with tombstones. Data lost without a tombstone (a lost disk, a truncated table) is
 * simply installed again.
 *
 * <p>Safe while traffic runs: installs are idempotent and carry the winner's timestamp, so a concurrent
 * newer write wins over them, and a propagated delete only covers timestamps up to the winner's. A slice
 * still different afterwards (writes in flight) is reported; run it again once replication caught up.
 * Writes go straight to each region's Cassandra at LOCAL_QUORUM; Meridian's caches are not told (see
 * docs/replication.md). Not thread-safe.
 */
public final class Repairer implements AutoCloseable {

    /** What one namespace's repair did. */
    public record NamespaceResult(String namespace, int rangesChecked, int rangesDiffering, long cellsInstalled,
            long deletesPropagated, int rangesStillDiffering) {
    }

    /** The outcome over all namespaces. */
    public record Result(List<NamespaceResult> namespaces) {
        public long cellsInstalled() {
            return namespaces.stream().mapToLong(NamespaceResult::cellsInstalled).sum();
        }

        public long deletesPropagated() {
            return namespaces.stream().mapToLong(NamespaceResult::deletesPropagated).sum();
        }

        public int rangesChecked() {
            return namespaces.stream().mapToInt(NamespaceResult::rangesChecked).sum();
        }

        public int rangesDiffering() {
            return namespaces.stream().mapToInt(NamespaceResult::rangesDiffering).sum();
        }

        public int rangesStillDiffering() {
            return namespaces.stream().mapToInt(NamespaceResult::rangesStillDiffering).sum();
        }

        /** Whether every differing slice is identical after the repair. */
        public boolean converged() {
            return rangesStillDiffering() == 0;
        }
    }

    private record CellKey(String id, ByteBuffer key) {
    }

    private record Cell(ByteBuffer value, long writeTime, Integer ttl) {
        boolean beats(Cell other) {
            if (writeTime != other.writeTime) {
                return writeTime > other.writeTime;
            }
            return value.compareTo(other.value) > 0;
        }

        boolean sameAs(Cell other) {
            return writeTime == other.writeTime && value.equals(other.value);
        }
    }

    private final Verifier verifier;

    public Repairer(List<StoreEndpoint> regions, String keyspace) {
        this.verifier = new Verifier(regions, keyspace);
    }

    /**
     * Repairs {@code namespaces} (all when empty) over {@code ranges} slices; {@code progress} hears a line
     * per differing slice and per namespace.
     */
    public Result repair(List<String> namespaces, int ranges, Consumer<String> progress) {
        Verifier.Result found = verifier.verify(namespaces, ranges, progress);
        List<NamespaceResult> out = new ArrayList<>();
        for (String ns : found.namespaces()) {
            List<Verifier.Difference> diffs = found.differences().stream().filter(d -> d.namespace().equals(ns)).toList();
            long installed = 0;
            long deletes = 0;
            int still = 0;
            int done = 0;
            for (Verifier.Difference d : diffs) {
                if (d.byRegion().values().stream().anyMatch(g -> g.rows() < 0)) {
                    progress.accept(String.format("%s (%d, %d]: skipped, the namespace is missing in %s (create it there"
                            + " first)", ns, d.fromExclusive(), d.toInclusive(), d.byRegion().entrySet().stream()
                            .filter(e -> e.getValue().rows() < 0).map(e -> e.getKey().name()).toList()));
                    still++;
                    continue;
                }
                long[] counts = repairRange(ns, d.fromExclusive(), d.toInclusive());
                installed += counts[0];
                deletes += counts[1];
                boolean same = verifier.digests(ns, d.fromExclusive(), d.toInclusive()).values().stream()
                        .map(Verifier.Digest::sha256).distinct().count() == 1;
                if (!same) {
                    still++;
                }
                done++;
                progress.accept(String.format("%s (%d, %d]: %d cell(s) installed, %d delete(s) propagated%s [%d/%d]",
                        ns, d.fromExclusive(), d.toInclusive(), counts[0], counts[1], same ? "" : ", still differs",
                        done, diffs.size()));
            }
            out.add(new NamespaceResult(ns, ranges, diffs.size(), installed, deletes, still));
        }
        return new Result(out);
    }

    /** Returns {cells installed, deletes propagated}. */
    private long[] repairRange(String ns, long from, long to) {
        String table = StoreSchema.qualified(verifier.keyspace(), StoreSchema.namespaceTable(ns));
        Map<RegionId, CqlSession> sessions = verifier.sessions();
        Map<RegionId, Map<CellKey, Cell>> byRegion = new LinkedHashMap<>();
        Map<CellKey, Cell> winners = new LinkedHashMap<>();
        sessions.forEach((region, s) -> {
            Map<CellKey, Cell> cells = new LinkedHashMap<>();
            for (Row row : s.execute(quorum(SimpleStatement.newInstance("SELECT id, key, value, writetime(value) AS wt,"
                    + " ttl(value) AS ttl FROM " + table + " WHERE token(id) > ? AND token(id) <= ?", from, to)))) {
                CellKey k = new CellKey(row.getString("id"), copy(row.getByteBuffer("key")));
                Cell c = new Cell(copy(row.getByteBuffer("value")), row.getLong("wt"),
                        row.isNull("ttl") ? null : row.getInt("ttl"));
                cells.put(k, c);
                winners.merge(k, c, (a, b) -> b.beats(a) ? b : a);
            }
            byRegion.put(region, cells);
        });
        long installed = 0;
        long deletes = 0;
        for (Map.Entry<CellKey, Cell> w : winners.entrySet()) {
            CellKey k = w.getKey();
            Cell win = w.getValue();
            boolean shadowed = false;
            for (Map.Entry<RegionId, Map<CellKey, Cell>> r : byRegion.entrySet()) {
                Cell have = r.getValue().get(k);
                if (have != null && have.sameAs(win)) {
                    continue;
                }
                CqlSession s = sessions.get(r.getKey());
                String using = "USING TIMESTAMP " + win.writeTime() + (win.ttl() != null ? " AND TTL " + win.ttl() : "");
                s.execute(quorum(SimpleStatement.newInstance("INSERT INTO " + table + " (id, key, value) VALUES (?, ?, ?) "
                        + using, k.id(), k.key().duplicate(), win.value().duplicate())));
                Row now = s.execute(quorum(SimpleStatement.newInstance("SELECT writetime(value) AS wt FROM " + table
                        + " WHERE id = ? AND key = ?", k.id(), k.key().duplicate()))).one();
                if (now == null) {
                    shadowed = true; // a tombstone newer than the winner: that delete is the last write
                } else {
                    installed++;
                }
            }
            if (shadowed) {
                for (CqlSession s : sessions.values()) {
                    s.execute(quorum(SimpleStatement.newInstance("DELETE FROM " + table + " USING TIMESTAMP "
                            + win.writeTime() + " WHERE id = ? AND key = ?", k.id(), k.key().duplicate())));
                }
                deletes++;
            }
        }
        return new long[] {installed, deletes};
    }

    private static SimpleStatement quorum(SimpleStatement s) {
        return s.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
    }

    private static ByteBuffer copy(ByteBuffer b) {
        if (b == null) {
            return ByteBuffer.allocate(0);
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return ByteBuffer.wrap(Arrays.copyOf(out, out.length));
    }

    @Override
    public void close() {
        verifier.close();
    }

    @Override
    public String toString() {
        return "Repairer" + Objects.toString(verifier.sessions().keySet());
    }
}
