package io.meridian.server.data.internal;

import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import io.meridian.store.RecordLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;

/** The write path's {@link MutationSink.Guard} on the region's Cassandra: {@link RecordLocks}, and versions read at LOCAL_QUORUM. */
public final class StoreGuard implements MutationSink.Guard {

    private final CassandraStore store;
    private final RecordLocks locks;

    public StoreGuard(CassandraStore store) {
        this.store = store;
        this.locks = new RecordLocks(store);
    }

    @Override
    public boolean tryLock(NamespaceConfig ns, String id, String owner, Duration ttl) {
        return locks.tryLock(ns, id, owner, ttl);
    }

    @Override
    public void unlock(NamespaceConfig ns, String id, String owner) {
        locks.unlock(ns, id, owner);
    }

    @Override
    public Map<Bytes, Long> versions(NamespaceConfig ns, String id, Collection<Bytes> keys) {
        return store.versions(ns, id, new ArrayList<>(keys));
    }

    @Override
    public boolean recordEmpty(NamespaceConfig ns, String id) {
        return store.isEmpty(ns, id);
    }

    @Override
    public void decide(NamespaceConfig ns, String id, IdempotencyToken token, Duration ttl) {
        locks.decide(ns, id, token.toString(), ttl);
    }

    @Override
    public boolean holds(NamespaceConfig ns, String id, Bytes key, Bytes value, long timestamp) {
        return store.readKeys(ns, id, java.util.List.of(key), Long.MAX_VALUE).stream()
                .anyMatch(i -> i.writeTimeMicros() == timestamp && i.value().equals(value));
    }

    @Override
    public boolean decided(NamespaceConfig ns, String id, IdempotencyToken token) {
        return locks.decided(ns, id, token.toString());
    }
}
