package io.meridian.server.internal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.RegionId;
import io.meridian.replicator.Replicator;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Facts about this region that must outlive a process and be the same for every server instance of it, kept in the
 * region's Cassandra ({@code region_state}): whether it needs repair (a log gap was seen: it misses mutations
 * until a repair or a rebuild), and when each source was last seen fully applied (the gc_grace guard). Reads of
 * the repair flag are cached for a few seconds (health asks often). Thread-safe.
 */
public final class RegionState implements Replicator.GapListener, Replicator.CaughtUpStore {

    private static final String NEEDS_REPAIR = "needs_repair";
    private static final long CACHE_MILLIS = 3_000;
    private final CqlSession session;
    private final Clock clock;
    private final PreparedStatement read;
    private final PreparedStatement write;
    private final PreparedStatement delete;
    private volatile Optional<String> cachedRepair = Optional.empty();
    private volatile long cachedAt = Long.MIN_VALUE / 2;

    public RegionState(CqlSession session, String keyspace, Clock clock) {
        this.session = session;
        this.clock = clock;
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + keyspace + ".region_state (key text PRIMARY KEY,"
                + " value text, updated_millis bigint)").setTimeout(Duration.ofSeconds(60)));
        String t = keyspace + ".region_state";
        read = session.prepare("SELECT value, updated_millis FROM " + t + " WHERE key = ?");
        write = session.prepare("INSERT INTO " + t + " (key, value, updated_millis) VALUES (?, ?, ?)");
        delete = session.prepare("DELETE FROM " + t + " WHERE key = ?");
    }

    private Row row(String key) {
        return session.execute(read.bind(key).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
    }

    /** Why this region needs repair, or empty (at most a few seconds old). */
    public Optional<String> needsRepair() {
        long now = clock.millis();
        if (now - cachedAt > CACHE_MILLIS) {
            try {
                Row r = row(NEEDS_REPAIR);
                cachedRepair = r == null ? Optional.empty() : Optional.of(r.getString("value"));
                cachedAt = now;
            } catch (RuntimeException e) {
                return cachedRepair; // Cassandra down: the last known state (health reports the engine anyway)
            }
        }
        return cachedRepair;
    }

    /** Marks the region as needing repair (keeps the first reason; later ones add to a count). */
    public void markNeedsRepair(String why) {
        Row r = row(NEEDS_REPAIR);
        String value = r == null ? why : r.getString("value") + (r.getString("value").contains("(and later incidents)") ? ""
                : " (and later incidents)");
        session.execute(write.bind(NEEDS_REPAIR, value, clock.millis()).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
        cachedAt = Long.MIN_VALUE / 2;
    }

    /** Clears the flag (after a repair or a rebuild made the region whole). */
    public void clearNeedsRepair() {
        session.execute(delete.bind(NEEDS_REPAIR).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
        cachedRepair = Optional.empty();
        cachedAt = clock.millis();
    }

    @Override
    public void gap(RegionId source, int partition, long fromOffset, long toOffset, String why) {
        markNeedsRepair("log gap from " + source + " partition " + partition + " offsets " + fromOffset + ".." + toOffset + ": " + why);
    }

    @Override
    public OptionalLong load(RegionId source) {
        Row r = row("caught_up:" + source.name());
        return r == null ? OptionalLong.empty() : OptionalLong.of(r.getLong("updated_millis"));
    }

    @Override
    public void save(RegionId source, long millis) {
        session.execute(write.bind("caught_up:" + source.name(), "", millis).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }
}
