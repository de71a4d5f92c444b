package io.meridian.store;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.meridian.core.Bytes;
import io.meridian.core.HostPort;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The region's Cassandra: the keyspace, the namespace registry and one table per namespace
 * ({@code id text, key blob, value blob, PRIMARY KEY ((id), key)}).
 *
 * <p>Design note: every statement is prepared once and cached by its text; every mutation is applied
 * with its own timestamp ({@code USING TIMESTAMP}) at LOCAL_QUORUM, as one statement or one
 * single-partition UNLOGGED batch (atomic and isolated in Cassandra), so applying it again in any
 * region writes the same cells: idempotent. A record delete is written at {@code ts - 1} so it removes
 * what was written before the mutation but not the puts of the same mutation (a tombstone wins ties).
 * Thread-safe.
 */
public final class CassandraStore implements AutoCloseable {

    private final CqlSession session;
    private final String keyspace;
    private final java.time.Clock clock;
    private final Map<String, PreparedStatement> prepared = new ConcurrentHashMap<>();
    private final Map<String, NamespaceConfig> namespaces = new ConcurrentHashMap<>();

    public CassandraStore(CqlSession session, String keyspace) {
        this(session, keyspace, java.time.Clock.systemUTC());
    }

    /** {@code clock}: the wall clock that remaining TTLs are computed against. */
    public CassandraStore(CqlSession session, String keyspace, java.time.Clock clock) {
        this.session = session;
        this.keyspace = StoreSchema.checkKeyspace(keyspace);
        this.clock = clock;
    }

    /**
     * Connects to a region's Cassandra (any of {@code contactPoints}, {@code host:port} each) as a server does:
     * {@code requestTimeout} per statement, short connection timeouts, no reconnection loop at start (the caller
     * retries the whole connect). The store owns the session: {@link #close} closes it.
     */
    public static CassandraStore connect(List<String> contactPoints, String dataCenter, String keyspace,
            java.time.Duration requestTimeout) {
        var builder = CqlSession.builder().withLocalDatacenter(dataCenter).withConfigLoader(DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, requestTimeout)
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, java.time.Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, java.time.Duration.ofSeconds(5))
                .withBoolean(DefaultDriverOption.RECONNECT_ON_INIT, false)
                .build());
        contactPoints.forEach(cp -> builder.addContactPoint(HostPort.parse(cp).address()));
        return new CassandraStore(builder.build(), keyspace);
    }

    @Override
    public void close() {
        session.close();
    }

    /** Creates the keyspace and the registry table if they do not exist, and waits for schema agreement. */
    public void init(String dataCenter, int replicationFactor) {
        StoreSchema.createKeyspace(session, keyspace, dataCenter, replicationFactor);
    }

    /** The session, for the other tables of the region's keyspace in this package. */
    CqlSession cql() {
        return session;
    }

    /** The keyspace this store works in. */
    public String keyspace() {
        return keyspace;
    }

    /** Throws unless Cassandra answers a trivial query within {@code timeout} (the engine probe's check). */
    public void ping(java.time.Duration timeout) {
        session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("SELECT release_version FROM system.local")
                .setTimeout(timeout));
    }

    private PreparedStatement prepare(String cql) {
        return prepared.computeIfAbsent(cql, session::prepare);
    }

    private static <S extends Statement<S>> S quorum(S s) {
        return s.setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
    }

    // ---- namespaces ----

    /** The namespace if it exists in this region (cached once found). */
    public Optional<NamespaceConfig> namespace(String name) {
        NamespaceConfig cached = namespaces.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        Row row = session.execute(quorum(prepare("SELECT name, default_ttl_seconds, cache_enabled, cache_ttl_seconds FROM "
                + keyspace + "." + StoreSchema.REGISTRY + " WHERE name = ?").bind(name))).one();
        if (row == null) {
            return Optional.empty();
        }
        NamespaceConfig c = toConfig(row);
        namespaces.put(name, c);
        return Optional.of(c);
    }

    public List<NamespaceConfig> namespaces() {
        List<NamespaceConfig> all = new ArrayList<>();
        for (Row row : session.execute(quorum(prepare("SELECT name, default_ttl_seconds, cache_enabled, cache_ttl_seconds FROM "
                + keyspace + "." + StoreSchema.REGISTRY + "").bind()))) {
            all.add(toConfig(row));
        }
        all.sort(java.util.Comparator.comparing(NamespaceConfig::name));
        return all;
    }

    private static NamespaceConfig toConfig(Row row) {
        return new NamespaceConfig(row.getString("name"), row.getInt("default_ttl_seconds"), row.getBoolean("cache_enabled"),
                row.getInt("cache_ttl_seconds"));
    }

    /** Creates the namespace's table, then registers it (so a registered namespace always has its table). */
    public void createNamespace(NamespaceConfig config, long createdMicros) {
        StoreSchema.createNamespaceTable(session, keyspace, config.name());
        session.execute(quorum(prepare("INSERT INTO " + keyspace + "." + StoreSchema.REGISTRY + " (name, default_ttl_seconds, cache_enabled,"
                + " cache_ttl_seconds, created_micros) VALUES (?, ?, ?, ?, ?)").bind(config.name(), config.defaultTtlSeconds(),
                config.cacheEnabled(), config.cacheTtlSeconds(), createdMicros)));
        namespaces.put(config.name(), config);
    }

    // ---- writes ----

    /**
     * The TTL a put still has when applied now: its TTL counts from the mutation's timestamp, not from this
     * apply, so an item expires at the same moment in every region however late a region applies it. 0 for
     * no TTL; negative when it has run out already (the put is then skipped).
     */
    static long remainingTtl(int ttlSeconds, long timestampMicros, long nowMicros) {
        if (ttlSeconds == 0) {
            return 0;
        }
        long elapsedSeconds = Math.max(0, nowMicros - timestampMicros) / 1_000_000;
        long remaining = ttlSeconds - elapsedSeconds;
        return remaining <= 0 ? -1 : remaining;
    }

    /**
     * Applies a mutation with its own timestamp; completes when LOCAL_QUORUM acknowledged it. Puts whose TTL
     * ran out since the mutation's timestamp are left out (a late apply or a replay must not write them again);
     * a mutation left with nothing to do completes at once.
     */
    public CompletionStage<AsyncResultSet> apply(Mutation m, NamespaceConfig ns) {
        try {
            return statementsOf(m, ns).exceptionallyCompose(e -> java.util.concurrent.CompletableFuture.failedFuture(classify(e, m)));
        } catch (RuntimeException e) { // building the statements failed: no retry can fix that
            return java.util.concurrent.CompletableFuture.failedFuture(classify(e, m));
        }
    }

    /**
     * Marks an error no retry can fix (Cassandra refused the statement as invalid; the driver could not
     * build it) as a non-retriable {@link io.meridian.core.MeridianException}: the applier dead-letters such a
     * mutation instead of retrying it forever, and the write path answers 4xx. Anything else (timeouts,
     * unavailable replicas, a missing table an operator can recreate) stays as it is: transient.
     */
    static Throwable classify(Throwable e, Mutation m) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String message = String.valueOf(c.getMessage());
        boolean missingSchema = message.contains("unconfigured table") || message.contains("does not exist");
        // the driver's "Session is closed" (a shutdown racing an in-flight apply) is an IllegalStateException too: the
        // mutation is fine, another process or the restart applies it; dead-lettering it or answering 4xx would be wrong
        boolean closing = c instanceof IllegalStateException && message.toLowerCase(java.util.Locale.ROOT).contains("closed");
        boolean permanent = !missingSchema && !closing && (c instanceof com.datastax.oss.driver.api.core.servererrors.QueryValidationException
                || c instanceof IllegalArgumentException || c instanceof IllegalStateException
                || c instanceof com.datastax.oss.driver.api.core.type.codec.CodecNotFoundException
                || c instanceof com.datastax.oss.driver.api.core.connection.FrameTooLongException);
        if (!permanent) {
            return c;
        }
        return new io.meridian.core.MeridianException("mutation " + m.namespace() + "/" + m.id() + " at " + m.timestampMicros()
                + " cannot be applied: " + c.getClass().getSimpleName() + ": " + message, false, null, c);
    }

    /** Whether a failed apply is one no retry can fix (see {@link #classify}). */
    public static boolean isPermanent(Throwable e) {
        Throwable c = e;
        while (c != null) {
            if (c instanceof io.meridian.core.MeridianException me) {
                return !me.isRetriable();
            }
            c = c.getCause() == c ? null : c.getCause();
        }
        return false;
    }

    private java.util.concurrent.CompletableFuture<AsyncResultSet> statementsOf(Mutation m, NamespaceConfig ns) {
        String t = keyspace + "." + ns.table();
        List<BoundStatement> statements = new ArrayList<>(m.operations().size());
        long ts = m.timestampMicros();
        long now = clock.millis() * 1000;
        for (Operation op : m.operations()) {
            if (op instanceof Operation.Put p) {
                long ttl = remainingTtl(p.ttlSeconds(), ts, now);
                if (ttl < 0) {
                    continue;
                }
                statements.add(prepare("INSERT INTO " + t + " (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?")
                        .bind(m.id(), ByteBuffer.wrap(p.key().unsafeArray()), ByteBuffer.wrap(p.value().unsafeArray()), ts,
                                (int) ttl));
            } else if (op instanceof Operation.DeleteItem d) {
                statements.add(prepare("DELETE FROM " + t + " USING TIMESTAMP ? WHERE id = ? AND key = ?")
                        .bind(ts, m.id(), ByteBuffer.wrap(d.key().unsafeArray())));
            } else {
                statements.add(prepare("DELETE FROM " + t + " USING TIMESTAMP ? WHERE id = ?").bind(ts - 1, m.id()));
            }
        }
        if (statements.isEmpty()) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        if (statements.size() == 1) {
            return session.executeAsync(quorum(statements.get(0))).toCompletableFuture();
        }
        BatchStatementBuilder batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
        statements.forEach(batch::addStatement);
        return session.executeAsync(quorum(batch.build())).toCompletableFuture();
    }

    // ---- reads ----

    private static final String COLUMNS = "SELECT key, value, writetime(value) AS wt, ttl(value) AS ttl FROM ";

    public List<StoredItem> readAll(NamespaceConfig ns, String id) {
        return items(session.execute(quorum(prepare(COLUMNS + keyspace + "." + ns.table() + " WHERE id = ?").bind(id))));
    }

    /**
     * Every item of the record in key order, when its keys and values hold at most {@code maxBytes}. One statement with
     * the driver's page size (5,000 rows), as {@link #readAll(NamespaceConfig, String)}: a record of up to that many
     * items is one isolated read, so a {@code deleteRecord} + puts replacing it is seen whole or not at all. Rows are
     * counted as they arrive, and a record past the bound is not read past the page that crossed it.
     *
     * @throws RecordTooLargeException when they hold more
     */
    public List<StoredItem> readAll(NamespaceConfig ns, String id, long maxBytes) {
        return bounded(session.execute(quorum(prepare(COLUMNS + keyspace + "." + ns.table() + " WHERE id = ?").bind(id))), maxBytes,
                () -> new RecordTooLargeException(ns.name(), id, maxBytes));
    }

    /**
     * The items with the given keys, in key order, when they hold at most {@code maxBytes} of keys and values.
     *
     * @throws RecordTooLargeException when they hold more (ask for fewer keys)
     */
    public List<StoredItem> readKeys(NamespaceConfig ns, String id, List<Bytes> keys, long maxBytes) {
        List<ByteBuffer> buffers = keys.stream().map(k -> ByteBuffer.wrap(k.unsafeArray())).toList();
        return bounded(session.execute(quorum(prepare(COLUMNS + keyspace + "." + ns.table() + " WHERE id = ? AND key IN ?")
                .bind(id, buffers))), maxBytes, () -> new RecordTooLargeException(ns.name(), id, maxBytes));
    }

    /** The write timestamps of those of {@code keys} that exist (their values are not read). */
    public java.util.Map<Bytes, Long> versions(NamespaceConfig ns, String id, List<Bytes> keys) {
        List<ByteBuffer> buffers = keys.stream().map(k -> ByteBuffer.wrap(k.unsafeArray())).toList();
        java.util.Map<Bytes, Long> out = new java.util.HashMap<>();
        for (Row row : session.execute(quorum(prepare("SELECT key, writetime(value) AS wt FROM " + keyspace + "." + ns.table()
                + " WHERE id = ? AND key IN ?").bind(id, buffers)))) {
            out.put(Bytes.wrap(StoreSchema.blob(row.getByteBuffer("key"))), row.getLong("wt"));
        }
        return out;
    }

    /** Whether the record has no item (one key read at most). */
    public boolean isEmpty(NamespaceConfig ns, String id) {
        return session.execute(quorum(prepare("SELECT key FROM " + keyspace + "." + ns.table() + " WHERE id = ? LIMIT 1").bind(id)))
                .one() == null;
    }

    private static List<StoredItem> bounded(ResultSet rs, long maxBytes, java.util.function.Supplier<RecordTooLargeException> tooLarge) {
        List<StoredItem> out = new ArrayList<>();
        long total = 0;
        for (Row row : rs) {
            StoredItem item = item(row);
            total += item.key().size() + item.value().size();
            if (total > maxBytes) {
                throw tooLarge.get();
            }
            out.add(item);
        }
        return out;
    }

    /** The bytes of keys and values of {@code items}. */
    public static long bytes(List<StoredItem> items) {
        long total = 0;
        for (StoredItem i : items) {
            total += i.key().size() + i.value().size();
        }
        return total;
    }

    /** One page of a range read: its items, and whether more follow. */
    public record RangePage(List<StoredItem> items, boolean more) {
    }

    /**
     * Items with {@code from <= key < to} (either bound optional), after {@code afterKey} when continuing
     * a page, up to about {@code pageBytes} of keys and values (always at least one item).
     */
    public RangePage readRange(NamespaceConfig ns, String id, Bytes from, Bytes to, Bytes afterKey, long pageBytes) {
        StringBuilder cql = new StringBuilder(COLUMNS).append(keyspace).append('.').append(ns.table()).append(" WHERE id = ?");
        List<Object> values = new ArrayList<>();
        values.add(id);
        if (afterKey != null) {
            cql.append(" AND key > ?");
            values.add(ByteBuffer.wrap(afterKey.unsafeArray()));
        } else if (from != null) {
            cql.append(" AND key >= ?");
            values.add(ByteBuffer.wrap(from.unsafeArray()));
        }
        if (to != null) {
            cql.append(" AND key < ?");
            values.add(ByteBuffer.wrap(to.unsafeArray()));
        }
        BoundStatement s = prepare(cql.toString()).bind(values.toArray()).setPageSize(100);
        ResultSet rs = session.execute(quorum(s));
        return page(() -> java.util.stream.StreamSupport.stream(rs.spliterator(), false).map(CassandraStore::item).iterator(),
                pageBytes);
    }

    private static List<StoredItem> items(ResultSet rs) {
        List<StoredItem> out = new ArrayList<>();
        for (Row row : rs) {
            out.add(item(row));
        }
        return out;
    }

    /**
     * Items until about {@code pageBytes} are taken (at least one); {@code more} if a further one exists.
     * Reads lazily, so a Cassandra result is fetched only as far as the page needs.
     */
    public static RangePage page(Iterable<StoredItem> items, long pageBytes) {
        List<StoredItem> out = new ArrayList<>();
        long bytes = 0;
        for (StoredItem item : items) {
            if (!out.isEmpty() && bytes >= pageBytes) {
                return new RangePage(out, true);
            }
            out.add(item);
            bytes += item.key().size() + item.value().size();
        }
        return new RangePage(out, false);
    }

    private static StoredItem item(Row row) {
        return new StoredItem(Bytes.wrap(StoreSchema.blob(row.getByteBuffer("key"))),
                Bytes.wrap(StoreSchema.blob(row.getByteBuffer("value"))),
                row.getLong("wt"), row.isNull("ttl") ? 0 : row.getInt("ttl"));
    }

}
