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
    private final PreparedStatement markFirst;
    private final PreparedStatement markAgain;
    private final PreparedStatement clearAny;
    private final PreparedStatement clearIf;
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
        // the repair mark changes only by compare-and-set (lightweight transactions): two incidents never lose one,
        // and a clear names the mark it saw, so it never clears an incident that arrived after it looked
        markFirst = session.prepare("INSERT INTO " + t + " (key, value, updated_millis) VALUES (?, ?, ?) IF NOT EXISTS");
        markAgain = session.prepare("UPDATE " + t + " SET value = ?, updated_millis = ? WHERE key = ? IF value = ?");
        clearAny = session.prepare("DELETE FROM " + t + " WHERE key = ? IF EXISTS");
        clearIf = session.prepare("DELETE FROM " + t + " WHERE key = ? IF value = ?");
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

    private static final java.util.regex.Pattern LATER = java.util.regex.Pattern.compile(" \\(and (\\d+) later incidents?\\)$");

    /**
     * Marks the region as needing repair: the first reason is kept, each later incident adds to a count, so the mark
     * changes with every incident. Returns the mark as it is now. Throws when Cassandra does not answer (the caller
     * must then not do what the mark is for).
     */
    public String markNeedsRepair(String why) {
        for (int attempt = 0; attempt < 50; attempt++) {
            var first = session.execute(serial(markFirst.bind(NEEDS_REPAIR, why, clock.millis())));
            if (first.wasApplied()) {
                return remember(why);
            }
            String current = valueOf(first.one());
            if (current == null) {
                continue; // cleared meanwhile: try to be the first again
            }
            String next = withOneMoreIncident(current);
            if (session.execute(serial(markAgain.bind(next, clock.millis(), NEEDS_REPAIR, current))).wasApplied()) {
                return remember(next);
            }
        }
        throw new IllegalStateException("the repair mark kept changing under 50 attempts to add to it");
    }

    static String withOneMoreIncident(String mark) {
        java.util.regex.Matcher m = LATER.matcher(mark);
        if (m.find()) {
            long n = Long.parseLong(m.group(1)) + 1;
            return mark.substring(0, m.start()) + " (and " + n + " later incidents)";
        }
        return mark + " (and 1 later incident)";
    }

    /**
     * Clears the mark (after a repair or a rebuild made the region whole). With {@code expected}, only if the mark is
     * still exactly that (the one the caller saw before it made the region whole). Returns the mark that stays, or
     * empty when none is left.
     */
    public Optional<String> clearNeedsRepair(Optional<String> expected) {
        var rs = session.execute(serial(expected.isPresent() ? clearIf.bind(NEEDS_REPAIR, expected.get()) : clearAny.bind(NEEDS_REPAIR)));
        Optional<String> left = rs.wasApplied() ? Optional.empty() : Optional.ofNullable(valueOf(rs.one()));
        cachedRepair = left;
        cachedAt = clock.millis();
        return left;
    }

    private static String valueOf(Row notApplied) {
        return notApplied != null && notApplied.getColumnDefinitions().contains("value") ? notApplied.getString("value") : null;
    }

    private String remember(String mark) {
        cachedRepair = Optional.of(mark);
        cachedAt = clock.millis();
        return mark;
    }

    private static com.datastax.oss.driver.api.core.cql.BoundStatement serial(com.datastax.oss.driver.api.core.cql.BoundStatement b) {
        return b.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
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
