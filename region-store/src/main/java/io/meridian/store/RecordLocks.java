package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.Duration;

/**
 * Locks on records, one holder at a time per record in a region: a Cassandra lightweight transaction (Paxos at
 * LOCAL_SERIAL) on {@value StoreSchema#RECORD_LOCKS}, with a TTL so a crashed holder's lock ends by itself. The data
 * is never written through Paxos (Cassandra refuses {@code USING TIMESTAMP} there, and Meridian's timestamps are what
 * makes replication converge): the lock only decides who checks a condition and writes next. Thread-safe.
 */
public final class RecordLocks {

    private final CassandraStore store;
    private volatile PreparedStatement lock; // prepared at first use: the table is made by the store's init
    private volatile PreparedStatement unlock;
    private volatile PreparedStatement decide;
    private volatile PreparedStatement decided;

    public RecordLocks(CassandraStore store) {
        this.store = store;
    }

    private void prepare() {
        if (unlock == null) {
            String t = StoreSchema.qualified(store.keyspace(), StoreSchema.RECORD_LOCKS);
            lock = store.cql().prepare(SimpleStatement.newInstance("INSERT INTO " + t + " (ns, id, owner) VALUES (?, ?, ?)"
                    + " IF NOT EXISTS USING TTL ?"));
            String d = StoreSchema.qualified(store.keyspace(), StoreSchema.RECORD_DECISIONS);
            decide = store.cql().prepare(SimpleStatement.newInstance("INSERT INTO " + d + " (ns, id, write_token) VALUES (?, ?, ?) USING TTL ?"));
            decided = store.cql().prepare(SimpleStatement.newInstance("SELECT write_token FROM " + d + " WHERE ns = ? AND id = ? AND write_token = ?"));
            unlock = store.cql().prepare(SimpleStatement.newInstance("DELETE FROM " + t + " WHERE ns = ? AND id = ? IF owner = ?"));
        }
    }

    /** Takes the record's lock for {@code owner} unless someone holds it; it ends by itself after {@code ttl}. */
    public boolean tryLock(NamespaceConfig ns, String id, String owner, Duration ttl) {
        prepare();
        return store.cql().execute(lock.bind(ns.name(), id, owner, (int) Math.max(1, ttl.toSeconds()))
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM).setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL))
                .wasApplied();
    }

    /** Gives the lock back if {@code owner} still holds it. */
    public void unlock(NamespaceConfig ns, String id, String owner) {
        prepare();
        store.cql().execute(unlock.bind(ns.name(), id, owner).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
                .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL));
    }

    /**
     * Notes that the conditional write identified by {@code token} was decided on the record (its holder writes this
     * under the lock, before its append), for {@code ttl} (as long as a retry of it may come). Two writes' tokens can share
     * a timestamp; this tells a retry of the one from the other.
     */
    public void decide(NamespaceConfig ns, String id, String token, Duration ttl) {
        prepare();
        store.cql().execute(decide.bind(ns.name(), id, token, (int) Math.max(1, Math.min(Integer.MAX_VALUE, ttl.toSeconds() + 60)))
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    /** Whether {@link #decide} noted {@code token} on the record lately (read at LOCAL_QUORUM: it sees every noted one). */
    public boolean decided(NamespaceConfig ns, String id, String token) {
        prepare();
        return store.cql().execute(decided.bind(ns.name(), id, token).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)).one() != null;
    }
}
