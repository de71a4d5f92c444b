package io.meridian.server.data;

import com.codahale.metrics.annotation.ExceptionMetered;
import com.codahale.metrics.annotation.Timed;
import io.dropwizard.auth.Auth;
import io.meridian.core.Bytes;
import io.meridian.core.CallDeadline;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Operation;
import io.meridian.core.wire.ErrorResponse;
import io.meridian.core.wire.ItemJson;
import io.meridian.core.wire.MutateRequest;
import io.meridian.core.wire.PutItemsRequest;
import io.meridian.core.wire.ReadItemsRequest;
import io.meridian.core.wire.RecordResponse;
import io.meridian.core.wire.WriteResponse;
import io.meridian.server.ApiException;
import io.meridian.core.SessionToken;
import io.meridian.server.api.SessionFilter;
import io.meridian.server.api.TraceFilter;
import io.meridian.server.data.internal.Sessions;
import io.meridian.server.auth.Authorization;
import io.meridian.server.auth.Caller;
import io.meridian.server.cache.internal.CachedReads;
import io.meridian.server.data.internal.Admission;
import io.meridian.server.data.internal.PageTokens;
import io.meridian.server.data.internal.WritePath;
import io.meridian.store.CassandraStore;
import io.meridian.store.NamespaceConfig;
import io.meridian.store.StoredItem;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;

/**
 * Records of a namespace: {@code /v1/namespaces/{ns}/records/{id}}. Every call is authenticated; reads need
 * read access to the namespace, writes write access; internal namespaces ({@code meridian_*}) are refused.
 * Writes go through the {@link WritePath}; reads through the record cache ({@link CachedReads}), which reads
 * the region's Cassandra at LOCAL_QUORUM on a miss.
 */
@Path("/v1/namespaces/{ns}/records/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class RecordsResource {

    /** Header carrying the client's idempotency token ({@code <µs>-<16 hex>}). */
    public static final String TOKEN_HEADER = io.meridian.core.IdempotencyToken.HEADER;
    static final long DEFAULT_PAGE_BYTES = 1024 * 1024;

    private final CassandraStore store;
    private final CachedReads reads;
    private final WritePath writes;
    private final PageTokens pageTokens;
    private final io.meridian.server.data.internal.Admission readAdmission;
    private final Sessions sessions;

    public RecordsResource(CassandraStore store, CachedReads reads, WritePath writes, PageTokens pageTokens,
            io.meridian.server.data.internal.Admission readAdmission, Sessions sessions) {
        this.sessions = sessions;
        this.store = store;
        this.reads = reads;
        this.writes = writes;
        this.pageTokens = pageTokens;
        this.readAdmission = readAdmission;
    }

    /** The namespace, once the caller may {@code access} it (403 before any lookup, so no existence leaks). */
    private NamespaceConfig namespace(Caller caller, Caller.Access access, String ns) {
        String name = WireConversions.namespace(ns);
        Authorization.require(caller, access, name);
        return store.namespace(name).orElseThrow(() -> ApiException.notFound(ErrorResponse.NAMESPACE_NOT_FOUND, "namespace '" + name + "' does not exist"));
    }

    private static String id(String id) {
        return Limits.checkId(id);
    }

    private static IdempotencyToken token(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return IdempotencyToken.parse(header.trim());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** What the request brings to its write: its token, its deadline and its trace. */
    private static WritePath.Call call(String token, String deadline) {
        return new WritePath.Call(token(token), deadline(deadline), TraceFilter.current());
    }

    /** The answer of an acknowledged write, its log position added to the caller's session ({@code Meridian-Session}). */
    private static WriteResponse answer(WritePath.Written written) {
        if (written.position() != null) {
            SessionFilter.answer(SessionToken.of(io.meridian.core.RegionId.of(written.response().region()),
                    written.position().partition(), written.position().offset() + 1));
        }
        return written.response();
    }

    private static SessionToken session(String header) {
        try {
            return SessionToken.parse(header);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static java.time.Duration deadline(String header) {
        try {
            return CallDeadline.parse(header);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** Sets items (others of the record are kept). */
    @PUT
    @Timed(name = "put-items")
    @ExceptionMetered(name = "put-items-errors")
    public WriteResponse put(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id, @HeaderParam(TOKEN_HEADER) String token,
            @HeaderParam(CallDeadline.HEADER) String deadline, PutItemsRequest body) {
        if (body == null || body.items() == null || body.items().isEmpty()) {
            throw ApiException.badRequest("body must be {\"items\": [{\"key\": <base64>, \"value\": <base64>}, ...]} with at least one item");
        }
        String checkedId = id(id);
        Limits.checkOperations(body.items().size());
        List<Operation> ops = WireConversions.puts(body.items(), new long[] {checkedId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length});
        return answer(writes.written(call(token, deadline), namespace(caller, Caller.Access.WRITE, ns), checkedId, ops));
    }

    /** Puts and deletes of one record, atomically. */
    @POST
    @Path("/mutate")
    @Timed(name = "mutate")
    @ExceptionMetered(name = "mutate-errors")
    public WriteResponse mutate(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id, @HeaderParam(TOKEN_HEADER) String token,
            @HeaderParam(CallDeadline.HEADER) String deadline, MutateRequest body) {
        if (body == null) {
            throw ApiException.badRequest("body must be {\"puts\": [...], \"deletes\": [<base64 key>...], \"deleteRecord\": false}");
        }
        if (body.condition() != null) { // one way in: a server that predates conditions must refuse them, not ignore them
            throw ApiException.badRequest("a conditional mutate goes to POST .../records/{id}/conditional");
        }
        String checkedId = id(id);
        List<Operation> ops = operations(checkedId, body); // bad input first: 400/413 before 403/404, as every write
        return answer(writes.written(call(token, deadline), namespace(caller, Caller.Access.WRITE, ns), checkedId, ops));
    }

    /**
     * Puts and deletes of one record, applied only if {@code condition} holds in this region (docs/consistency.md,
     * "Conditional writes"): 409 {@code condition-failed} with the current versions otherwise. Its own path, so that a
     * server that predates conditional writes answers 404 instead of writing unconditionally.
     */
    @POST
    @Path("/conditional")
    @Timed(name = "conditional-mutate")
    @ExceptionMetered(name = "conditional-mutate-errors")
    public WriteResponse conditional(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam(TOKEN_HEADER) String token, @HeaderParam(CallDeadline.HEADER) String deadline,
            @HeaderParam(SessionToken.HEADER) String session, MutateRequest body) {
        if (body == null || body.condition() == null) {
            throw ApiException.badRequest("body must be a mutate with a \"condition\": {\"recordAbsent\": true} and/or"
                    + " {\"items\": [{\"key\": <base64>, \"timestamp\": <µs, or 0 for absent>}, ...]}");
        }
        String checkedId = id(id);
        List<Operation> ops = operations(checkedId, body);
        io.meridian.core.Condition condition = WireConversions.condition(body.condition());
        Limits.checkOperations(condition.items().size() + ops.size());
        SessionToken seen = session(session);
        WritePath.Call call = call(token, deadline).withCondition(condition);
        NamespaceConfig config = namespace(caller, Caller.Access.WRITE, ns);
        // decided against a state at least as new as the session's: a record the session created is not "absent" here
        awaitSession(caller, config, checkedId, seen, call.deadline() == null ? Long.MAX_VALUE : System.nanoTime() + call.deadline().toNanos());
        return answer(writes.written(call, config, checkedId, ops));
    }

    /** A mutate body's operations: the record delete first, then puts and item deletes (400/413 on bad input). */
    private static List<Operation> operations(String checkedId, MutateRequest body) {
        long[] total = {checkedId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length};
        Limits.checkOperations((Boolean.TRUE.equals(body.deleteRecord()) ? 1 : 0) + (body.puts() == null ? 0 : body.puts().size())
                + (body.deletes() == null ? 0 : body.deletes().size()));
        List<Operation> ops = new ArrayList<>();
        if (Boolean.TRUE.equals(body.deleteRecord())) {
            ops.add(new Operation.DeleteRecord());
        }
        ops.addAll(WireConversions.puts(body.puts(), total));
        if (body.deletes() != null) {
            for (int i = 0; i < body.deletes().size(); i++) {
                Bytes key = WireConversions.key("deletes[" + i + "]", body.deletes().get(i));
                total[0] += key.size();
                WireConversions.checkTotal(total[0]);
                ops.add(new Operation.DeleteItem(key));
            }
        }
        return ops;
    }

    /** Deletes the given items ({@code ?key=<base64>} repeated) or, with no key, the whole record. */
    @DELETE
    @Timed(name = "delete")
    @ExceptionMetered(name = "delete-errors")
    public WriteResponse delete(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id, @HeaderParam(TOKEN_HEADER) String token,
            @HeaderParam(CallDeadline.HEADER) String deadline, @QueryParam("key") List<String> keys) {
        String checkedId = id(id);
        List<Operation> ops = new ArrayList<>();
        if (keys == null || keys.isEmpty()) {
            ops.add(new Operation.DeleteRecord());
        } else {
            Limits.checkOperations(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                ops.add(new Operation.DeleteItem(WireConversions.key("key[" + i + "]", keys.get(i))));
            }
        }
        return answer(writes.written(call(token, deadline), namespace(caller, Caller.Access.WRITE, ns), checkedId, ops));
    }

    /**
     * Reads a record: all items; the items named by {@code ?key=} (repeated); or a key range
     * {@code ?from=&to=} (from inclusive, to exclusive, either optional) in pages of about
     * {@code pageBytes} (default 1 MiB) continued with {@code pageToken}. 404 when the record has no item
     * (for a range: when the first page is empty and no range was given).
     */
    @GET
    @Timed(name = "get")
    @ExceptionMetered(name = "get-errors")
    public RecordResponse get(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id, @QueryParam("key") List<String> keys,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("pageBytes") Long pageBytes,
            @QueryParam("pageToken") String pageToken, @HeaderParam(CallDeadline.HEADER) String deadline,
            @HeaderParam(SessionToken.HEADER) String session) {
        SessionToken seen = session(session);
        return withinDeadline(caller, ns, id, seen, deadline(deadline), (config, checkedId) -> read(config, checkedId, keys, from, to,
                pageBytes, pageToken));
    }

    /**
     * Reads the items whose keys the body names ({@code {"keys": [<base64>...]}}): as {@code GET ?key=}, with the list in
     * the body, where the 4 MiB request limit bounds it instead of the 8 KiB of request headers.
     */
    @POST
    @Path("/read")
    @Timed(name = "read-items")
    @ExceptionMetered(name = "read-items-errors")
    public RecordResponse readItems(@Auth Caller caller, @PathParam("ns") String ns, @PathParam("id") String id,
            @HeaderParam(CallDeadline.HEADER) String deadline, @HeaderParam(SessionToken.HEADER) String session,
            ReadItemsRequest body) {
        if (body == null || body.keys() == null || body.keys().isEmpty()) {
            throw ApiException.badRequest("body must be {\"keys\": [<base64 key>, ...]} with at least one key");
        }
        Limits.checkOperations(body.keys().size());
        SessionToken seen = session(session);
        return withinDeadline(caller, ns, id, seen, deadline(deadline), (config, checkedId) -> read(config, checkedId, body.keys(),
                null, null, null, null));
    }

    /** A read of a record whose namespace the caller may read. */
    @FunctionalInterface
    private interface Read {
        RecordResponse read(NamespaceConfig config, String checkedId);
    }

    /**
     * A read of a record the caller may read, once the caller's session is satisfied here (a wait of its own, outside the
     * read admission), within the read admission and the caller's deadline: one whose deadline has passed is not started
     * (504), and one that ends after it is not sent (504: the caller has stopped waiting; nothing was changed by reading).
     */
    private RecordResponse withinDeadline(Caller caller, String ns, String id, SessionToken seen, java.time.Duration deadline, Read read) {
        if (deadline != null && deadline.isZero()) {
            throw ApiException.deadlinePassed("the caller's deadline has passed: nothing was read", null);
        }
        long until = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
        NamespaceConfig config = namespace(caller, Caller.Access.READ, ns);
        String checkedId = id(id);
        awaitSession(caller, config, checkedId, seen, until);
        try (Admission.Permit ignored = readAdmission.enter()) {
            RecordResponse answer = read.read(config, checkedId);
            if (System.nanoTime() - until > 0) {
                throw ApiException.deadlinePassed("the caller's deadline passed while this server read", null);
            }
            return answer;
        }
    }

    /**
     * Waits (bounded) until this server has applied what the caller's session has seen of the record, and marks the answer
     * so (the client tells a server that ignores sessions by its absence); nothing without a session.
     */
    private void awaitSession(Caller caller, NamespaceConfig config, String checkedId, SessionToken seen, long until) {
        if (seen.isEmpty()) {
            return;
        }
        sessions.await(config.name(), checkedId, seen, until, caller.getName());
        SessionFilter.satisfied();
    }

    private RecordResponse read(NamespaceConfig config, String checkedId, List<String> keys, String from, String to, Long pageBytes,
            String pageToken) {
        boolean ranged = from != null || to != null || pageBytes != null || pageToken != null;
        if (keys != null && !keys.isEmpty()) {
            if (ranged) {
                throw ApiException.badRequest("use either ?key= or a range (from/to/pageBytes/pageToken), not both");
            }
            List<Bytes> wanted = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                wanted.add(WireConversions.key("key[" + i + "]", keys.get(i)));
            }
            List<StoredItem> items;
            try {
                items = reads.readKeys(config, checkedId, wanted);
            } catch (io.meridian.store.RecordTooLargeException e) {
                throw ApiException.recordTooLarge(e.getMessage());
            }
            return new RecordResponse(config.name(), checkedId, items.stream().map(WireConversions::toJson).toList(), null);
        }
        if (!ranged) {
            List<StoredItem> items;
            try {
                items = reads.readAll(config, checkedId);
            } catch (io.meridian.store.RecordTooLargeException e) {
                throw ApiException.recordTooLarge(e.getMessage());
            }
            if (items.isEmpty()) {
                throw ApiException.notFound(ErrorResponse.RECORD_NOT_FOUND, "record '" + checkedId + "' of namespace '" + config.name() + "' has no items");
            }
            return new RecordResponse(config.name(), checkedId, items.stream().map(WireConversions::toJson).toList(), null);
        }
        long budget = pageBytes == null ? DEFAULT_PAGE_BYTES : pageBytes;
        if (budget < 1 || budget > 16L * 1024 * 1024) {
            throw ApiException.badRequest("pageBytes must be within 1..16777216");
        }
        Bytes after = pageToken == null ? null : pageTokens.verify(config.name(), checkedId, pageToken);
        Bytes fromKey = from == null ? null : WireConversions.base64("from", from);
        Bytes toKey = to == null ? null : WireConversions.base64("to", to);
        CassandraStore.RangePage page = reads.readRange(config, checkedId, fromKey, toKey, after, budget);
        List<StoredItem> items = page.items();
        String next = page.more() ? pageTokens.issue(config.name(), checkedId, items.get(items.size() - 1).key()) : null;
        List<ItemJson> json = items.stream().map(WireConversions::toJson).toList();
        return new RecordResponse(config.name(), checkedId, json, next);
    }
}
