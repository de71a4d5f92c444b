package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.Bytes;
import java.util.ArrayList;
import java.util.List;

/** Every cell of a namespace as one region stores it, for checkers that compare regions cell by cell (drills). */
public final class Cells {

    /** One cell: record id, item key, value and write time (µs). */
    public record Cell(String id, Bytes key, Bytes value, long writeTimeMicros) {
    }

    private Cells() { }

    /** Reads the whole namespace table of {@code region} at LOCAL_QUORUM (a full scan: for tests and drills). */
    public static List<Cell> all(StoreEndpoint region, String keyspace, String namespace) {
        List<Cell> out = new ArrayList<>();
        try (CqlSession session = region.connect()) {
            for (Row row : session.execute(SimpleStatement.newInstance("SELECT id, key, value, writetime(value) AS wt FROM "
                    + StoreSchema.qualified(StoreSchema.checkKeyspace(keyspace), StoreSchema.namespaceTable(namespace)))
                    .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setPageSize(1000))) {
                out.add(new Cell(row.getString("id"), Bytes.wrap(StoreSchema.blob(row.getByteBuffer("key"))),
                        Bytes.wrap(StoreSchema.blob(row.getByteBuffer("value"))),
                        row.getLong("wt")));
            }
        }
        return out;
    }

}
