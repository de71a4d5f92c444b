package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.RegionId;
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
public final class RegionState {

    private static final String NEEDS_REPAIR = "needs_repair";
    private static final long CACHE_MILLIS = 3_000;
    private final CqlSession session;
    private final Clock clock;
    private final PreparedStatement read;
    private final PreparedStatement write;
    private final PreparedStatement markFirst;
    private final PreparedStatement markAgain;
    private final PreparedStatement markAgainByOperator;
    private final PreparedStatement clearAny;
    private final PreparedStatement clearIf;
    private volatile Optional<Mark> cached = Optional.empty();
    private volatile long cachedAt = Long.MIN_VALUE / 2;
    /** Bumped by every change this process makes: a read that began before one must not install its older answer. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The region's repair mark.
     *
     * @param text the first incident (with when it happened) and how many came after it
     * @param operatorOnly whether an incident among them can only be judged by an operator (a discarded dead letter may
     *        be a write no region applied, which no repair or rebuild brings back), so {@code meridian repair} and
     *        {@code rebuild} leave the mark for an operator to clear
     */
    public record Mark(String text, boolean operatorOnly) {
    }

    /**
     * What one incident did to the mark.
     *
     * @param incident this incident as recorded (its reason and when)
     * @param now the whole mark afterwards
     */
    public record Marked(String incident, Mark now) {
    }

    public RegionState(CassandraStore store, Clock clock) {
        this.session = store.cql();
        String keyspace = store.keyspace();
        this.clock = clock;
        String t = StoreSchema.qualified(keyspace, StoreSchema.REGION_STATE);
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + t + " (key text PRIMARY KEY,"
                + " value text, updated_millis bigint, operator_only boolean)").setTimeout(StoreSchema.DDL_TIMEOUT));
        if (!session.getMetadata().getKeyspace(keyspace).flatMap(k -> k.getTable(StoreSchema.REGION_STATE))
                .map(table -> table.getColumn("operator_only").isPresent()).orElse(true)) {
            try { // a table an older version created
                session.execute(SimpleStatement.newInstance("ALTER TABLE " + t + " ADD operator_only boolean")
                        .setTimeout(StoreSchema.DDL_TIMEOUT));
            } catch (com.datastax.oss.driver.api.core.servererrors.InvalidQueryException alreadyThere) {
                // another instance added it meanwhile
            }
        }
        read = session.prepare("SELECT value, updated_millis, operator_only FROM " + t + " WHERE key = ?");
        write = session.prepare("INSERT INTO " + t + " (key, value, updated_millis) VALUES (?, ?, ?)");
        // the repair mark changes only by compare-and-set (lightweight transactions): two incidents never lose one,
        // and a clear names the mark it saw, so it never clears an incident that arrived after it looked
        markFirst = session.prepare("INSERT INTO " + t + " (key, value, updated_millis, operator_only) VALUES (?, ?, ?, ?) IF NOT EXISTS");
        markAgain = session.prepare("UPDATE " + t + " SET value = ?, updated_millis = ? WHERE key = ? IF value = ?");
        markAgainByOperator = session.prepare("UPDATE " + t + " SET value = ?, updated_millis = ?, operator_only = true WHERE key = ?"
                + " IF value = ?");
        clearAny = session.prepare("DELETE FROM " + t + " WHERE key = ? IF EXISTS");
        clearIf = session.prepare("DELETE FROM " + t + " WHERE key = ? IF value = ?");
    }

    private Row row(String key) {
        return session.execute(read.bind(key).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
    }

    /** Why this region needs repair, or empty (at most a few seconds old). */
    public Optional<String> needsRepair() {
        return mark().map(Mark::text);
    }

    /** The region's repair mark, or empty (at most a few seconds old; at once what this process changed). */
    public Optional<Mark> mark() {
        long now = clock.millis();
        if (now - cachedAt > CACHE_MILLIS) {
            long seen = changes.get();
            try {
                Row r = row(NEEDS_REPAIR);
                Optional<Mark> read = r == null || r.getString("value") == null ? Optional.empty()
                        : Optional.of(new Mark(r.getString("value"), r.getBoolean("operator_only")));
                synchronized (this) {
                    if (changes.get() == seen) { // no change of this process since the read began: not older than the cache
                        cached = read;
                        cachedAt = now;
                    }
                }
            } catch (RuntimeException e) {
                return cached; // Cassandra down: the last known state (health reports the engine anyway)
            }
        }
        return cached;
    }

    private static final java.util.regex.Pattern LATER = java.util.regex.Pattern.compile(" \\(and (\\d+) later incidents?\\)$");

    /**
     * Marks the region as needing repair: the first incident is kept (with when it happened, so a mark is never
     * the same text twice), each later one adds to a count, so the mark changes with every incident. Throws when
     * Cassandra does not answer (the caller must then not do what the mark is for; the outcome may be unknown, and a
     * retry at worst counts the incident twice).
     *
     * @param operatorOnly whether only an operator can judge this incident (see {@link Mark#operatorOnly()})
     */
    public Marked markNeedsRepair(String why, boolean operatorOnly) {
        String incident = why + " (" + java.time.Instant.ofEpochMilli(clock.millis()) + ")";
        for (int attempt = 0; attempt < 50; attempt++) {
            var first = session.execute(serial(markFirst.bind(NEEDS_REPAIR, incident, clock.millis(), operatorOnly)));
            if (first.wasApplied()) {
                return new Marked(incident, remember(Optional.of(new Mark(incident, operatorOnly))).orElseThrow());
            }
            Row current = first.one();
            String text = valueOf(current);
            if (text == null) {
                throw new IllegalStateException("the repair mark row has no text: clear it (POST /v1/replication/needs-repair/clear)");
            }
            boolean wasOperatorOnly = current.getColumnDefinitions().contains("operator_only") && current.getBoolean("operator_only");
            String next = withOneMoreIncident(text);
            var update = operatorOnly ? markAgainByOperator.bind(next, clock.millis(), NEEDS_REPAIR, text)
                    : markAgain.bind(next, clock.millis(), NEEDS_REPAIR, text);
            if (session.execute(serial(update)).wasApplied()) {
                return new Marked(incident, remember(Optional.of(new Mark(next, operatorOnly || wasOperatorOnly))).orElseThrow());
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
        if (rs.wasApplied()) {
            remember(Optional.empty());
            return Optional.empty();
        }
        String left = valueOf(rs.one());
        changes.incrementAndGet();
        cachedAt = Long.MIN_VALUE / 2; // read it again next time (the flag is not in this answer)
        return Optional.ofNullable(left);
    }

    private static String valueOf(Row notApplied) {
        return notApplied != null && notApplied.getColumnDefinitions().contains("value") ? notApplied.getString("value") : null;
    }

    private synchronized Optional<Mark> remember(Optional<Mark> mark) {
        changes.incrementAndGet();
        cached = mark;
        cachedAt = clock.millis();
        return mark;
    }

    private static com.datastax.oss.driver.api.core.cql.BoundStatement serial(com.datastax.oss.driver.api.core.cql.BoundStatement b) {
        return b.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL)
                .setTimeout(Duration.ofSeconds(10));
    }

    /** Marks the region: its appliers found a gap in a source's log (they lost mutations to retention). */
    public void gap(RegionId source, int partition, long fromOffset, long toOffset, String why) {
        markNeedsRepair("log gap from " + source + " partition " + partition + " offsets " + fromOffset + ".." + toOffset + ": " + why,
                false);
    }

    /** When {@code source} was last seen fully applied here, if recorded (the gc_grace guard survives restarts). */
    public OptionalLong caughtUpAt(RegionId source) {
        Row r = row("caught_up:" + source.name());
        return r == null ? OptionalLong.empty() : OptionalLong.of(r.getLong("updated_millis"));
    }

    /** Records when {@code source} was last seen fully applied here. */
    public void saveCaughtUpAt(RegionId source, long millis) {
        session.execute(write.bind("caught_up:" + source.name(), "", millis).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }
}
