package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.router.PlanAcceptor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * This region's acceptor of routing plans, kept in the region's Cassandra so that every server instance of the
 * region is the same acceptor and its promises survive restarts: table {@code router_paxos} (per plan version:
 * the promised ballot, the accepted ballot and value) and {@code router_chosen} (the latest plan known to be
 * chosen). Every state change is a lightweight transaction conditioned on the state it read (LOCAL_SERIAL), so
 * concurrent instances never both promise or accept against the same state; a lost race re-reads and re-decides.
 * Thread-safe.
 */
public final class CassandraAcceptor implements PlanAcceptor {

    private static final int RACES = 20;
    /** How long {@link #latestChosen()} answers from memory: the router asks every second. */
    private static final long CACHE_MILLIS = 5_000;
    private volatile RoutingPlan cached;
    private volatile long cachedAt = Long.MIN_VALUE / 2;
    private final CqlSession session;
    private final ObjectMapper json = new ObjectMapper();
    private final PreparedStatement readState;
    private final PreparedStatement insertPromise;
    private final PreparedStatement updatePromise;
    private final PreparedStatement insertAccept;
    private final PreparedStatement updateAccept;
    private final PreparedStatement readChosen;
    private final PreparedStatement insertChosen;
    private final PreparedStatement updateChosen;

    /** Creates the tables if needed (generous timeouts: schema changes on a loaded machine are slow). */
    public CassandraAcceptor(CassandraStore store) {
        this.session = store.cql();
        String keyspace = store.keyspace();
        String p = StoreSchema.qualified(keyspace, StoreSchema.ROUTER_PAXOS);
        String c = StoreSchema.qualified(keyspace, StoreSchema.ROUTER_CHOSEN);
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + p + " (version bigint"
                + " PRIMARY KEY, promised bigint, accepted_ballot bigint, accepted_value blob)").setTimeout(StoreSchema.DDL_TIMEOUT));
        session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS " + c + " (id int PRIMARY KEY,"
                + " version bigint, value blob)").setTimeout(StoreSchema.DDL_TIMEOUT));
        readState = session.prepare("SELECT promised, accepted_ballot, accepted_value FROM " + p + " WHERE version = ?");
        insertPromise = session.prepare("INSERT INTO " + p + " (version, promised, accepted_ballot) VALUES (?, ?, 0) IF NOT EXISTS");
        updatePromise = session.prepare("UPDATE " + p + " SET promised = ? WHERE version = ? IF promised = ? AND accepted_ballot = ?");
        insertAccept = session.prepare("INSERT INTO " + p + " (version, promised, accepted_ballot, accepted_value) VALUES (?, ?, ?, ?)"
                + " IF NOT EXISTS");
        updateAccept = session.prepare("UPDATE " + p + " SET promised = ?, accepted_ballot = ?, accepted_value = ? WHERE version = ?"
                + " IF promised = ?");
        readChosen = session.prepare("SELECT version, value FROM " + c + " WHERE id = 0");
        insertChosen = session.prepare("INSERT INTO " + c + " (id, version, value) VALUES (0, ?, ?) IF NOT EXISTS");
        updateChosen = session.prepare("UPDATE " + c + " SET version = ?, value = ? WHERE id = 0 IF version = ?");
    }

    private static <S extends Statement<S>> S serial(S s) {
        return s.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
    }

    private Row read(long version) {
        return session.execute(readState.bind(version).setConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL)).one();
    }

    @Override
    public PlanPromise prepare(long version, long ballot) {
        for (int i = 0; i < RACES; i++) {
            Row r = read(version);
            if (r == null) {
                if (session.execute(serial(insertPromise.bind(version, ballot))).wasApplied()) {
                    return new PlanPromise(true, ballot, 0, null, freshChosen());
                }
                continue;
            }
            long promised = r.getLong("promised");
            long acceptedBallot = r.getLong("accepted_ballot");
            RoutingPlan accepted = plan(r.getByteBuffer("accepted_value"));
            if (ballot == promised) {
                // the same proposer asking again (ballots are unique per proposer): a retry after a timeout, not a rival
                return new PlanPromise(true, ballot, acceptedBallot, accepted, freshChosen());
            }
            if (ballot < promised) {
                return new PlanPromise(false, promised, acceptedBallot, accepted, freshChosen());
            }
            if (session.execute(serial(updatePromise.bind(ballot, version, promised, acceptedBallot))).wasApplied()) {
                return new PlanPromise(true, ballot, acceptedBallot, accepted, freshChosen());
            }
        }
        throw new IllegalStateException("prepare of plan version " + version + " lost " + RACES + " races in a row");
    }

    @Override
    public boolean accept(long version, long ballot, RoutingPlan value) {
        ByteBuffer bytes = ByteBuffer.wrap(bytes(value));
        for (int i = 0; i < RACES; i++) {
            Row r = read(version);
            if (r == null) {
                if (session.execute(serial(insertAccept.bind(version, ballot, ballot, bytes))).wasApplied()) {
                    return true;
                }
                continue;
            }
            long promised = r.getLong("promised");
            if (ballot < promised) {
                return false;
            }
            if (session.execute(serial(updateAccept.bind(ballot, ballot, bytes, version, promised))).wasApplied()) {
                return true;
            }
        }
        throw new IllegalStateException("accept of plan version " + version + " lost " + RACES + " races in a row");
    }

    private RoutingPlan freshChosen() {
        invalidate();
        return latestChosen();
    }

    /** Forgets the remembered latest plan (a sibling instance or a peer knows a newer one). */
    public void invalidate() {
        cachedAt = Long.MIN_VALUE / 2;
    }

    @Override
    public void learn(RoutingPlan plan) {
        invalidate();
        ByteBuffer bytes = ByteBuffer.wrap(bytes(plan));
        for (int i = 0; i < RACES; i++) {
            Row r = session.execute(readChosen.bind().setConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL)).one();
            if (r == null) {
                if (session.execute(serial(insertChosen.bind(plan.version(), bytes))).wasApplied()) {
                    return;
                }
                continue;
            }
            long known = r.getLong("version");
            if (known >= plan.version()) {
                return;
            }
            if (session.execute(serial(updateChosen.bind(plan.version(), bytes, known))).wasApplied()) {
                return;
            }
        }
        throw new IllegalStateException("learning plan version " + plan.version() + " lost " + RACES + " races in a row");
    }

    /**
     * The latest plan this region knows to be chosen: from memory for up to {@value #CACHE_MILLIS} ms (a learn here
     * or {@link #invalidate()} drops it), so the router's tick every second is not a Cassandra read every second.
     */
    @Override
    public RoutingPlan latestChosen() {
        long now = System.currentTimeMillis();
        if (now - cachedAt < CACHE_MILLIS) {
            return cached;
        }
        Row r = session.execute(readChosen.bind().setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one();
        RoutingPlan p = r == null ? null : plan(r.getByteBuffer("value"));
        cached = p;
        cachedAt = now;
        return p;
    }

    private RoutingPlan plan(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        try {
            return json.readValue(a, RoutingPlan.class);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable routing plan: " + e.getMessage(), e);
        }
    }

    private byte[] bytes(RoutingPlan p) {
        try {
            return json.writeValueAsBytes(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
