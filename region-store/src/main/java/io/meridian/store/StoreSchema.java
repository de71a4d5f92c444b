package io.meridian.store;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.meridian.core.Limits;
import java.time.Duration;

/**
 * The one owner of the names and shapes of Meridian's Cassandra tables in a region's keyspace: the namespace
 * registry ({@value #REGISTRY}), one table per namespace ({@code ns_<name>}: {@code id text, key blob, value blob,
 * PRIMARY KEY ((id), key)}), the region's state ({@value #REGION_STATE}) and the routing-plan acceptor's tables
 * ({@value #ROUTER_PAXOS}, {@value #ROUTER_CHOSEN}). Schema changes wait for agreement with a generous timeout
 * (the driver's default, 2 s, is too short on a loaded machine).
 */
public final class StoreSchema {

    /** The keyspace a server uses unless configured otherwise ({@code cassandra.keyspace}). */
    public static final String DEFAULT_KEYSPACE = "meridian";
    /** The namespace registry table. */
    public static final String REGISTRY = "namespaces";
    /** The region's state (repair marks, caught-up times). */
    public static final String REGION_STATE = "region_state";
    /** The table of {@link RecordLocks}: who decides a record's conditional write now. */
    public static final String RECORD_LOCKS = "record_locks";
    /**
     * The tokens of the conditional writes decided on each record lately ({@link RecordLocks#decide}): how a retry knows
     * that a write carrying its timestamp is its own and not another's with the same timestamp. Each row lives as long as
     * a retry of its write may come (the token age limit); {@value #DECISION_TTL_SECONDS} s is the table's default.
     */
    public static final String RECORD_DECISIONS = "record_decisions";
    /** The default life of a {@link #RECORD_DECISIONS} row (each is written with its own TTL). */
    public static final int DECISION_TTL_SECONDS = 3600;
    /** The routing-plan acceptor's promises and accepted values, per plan version. */
    public static final String ROUTER_PAXOS = "router_paxos";
    /** The latest routing plan known to be chosen. */
    public static final String ROUTER_CHOSEN = "router_chosen";
    /** How long a schema change may take. */
    public static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

    private StoreSchema() { }

    /** A keyspace name follows the namespace rule ({@code [a-z][a-z0-9_]{0,47}}), which makes it safe CQL. */
    public static String checkKeyspace(String keyspace) {
        try {
            return Limits.checkNamespace(keyspace);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid keyspace name '" + keyspace
                    + "': expected [a-z][a-z0-9_]{0,47} (lower-case letter, then up to 47 of a-z, 0-9, _)");
        }
    }

    /** The table of a namespace, unqualified: {@code ns_<name>} (the name rule makes it safe CQL). */
    public static String namespaceTable(String namespace) {
        return "ns_" + Limits.checkNamespace(namespace);
    }

    /** {@code keyspace.table}. */
    public static String qualified(String keyspace, String table) {
        return keyspace + "." + table;
    }

    /** A namespace's table qualified by the default keyspace (tools that read Meridian's tables as they are). */
    public static String defaultNamespaceTable(String namespace) {
        return qualified(DEFAULT_KEYSPACE, namespaceTable(namespace));
    }

    /** Runs a schema change and waits for schema agreement. */
    static void ddl(CqlSession session, String cql) {
        session.execute(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
        session.checkSchemaAgreement();
    }

    /** The keyspace (replicated only in {@code dataCenter}: each region is its own ring) and the registry. */
    static void createKeyspace(CqlSession session, String keyspace, String dataCenter, int replicationFactor) {
        ddl(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = "
                + "{'class': 'NetworkTopologyStrategy', '" + dataCenter.replace("'", "''") + "': " + replicationFactor + "}");
        ddl(session, "CREATE TABLE IF NOT EXISTS " + qualified(keyspace, REGISTRY) + " (name text PRIMARY KEY,"
                + " default_ttl_seconds int, cache_enabled boolean, cache_ttl_seconds int, created_micros bigint)");
        ddl(session, "CREATE TABLE IF NOT EXISTS " + qualified(keyspace, RECORD_LOCKS) + " (ns text, id text, owner text,"
                + " PRIMARY KEY ((ns, id)))");
        // rows only expire (never deleted): a short grace keeps expired ones from piling up
        ddl(session, "CREATE TABLE IF NOT EXISTS " + qualified(keyspace, RECORD_DECISIONS) + " (ns text, id text, write_token text,"
                + " PRIMARY KEY ((ns, id), write_token)) WITH default_time_to_live = " + DECISION_TTL_SECONDS
                + " AND gc_grace_seconds = " + DECISION_TTL_SECONDS);
    }

    /** A namespace's table, if missing. */
    static void createNamespaceTable(CqlSession session, String keyspace, String namespace) {
        ddl(session, "CREATE TABLE IF NOT EXISTS " + qualified(keyspace, namespaceTable(namespace))
                + " (id text, key blob, value blob, PRIMARY KEY ((id), key))");
    }

    /** Whether the namespace's table exists in the keyspace. */
    static boolean hasNamespaceTable(CqlSession session, String keyspace, String namespace) {
        return session.execute(SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables"
                + " WHERE keyspace_name = ? AND table_name = ?", keyspace, namespaceTable(namespace))).one() != null;
    }

    /** The bytes of a blob column (empty for null), copied: the driver's buffer may be reused. */
    static byte[] blob(java.nio.ByteBuffer b) {
        if (b == null) {
            return new byte[0];
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
