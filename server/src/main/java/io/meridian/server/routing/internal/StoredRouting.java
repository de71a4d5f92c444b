package io.meridian.server.routing.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.Bytes;
import io.meridian.core.Operation;
import io.meridian.core.wire.AuditEntry;
import io.meridian.router.RegionRouter;
import io.meridian.server.data.internal.WritePath;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import io.meridian.store.StoredItem;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The routing audit log in Meridian's own storage (dogfooding): namespace {@value #NAMESPACE}, created locally
 * by every server at start; each entry an item of record {@code audit} under a unique key (time and a random
 * number). Written through the normal write path, so it is in the mutation log, replicated to every region and
 * readable in each. Append-only: entries are only ever added, and the namespace is internal (never reachable
 * through the data API). The plan itself is agreed by a majority of regions (PlanAgreement), not stored here.
 * Thread-safe.
 */
public final class StoredRouting implements RegionRouter.AuditLog {

    public static final String NAMESPACE = "meridian_router";
    private static final Bytes CURRENT = Bytes.utf8("current");

    private final CassandraStore store;
    private final WritePath writes;
    private final ObjectMapper json = new ObjectMapper();

    public StoredRouting(CassandraStore store, WritePath writes) {
        this.store = store;
        this.writes = writes;
    }

    /** Creates the namespace in this region if missing (every region does so at start). */
    public static void ensureNamespace(CassandraStore store, long nowMicros) {
        if (store.namespace(NAMESPACE).isEmpty()) {
            store.createNamespace(new NamespaceConfig(NAMESPACE, 0, false, 0), nowMicros);
        }
    }

    private NamespaceConfig ns() {
        return store.namespace(NAMESPACE).orElseThrow(() -> new IllegalStateException("namespace " + NAMESPACE + " missing"));
    }

    @Override
    public void append(AuditEntry entry) {
        String key = String.format("%016x-%08x", entry.at(), ThreadLocalRandom.current().nextInt());
        writes.write(ns(), "audit", List.of(new Operation.Put(Bytes.utf8(key), Bytes.wrap(bytes(entry)), 0)), null);
    }

    /** The last {@code limit} audit entries, oldest first. */
    public List<AuditEntry> audit(int limit) {
        List<StoredItem> items = store.readAll(ns(), "audit");
        List<AuditEntry> out = new ArrayList<>();
        for (StoredItem i : items.subList(Math.max(0, items.size() - limit), items.size())) {
            try {
                out.add(json.readValue(i.value().unsafeArray(), AuditEntry.class));
            } catch (IOException e) {
                // skip an entry this version cannot read
            }
        }
        return out;
    }

    private byte[] bytes(Object o) {
        try {
            return json.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
