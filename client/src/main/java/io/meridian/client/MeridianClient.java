package io.meridian.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.client.MeridianClientException.Unavailable;
import io.meridian.core.Bytes;
import io.meridian.core.CallDeadline;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.RegionId;
import io.meridian.core.SessionToken;
import io.meridian.core.Traceparent;
import io.meridian.core.wire.ErrorResponse;
import io.meridian.core.wire.ItemJson;
import io.meridian.core.wire.MutateRequest;
import io.meridian.core.wire.NamespaceJson;
import io.meridian.core.wire.NamespaceList;
import io.meridian.core.wire.PutItemsRequest;
import io.meridian.core.wire.ReadItemsRequest;
import io.meridian.core.wire.RecordResponse;
import io.meridian.core.wire.WriteResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Meridian client: stores and reads records through the regional servers.
 *
 * <p>Every write gets one {@link IdempotencyToken} when it is called, and every retry of it (to the
 * same region or another) carries the same token, so retries never create a second version. Calls go
 * to the home region first; on a transport failure, timeout or 503 they are retried (with backoff and
 * the server's Retry-After) on the next region in order, up to {@code maxAttempts}. 4xx answers are
 * not retried. Connections are pooled (one {@link HttpClient}).
 *
 * <p>Each operation has a synchronous form and an {@code ...Async} form returning a
 * {@link CompletionStage}. Thread-safe: share one instance.
 */
public final class MeridianClient implements AutoCloseable {

    private static final String TOKEN_HEADER = IdempotencyToken.HEADER;
    private static final Logger LOG = LoggerFactory.getLogger(MeridianClient.class);
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_THREAD_PER_TASK = new java.util.concurrent.atomic.AtomicBoolean();

    static {
        // The JDK client keeps idle connections 1200 s by default, servers (Jetty: 30 s) close them sooner;
        // reusing one the server just closed fails with "header parser received no bytes". Dropping idle
        // connections after 20 s avoids that race. Only set when the application has not chosen a value.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "20");
        }
    }

    private final RegionId home;
    private final List<RegionId> order;
    private final Map<RegionId, URI> endpoints;
    private final Duration requestTimeout;
    private final Duration hedgeReadsAfter; // null: reads are not hedged unless a call asks
    private final HedgeDelay hedgeDelay; // adaptive hedging: null unless hedgeReadsAtPercentile
    private final Duration callTimeout;
    private final int maxAttempts;
    private final int maxInFlight;
    private final java.util.concurrent.Semaphore inFlight;
    private final RetryBudget retryBudget;
    private final Session session; // every call's unless it names its own; null: none
    private final Duration backoff;
    private final Duration maxBackoff;
    private volatile boolean closed;
    private final Clock clock;
    private final IdempotencyToken.Generator tokens;
    private final String authorization; // HTTP Basic of the data credentials, or null
    private final String operatorAuthorization; // HTTP Basic of the operator credentials, or null
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private volatile io.meridian.core.wire.RoutingPlan plan;
    private final List<MeridianListener> listeners;
    private volatile boolean planFailing; // the last refresh reached no region (logged once per failing period)
    private final java.util.concurrent.ScheduledFuture<?> planPoller;

    /** One daemon thread polls the routing plan for every client of this JVM. */
    private static final java.util.concurrent.ScheduledExecutorService PLANS =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "meridian-client-plan");
                t.setDaemon(true);
                return t;
            });
    private static final java.util.regex.Pattern RECORD_PATH =
            java.util.regex.Pattern.compile("^/v1/namespaces/([^/]+)/records/([^/?]+)");

    private MeridianClient(Builder b) {
        this.home = b.home;
        this.endpoints = Map.copyOf(b.endpoints);
        List<RegionId> o = new ArrayList<>();
        o.add(b.home);
        b.preferred.stream().filter(r -> !o.contains(r) && b.endpoints.containsKey(r)).forEach(o::add);
        b.endpoints.keySet().stream().filter(r -> !o.contains(r)).sorted().forEach(o::add);
        this.order = List.copyOf(o);
        this.requestTimeout = b.requestTimeout;
        this.hedgeReadsAfter = b.hedgeReadsAfter;
        this.hedgeDelay = b.hedgeDelay != null ? b.hedgeDelay : b.hedgePercentile > 0 ? new HedgeDelay(b.hedgePercentile) : null;
        this.callTimeout = b.callTimeout != null ? b.callTimeout : defaultCallTimeout(b);
        this.maxAttempts = b.maxAttempts;
        this.maxInFlight = b.maxInFlight;
        this.inFlight = new java.util.concurrent.Semaphore(b.maxInFlight);
        this.retryBudget = b.retryBudget;
        this.session = b.session;
        this.backoff = b.backoff;
        this.maxBackoff = b.maxBackoff;
        this.clock = b.clock;
        this.tokens = new IdempotencyToken.Generator(b.clock);
        this.authorization = b.authorization;
        this.operatorAuthorization = b.operatorAuthorization;
        this.listeners = List.copyOf(b.listeners);
        this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
        this.planPoller = b.planInterval.isZero() ? null : PlanPoll.schedule(this, b.planInterval);
    }

    /**
     * The scheduled poll of one client's plan. It holds the client weakly, so a client its application dropped
     * without closing is collected (and its poll cancelled) instead of being kept alive by the shared thread.
     */
    private static final class PlanPoll implements Runnable {
        private final java.lang.ref.WeakReference<MeridianClient> client;
        private volatile java.util.concurrent.ScheduledFuture<?> future;

        private PlanPoll(MeridianClient client) {
            this.client = new java.lang.ref.WeakReference<>(client);
        }

        static java.util.concurrent.ScheduledFuture<?> schedule(MeridianClient client, Duration interval) {
            PlanPoll poll = new PlanPoll(client);
            poll.future = PLANS.scheduleWithFixedDelay(poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
            return poll.future;
        }

        @Override
        public void run() {
            MeridianClient c = client.get();
            if (c == null || c.closed) {
                java.util.concurrent.ScheduledFuture<?> f = future;
                if (f != null) {
                    f.cancel(false);
                }
                return;
            }
            c.pollPlan();
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean polling = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Fetches the routing plan from the first region that answers (home first), asynchronously: the shared poll
     * thread never waits for a slow or dead endpoint, so one client's dead regions do not delay another client's
     * refresh. One fetch at a time per client; the last plan is kept when no region answers.
     */
    private void pollPlan() {
        if (polling.compareAndSet(false, true)) {
            pollPlan(0).whenComplete((x, e) -> polling.set(false));
        }
    }

    private CompletableFuture<Void> pollPlan(int index) {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        if (index >= order.size()) {
            planRefreshFailed();
            return CompletableFuture.completedFuture(null);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(at(endpoints.get(order.get(index)), "/v1/router/plan"))
                .timeout(Duration.ofMillis(Math.min(2_000, requestTimeout.toMillis()))).GET();
        String auth = authorization != null ? authorization : operatorAuthorization;
        if (auth != null) {
            req.header("Authorization", auth);
        }
        return http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofByteArray()).handle((resp, error) -> {
            if (error == null && resp.statusCode() == 200) {
                try {
                    io.meridian.core.wire.RoutingPlan p = json.readValue(resp.body(), io.meridian.core.wire.RoutingPlan.class);
                    io.meridian.core.wire.RoutingPlan current = plan;
                    if (current == null || p.version() >= current.version()) {
                        plan = p;
                        if (current == null || p.version() > current.version()) {
                            LOG.debug("following routing plan version {} (from {})", p.version(), order.get(index));
                            notify(l -> l.planChanged(p));
                        }
                    }
                    if (planFailing) {
                        planFailing = false;
                        LOG.info("routing plan refreshed again (from {})", order.get(index));
                    }
                    return true;
                } catch (IOException | RuntimeException e) {
                    LOG.debug("routing plan from {}: not a plan: {}", order.get(index), e.toString());
                    return false; // not a plan: the next region
                }
            }
            LOG.debug("routing plan from {}: {}", order.get(index), error != null ? describe(error) : "status " + resp.statusCode());
            return false;
        }).thenCompose(done -> done ? CompletableFuture.<Void>completedFuture(null) : pollPlan(index + 1));
    }

    /** No region answered a refresh: logged when it starts failing (then debug), told to the listeners every time. */
    private void planRefreshFailed() {
        String reason = "no region of " + order + " answered with a routing plan; keeping version "
                + (plan == null ? "none" : Long.toString(plan.version()));
        if (!planFailing) {
            planFailing = true;
            LOG.warn("routing plan refresh failed: {}", reason);
        } else {
            LOG.debug("routing plan refresh failed: {}", reason);
        }
        notify(l -> l.planRefreshFailed(reason));
    }

    /** Tells every listener; what one throws is logged, never passed on. */
    private void notify(java.util.function.Consumer<MeridianListener> event) {
        for (MeridianListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("listener {} failed: {}", l, e.toString());
            }
        }
    }

    /** The routing plan this client follows now (empty before the first answer or when not following). */
    public java.util.Optional<io.meridian.core.wire.RoutingPlan> routingPlan() {
        return java.util.Optional.ofNullable(plan);
    }

    /** The regions to try for a request, best first: by the plan for record requests, else home first. */
    private List<RegionId> orderFor(String path) {
        io.meridian.core.wire.RoutingPlan p = plan;
        java.util.regex.Matcher m = RECORD_PATH.matcher(path);
        if (p == null || !m.find()) {
            return order;
        }
        List<RegionId> out = new ArrayList<>();
        for (RegionId r : io.meridian.router.Routing.preference(p, home, m.group(1) + "/" + m.group(2))) {
            if (endpoints.containsKey(r)) {
                out.add(r);
            }
        }
        for (RegionId r : order) {
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The home region. */
    public RegionId homeRegion() {
        return home;
    }

    // ---------------------------------------------------------------- writes

    /** Sets items of a record (other items are kept). */
    public CompletionStage<WriteResult> putAsync(String namespace, String id, Map<Bytes, Bytes> items) {
        return putAsync(namespace, id, items, CallOptions.defaults());
    }

    /** As {@link #putAsync(String, String, Map)}, with this call's options. */
    public CompletionStage<WriteResult> putAsync(String namespace, String id, Map<Bytes, Bytes> items, CallOptions options) {
        return guarded(() -> {
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(items, "items");
            if (items.isEmpty()) {
                throw new IllegalArgumentException("put needs at least one item");
            }
            List<ItemJson> list = new ArrayList<>();
            items.forEach((k, v) -> list.add(ItemJson.of(Limits.checkKey(k).toBase64(), Limits.checkValue(v).toBase64())));
            return write("put", "PUT", recordPath(namespace, id), new PutItemsRequest(list), options);
        });
    }

    public WriteResult put(String namespace, String id, Map<Bytes, Bytes> items) {
        return join(putAsync(namespace, id, items));
    }

    public WriteResult put(String namespace, String id, Map<Bytes, Bytes> items, CallOptions options) {
        return join(putAsync(namespace, id, items, options));
    }

    /** Sets one item, key and value as UTF-8 text. */
    public WriteResult put(String namespace, String id, String key, String value) {
        return put(namespace, id, Map.of(Bytes.utf8(key), Bytes.utf8(value)));
    }

    /** Applies puts and deletes of one record atomically. */
    public CompletionStage<WriteResult> mutateAsync(String namespace, String id, RecordChange change) {
        return mutateAsync(namespace, id, change, CallOptions.defaults());
    }

    /**
     * As {@link #mutateAsync(String, String, RecordChange)}, with this call's options: its deadline, its idempotency
     * token (to retry a write whose outcome is unknown), its retry budget. Every write can be said as a change.
     */
    public CompletionStage<WriteResult> mutateAsync(String namespace, String id, RecordChange change, CallOptions options) {
        return guarded(() -> {
            Objects.requireNonNull(options, "options");
            List<ItemJson> puts = new ArrayList<>();
            change.puts.forEach((k, v) -> puts.add(new ItemJson(k.toBase64(), v.toBase64(), null, change.ttls.get(k))));
            List<String> deletes = change.deletes.stream().map(Bytes::toBase64).toList();
            if (change.ifRecordAbsent || !change.expected.isEmpty()) {
                List<ItemJson> items = new ArrayList<>();
                change.expected.forEach((k, ts) -> items.add(new ItemJson(k.toBase64(), null, ts == 0 ? null : ts, null)));
                var condition = new io.meridian.core.wire.ConditionJson(change.ifRecordAbsent ? Boolean.TRUE : null, items);
                // decided by the region that takes it: retried there, never moved to another region's state
                return write(new Request(CONDITIONAL, "POST", recordPath(namespace, id) + "/conditional",
                        new MutateRequest(puts, deletes, change.deleteRecord, condition), null, false, true), options);
            }
            return write("mutate", "POST", recordPath(namespace, id) + "/mutate",
                    new MutateRequest(puts, deletes, change.deleteRecord), options);
        });
    }

    public WriteResult mutate(String namespace, String id, RecordChange change) {
        return join(mutateAsync(namespace, id, change));
    }

    public WriteResult mutate(String namespace, String id, RecordChange change, CallOptions options) {
        return join(mutateAsync(namespace, id, change, options));
    }

    /** Deletes items of a record (the keys travel in the body: a long list is bounded by the 4 MiB request limit). */
    public CompletionStage<WriteResult> deleteItemsAsync(String namespace, String id, Collection<Bytes> keys) {
        return deleteItemsAsync(namespace, id, keys, CallOptions.defaults());
    }

    /** As {@link #deleteItemsAsync(String, String, Collection)}, with this call's options. */
    public CompletionStage<WriteResult> deleteItemsAsync(String namespace, String id, Collection<Bytes> keys, CallOptions options) {
        return guarded(() -> {
            Objects.requireNonNull(options, "options");
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("deleteItems needs at least one key (deleteRecord deletes all)");
            }
            List<String> deletes = keys.stream().map(k -> Limits.checkKey(k).toBase64()).toList();
            return write("deleteItems", "POST", recordPath(namespace, id) + "/mutate", new MutateRequest(List.of(), deletes, false),
                    options);
        });
    }

    public WriteResult deleteItems(String namespace, String id, Collection<Bytes> keys) {
        return join(deleteItemsAsync(namespace, id, keys));
    }

    public WriteResult deleteItems(String namespace, String id, Collection<Bytes> keys, CallOptions options) {
        return join(deleteItemsAsync(namespace, id, keys, options));
    }

    /** Deletes every item of a record. */
    public CompletionStage<WriteResult> deleteRecordAsync(String namespace, String id) {
        return deleteRecordAsync(namespace, id, CallOptions.defaults());
    }

    /** As {@link #deleteRecordAsync(String, String)}, with this call's options. */
    public CompletionStage<WriteResult> deleteRecordAsync(String namespace, String id, CallOptions options) {
        return guarded(() -> write("deleteRecord", "DELETE", recordPath(namespace, id), null, Objects.requireNonNull(options, "options")));
    }

    public WriteResult deleteRecord(String namespace, String id) {
        return join(deleteRecordAsync(namespace, id));
    }

    public WriteResult deleteRecord(String namespace, String id, CallOptions options) {
        return join(deleteRecordAsync(namespace, id, options));
    }

    // ---------------------------------------------------------------- reads

    /** All items of a record; {@link MeridianClientException.NotFound} when it has none. */
    public CompletionStage<Record> getAsync(String namespace, String id) {
        return getAsync(namespace, id, CallOptions.defaults());
    }

    /** As {@link #getAsync(String, String)}, with this call's deadline and retry budget (a read takes no token). */
    public CompletionStage<Record> getAsync(String namespace, String id, CallOptions options) {
        return guarded(() -> read("get", recordPath(namespace, id), options));
    }

    public Record get(String namespace, String id) {
        return join(getAsync(namespace, id));
    }

    public Record get(String namespace, String id, CallOptions options) {
        return join(getAsync(namespace, id, options));
    }

    private CompletionStage<Record> read(String operation, String path, CallOptions options) {
        return read(operation, "GET", path, null, options);
    }

    /** A read (no token: retried anywhere, never "outcome unknown"); {@code body} null for a GET. */
    private CompletionStage<Record> read(String operation, String method, String path, Object body, CallOptions options) {
        if (options.idempotencyToken() != null) {
            throw new IllegalArgumentException("a read takes no idempotency token (only writes do)");
        }
        return send(new Request(operation, method, path, body, null, false, false), options,
                answer -> toRecord(read(answer, RecordResponse.class)));
    }

    /** The chosen items of a record (those that exist). */
    public CompletionStage<Record> getAsync(String namespace, String id, Collection<Bytes> keys) {
        return getAsync(namespace, id, keys, CallOptions.defaults());
    }

    /** As {@link #getAsync(String, String, Collection)}, with this call's deadline and retry budget. */
    public CompletionStage<Record> getAsync(String namespace, String id, Collection<Bytes> keys, CallOptions options) {
        return guarded(() -> {
            Objects.requireNonNull(options, "options");
            if (keys.isEmpty()) { // no item chosen: none read (without keys the server would answer the whole record)
                return CompletableFuture.completedFuture(new Record(Limits.checkNamespace(namespace), Limits.checkId(id), List.of()));
            }
            List<String> wanted = keys.stream().map(k -> Limits.checkKey(k).toBase64()).toList();
            return read("getItems", "POST", recordPath(namespace, id) + "/read", new ReadItemsRequest(wanted), options);
        });
    }

    public Record get(String namespace, String id, Collection<Bytes> keys) {
        return join(getAsync(namespace, id, keys));
    }

    public Record get(String namespace, String id, Collection<Bytes> keys, CallOptions options) {
        return join(getAsync(namespace, id, keys, options));
    }

    /**
     * One page of the items with {@code from <= key < to} (null: unbounded), about {@code pageBytes}
     * of keys and values; pass the previous page's token to continue (null for the first page).
     */
    public CompletionStage<Page> getRangeAsync(String namespace, String id, Bytes from, Bytes to, long pageBytes,
            String pageToken) {
        return getRangeAsync(namespace, id, from, to, pageBytes, pageToken, CallOptions.defaults());
    }

    /** As {@link #getRangeAsync(String, String, Bytes, Bytes, long, String)}, with this call's deadline and retry budget. */
    public CompletionStage<Page> getRangeAsync(String namespace, String id, Bytes from, Bytes to, long pageBytes,
            String pageToken, CallOptions options) {
        return guarded(() -> {
            Objects.requireNonNull(options, "options");
            if (options.idempotencyToken() != null) {
                throw new IllegalArgumentException("a read takes no idempotency token (only writes do)");
            }
            StringBuilder q = new StringBuilder("?pageBytes=").append(pageBytes);
            if (from != null) {
                q.append("&from=").append(enc(from.toBase64()));
            }
            if (to != null) {
                q.append("&to=").append(enc(to.toBase64()));
            }
            if (pageToken != null) {
                q.append("&pageToken=").append(enc(pageToken));
            }
            return send(new Request("getRange", "GET", recordPath(namespace, id) + q, null, null, false, false), options, body -> {
                RecordResponse r = read(body, RecordResponse.class);
                return new Page(toRecord(r).items(), Optional.ofNullable(r.nextPageToken()));
            });
        });
    }

    public Page getRange(String namespace, String id, Bytes from, Bytes to, long pageBytes, String pageToken) {
        return join(getRangeAsync(namespace, id, from, to, pageBytes, pageToken));
    }

    /** The page size of {@link #items(String, String)}: 1 MiB of keys and values. */
    public static final long DEFAULT_PAGE_BYTES = 1024 * 1024;

    /**
     * Every item of a record in key order, read a page at a time as the iteration goes: for a record of any size (a
     * whole-record {@link #get} refuses one larger than the server's bound, 4 MiB by default). An empty record iterates
     * nothing.
     */
    public Iterable<Item> items(String namespace, String id) {
        return items(namespace, id, null, null, DEFAULT_PAGE_BYTES, CallOptions.defaults());
    }

    /**
     * The items with {@code from <= key < to} (null: unbounded) in key order, read in pages of about {@code pageBytes}
     * (1..16 MiB) as the iteration goes. Each page is one call with {@code options} (its deadline bounds each page, not
     * the whole iteration); a page that fails throws its {@link MeridianClientException} from {@code hasNext()}. Each
     * {@code iterator()} reads afresh; a record written while it is read may show some of the writes and not others
     * (each page is read when it is reached).
     */
    public Iterable<Item> items(String namespace, String id, Bytes from, Bytes to, long pageBytes, CallOptions options) {
        Limits.checkNamespace(namespace);
        Limits.checkId(id);
        Objects.requireNonNull(options, "options");
        if (pageBytes < 1 || pageBytes > 16L * 1024 * 1024) {
            throw new IllegalArgumentException("pageBytes must be within 1..16777216: " + pageBytes);
        }
        return () -> new java.util.Iterator<Item>() {
            private java.util.Iterator<Item> page = java.util.Collections.emptyIterator();
            private String token;
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    Page p;
                    try {
                        p = join(getRangeAsync(namespace, id, from, to, pageBytes, token, options));
                    } catch (MeridianClientException.NotFound e) {
                        if (e.namespaceMissing()) {
                            throw e;
                        }
                        p = new Page(List.of(), Optional.empty()); // no such record: nothing to iterate
                    }
                    page = p.items().iterator();
                    token = p.nextPageToken().orElse(null);
                    last = token == null;
                }
                return page.hasNext();
            }

            @Override
            public Item next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return page.next();
            }
        };
    }

    // ---------------------------------------------------------------- namespaces

    /** Creates a namespace in every region (idempotent for the same settings). */
    public CompletionStage<NamespaceSettings> createNamespaceAsync(NamespaceSettings settings) {
        return guarded(() -> {
            NamespaceJson body = new NamespaceJson(settings.name(), settings.defaultTtlSeconds(), settings.cacheEnabled(),
                    settings.cacheTtlSeconds());
            return call("createNamespace", "PUT", "/v1/namespaces/" + enc(settings.name()), body, true, b -> toSettings(read(b, NamespaceJson.class)));
        });
    }

    public NamespaceSettings createNamespace(NamespaceSettings settings) {
        return join(createNamespaceAsync(settings));
    }

    public NamespaceSettings createNamespace(String name) {
        return createNamespace(NamespaceSettings.of(name));
    }

    /** A namespace's settings; {@link MeridianClientException.NotFound} when it does not exist. */
    public CompletionStage<NamespaceSettings> describeNamespaceAsync(String name) {
        return guarded(() -> call("describeNamespace", "GET", "/v1/namespaces/" + enc(Limits.checkNamespace(name)), null,
                b -> toSettings(read(b, NamespaceJson.class))));
    }

    public NamespaceSettings describeNamespace(String name) {
        return join(describeNamespaceAsync(name));
    }

    /** The namespaces the credentials may read. */
    public CompletionStage<List<NamespaceSettings>> listNamespacesAsync() {
        return guarded(() -> call("listNamespaces", "GET", "/v1/namespaces", null,
                b -> read(b, NamespaceList.class).namespaces().stream().map(MeridianClient::toSettings).toList()));
    }

    public List<NamespaceSettings> listNamespaces() {
        return join(listNamespacesAsync());
    }

    // ---------------------------------------------------------------- transport

    private CompletionStage<WriteResult> write(String operation, String method, String path, Object body) {
        return write(operation, method, path, body, CallOptions.defaults());
    }

    private CompletionStage<WriteResult> write(String operation, String method, String path, Object body, CallOptions options) {
        return write(new Request(operation, method, path, body, null, false, false), options);
    }

    /** A write of {@code request} with its token: the caller's, or a new one. */
    private CompletionStage<WriteResult> write(Request request, CallOptions options) {
        // one token per logical write, reused on every retry; monotonic per client; or the caller's, retrying a write
        if (options.hedgeAfter() != null) {
            throw new IllegalArgumentException("writes are not hedged (hedgeAfter is for reads)");
        }
        Session inSession = options.session() != null ? options.session() : session;
        IdempotencyToken token = options.idempotencyToken() != null ? options.idempotencyToken() : tokens.next();
        if (inSession != null && options.idempotencyToken() == null) {
            // a session's writes are stamped in its order, whichever host makes them: after its last write's timestamp.
            // For this write only: the client's other writes keep their own clock (a session resumed from a tampered or
            // far-ahead token must not move every later write of the client ahead, where servers refuse them)
            long stamp = inSession.stampAfter(token.generationMicros(), HybridLogicalClock.SLOTS);
            if (stamp != token.generationMicros()) {
                token = new IdempotencyToken(stamp, token.nonce());
            }
        }
        Request r = request;
        return send(new Request(r.operation(), r.method(), r.path(), r.body(), token, false, r.sameRegion()), options, b -> {
            WriteResponse w = read(b, WriteResponse.class);
            if (inSession != null) {
                inSession.observeWrite(w.timestamp());
            }
            return new WriteResult(w.timestamp(), IdempotencyToken.parse(w.token()), RegionId.of(w.region()));
        });
    }

    /** A call without a token (reads, namespace administration) with the client's options. */
    private <T> CompletionStage<T> call(String operation, String method, String path, Object body, Function<byte[], T> parse) {
        return call(operation, method, path, body, false, parse);
    }

    /** {@code asOperator}: sends the operator credentials (namespace administration); else the data credentials. */
    private <T> CompletionStage<T> call(String operation, String method, String path, Object body, boolean asOperator,
            Function<byte[], T> parse) {
        return send(new Request(operation, method, path, body, null, asOperator, false), CallOptions.defaults(), parse);
    }

    /** The operation name of a conditional mutate. */
    private static final String CONDITIONAL = "conditionalMutate";

    /**
     * What a call sends; {@code operation} names it for listeners; {@code token} null for a read; {@code sameRegion}: its
     * retries stay in the region of its first attempt (a conditional write, decided against that region's state).
     */
    private record Request(String operation, String method, String path, Object body, IdempotencyToken token, boolean asOperator,
            boolean sameRegion) {
        String describe() {
            return method + " " + path;
        }

        /** A data read: no token, not administration (what may be hedged). */
        boolean isRead() {
            return token == null && !asOperator;
        }

        /** A call of a record (not of a namespace): what a session concerns. */
        boolean isRecordCall() {
            return !asOperator && path.contains("/records/");
        }
    }

    private <T> CompletionStage<T> send(Request request, CallOptions options, Function<byte[], T> parse) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("this MeridianClient is closed"));
        }
        Traceparent trace = options.traceparent() != null ? options.traceparent() : Traceparent.newTrace();
        if (!inFlight.tryAcquire()) {
            // past the bound the call fails here, at once, with nothing sent (not even encoded): a slow server is not
            // sent more calls than it can answer, and callers learn of the overload in microseconds, not seconds
            Unavailable refused = new Unavailable(request.describe() + ": this client has " + maxInFlight
                    + " calls in flight, its limit (maxInFlight): not sent; the servers are slower than the calls arrive",
                    null, 0, 0, new Unavailable.Outcome(false, false, request.token(), false), null);
            notify(l -> l.callEnded(new MeridianListener.CallEnded(request.operation(), null, 0, Duration.ZERO,
                    MeridianListener.Outcome.UNAVAILABLE, refused, trace.traceId())));
            return CompletableFuture.failedFuture(refused);
        }
        Duration wanted = options.deadline() != null ? options.deadline() : callTimeout;
        Duration deadline = wanted.compareTo(CallDeadline.MAX) > 0 ? CallDeadline.MAX : wanted; // "forever" is a day
        Call<T> c;
        try {
            byte[] payload = request.body() == null ? null : json.writeValueAsBytes(request.body());
            String auth = request.asOperator() && operatorAuthorization != null ? operatorAuthorization
                    : authorization != null ? authorization : operatorAuthorization;
            c = new Call<>(request, payload, auth, parse, orderFor(request.path()),
                    options.retryBudget() != null ? options.retryBudget() : retryBudget, deadline, trace);
            c.hedgeAfter = !request.isRead() ? null : options.hedgeAfter() != null ? options.hedgeAfter()
                    : hedgeReadsAfter != null ? hedgeReadsAfter : hedgeDelay != null ? hedgeDelay.delay() : null;
            c.session = !request.isRecordCall() ? null : options.session() != null ? options.session() : session;
            if (c.session != null) {
                c.session.checkUsable();
            }
        } catch (IOException | RuntimeException e) {
            inFlight.release(); // the call never started: its place is free again
            return CompletableFuture.failedFuture(e instanceof IOException
                    ? new IllegalArgumentException("cannot encode request: " + e.getMessage(), e) : e);
        }
        // the timer thread only hands the expiry over: the caller's continuations must never run on (and block) it
        java.util.concurrent.ScheduledFuture<?> timer = DEADLINES.schedule(() -> CALLBACKS.execute(c::expire), deadline.toNanos(),
                TimeUnit.NANOSECONDS);
        // the caller's own future, completed after the call's place is free (a caller calling again as soon as its call
        // ended finds it free); cancelling or completing it does not end the call (nor free its place) while its exchange
        // still runs: the deadline does
        CompletableFuture<T> ended = new CompletableFuture<>();
        c.result.whenComplete((ok, error) -> { // the one release of the permit, whatever ends the call
            timer.cancel(false);
            inFlight.release();
            try {
                if (!listeners.isEmpty()) {
                    notify(l -> l.callEnded(new MeridianListener.CallEnded(request.operation(), c.region, c.attempts,
                            Duration.ofNanos(System.nanoTime() - c.startNanos), outcomeOf(error), error, trace.traceId())));
                }
            } finally { // even a listener's Error never leaves the caller waiting
                // the caller's continuations run on a thread of their own (CALLBACKS), never on the JDK's completion pool,
                // where one that blocks would hold up every answer of this JVM (two threads on a 2-core machine)
                CALLBACKS.execute(() -> {
                    if (error != null) {
                        ended.completeExceptionally(error);
                    } else {
                        ended.complete(ok);
                    }
                });
            }
        });
        c.budget.onFirstAttempt();
        attempt(c, 1, 0);
        return ended;
    }


    /**
     * Where callers' futures complete, and so where their continuations run, and where expired calls and hedges are
     * handed from the timer: a cached pool, so a continuation that blocks holds its own thread, never the timer, another
     * call's expiry or the JDK HttpClient's completions (which run on the common fork-join pool: see core AsyncPool).
     * Threads are reused, so an answer does not start one.
     */
    private static final java.util.concurrent.ExecutorService CALLBACKS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "meridian-client-callbacks");
        t.setDaemon(true);
        return t;
    });

    /** Ends calls at their deadline (a cancelled timer leaves the queue at once). */
    private static final java.util.concurrent.ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private static java.util.concurrent.ScheduledThreadPoolExecutor deadlines() {
        java.util.concurrent.ScheduledThreadPoolExecutor e = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "meridian-client-deadlines");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    /** One call in progress: what it sends, until when, and what its attempts have learned so far. */
    private static final class Call<T> {
        final Request request;
        final byte[] payload;
        final String authorization;
        final Function<byte[], T> parse;
        final List<RegionId> order;
        final RetryBudget budget;
        final Duration deadline;
        final long startNanos = System.nanoTime();
        final long deadlineNanos;
        final Traceparent trace; // the call's; each attempt is a new span of it
        volatile RegionId region; // of the last attempt sent
        final CompletableFuture<T> result = new CompletableFuture<>();
        volatile int attempts;
        volatile boolean inFlight;
        volatile boolean unknown; // a write attempt reached a server without a verdict: it may have been applied
        volatile boolean durable; // a write attempt is known to be in a region's log
        volatile Failure last;
        final java.util.Set<CompletableFuture<?>> exchanges = java.util.concurrent.ConcurrentHashMap.newKeySet(); // in flight
        // attempts sent and not yet ended, counted before each is sent: the one whose end brings it to 0 decides what next
        final java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
        volatile int regionIndex; // of the last attempt sent
        Duration hedgeAfter; // a read's: when to send a second attempt to the next region, or null
        Session session; // the call's session, or null
        volatile Failure sessionRefused; // the last region that answered it has not applied what the session has seen

        Call(Request request, byte[] payload, String authorization, Function<byte[], T> parse, List<RegionId> order,
                RetryBudget budget, Duration deadline, Traceparent trace) {
            this.request = request;
            this.payload = payload;
            this.authorization = authorization;
            this.parse = parse;
            this.order = order;
            this.budget = budget;
            this.deadline = deadline;
            this.deadlineNanos = startNanos + deadline.toNanos();
            this.trace = trace;
        }

        boolean isWrite() {
            return request.token() != null;
        }

        /**
         * What is known of the effect. {@code inFlight} is read before {@code unknown}: an attempt's completion records
         * its verdict in {@code unknown} before it clears {@code inFlight}, so an attempt that may have been applied is
         * never missed in between.
         */
        Unavailable.Outcome outcome(boolean deadlineExceeded) {
            boolean sending = inFlight;
            boolean mayHaveApplied = unknown || (deadlineExceeded && sending);
            return new Unavailable.Outcome(durable, isWrite() && mayHaveApplied, request.token(), deadlineExceeded);
        }

        /** The deadline passed: fails the call (a no-op when it has its answer) and abandons the attempt in flight. */
        void expire() {
            if (result.isDone()) {
                return;
            }
            Failure f = last;
            Unavailable.Outcome outcome = outcome(true);
            Failure refused = sessionRefused;
            if (refused != null && !isWrite()) {
                if (result.completeExceptionally(new MeridianClientException.SessionNotSatisfied(request.describe() + ": the deadline of "
                        + deadline.toMillis() + " ms passed after " + Math.max(1, attempts) + " attempt(s); no region tried could"
                        + " serve the session: " + refused.message + (f != null && f != refused ? "; last: " + f.message : ""),
                        refused.region, Math.max(1, attempts), true))) {
                    abandonExchanges();
                }
                return;
            }
            boolean expired = result.completeExceptionally(new Unavailable(request.describe() + ": the deadline of "
                    + deadline.toMillis() + " ms passed after " + Math.max(1, attempts) + " attempt(s)"
                    + (f == null ? "" : "; last: " + f.message)
                    + (outcome.unknown() ? "; an attempt may have been applied: its outcome is unknown" : ""),
                    f == null ? null : f.region, f == null ? 0 : f.status, Math.max(1, attempts), outcome, f == null ? null : f.cause));
            if (expired) {
                abandonExchanges(); // after the verdict: the JDK client aborts them, no connection waits for a body
            }
        }

        /** Cancels the attempts still in flight (the call has its answer). */
        void abandonExchanges() {
            for (CompletableFuture<?> sent : exchanges) {
                sent.cancel(true);
            }
        }
    }

    private <T> void attempt(Call<T> c, int attempt, int regionIndex) {
        try {
            sendAttempt(c, attempt, regionIndex);
        } catch (RuntimeException e) { // e.g. a request the JDK client refuses to build: the call ends now, not at its deadline
            c.result.completeExceptionally(e);
        }
    }

    private <T> void sendAttempt(Call<T> c, int attempt, int regionIndex) {
        sendAttempt(c, attempt, regionIndex, false);
    }

    /**
     * A read's hedge: when its first attempt has not answered after {@code hedgeAfter}, the same read goes to the next
     * region too, if the retry budget allows; the first answer wins and the other attempt is cancelled.
     */
    private <T> void hedge(Call<T> c) {
        // only while the first attempt is still the one running: claimed atomically against its end, so a first attempt
        // that just failed either retries (and no hedge goes) or leaves the next step to the hedge, never both
        int running;
        do {
            running = c.outstanding.get();
            if (running != 1 || c.attempts != 1 || c.result.isDone()) {
                return;
            }
        } while (!c.outstanding.compareAndSet(running, running + 1));
        if (!c.budget.tryRetry()) {
            // not sent. If the first attempt failed meanwhile, it left the next step to this hedge: take it
            Failure f = c.last;
            if (c.outstanding.decrementAndGet() == 0 && !c.result.isDone() && f != null) {
                retry(c, c.attempts, c.regionIndex, f);
            }
            return;
        }
        try {
            sendAttempt(c, 2, c.regionIndex + 1, true);
        } catch (RuntimeException e) {
            c.result.completeExceptionally(e);
        }
    }

    private <T> void sendAttempt(Call<T> c, int attempt, int regionIndex, boolean hedge) {
        long left = c.deadlineNanos - System.nanoTime();
        if (c.result.isDone() || left <= 0) {
            c.expire();
            return;
        }
        RegionId region = c.order.get(regionIndex % c.order.size());
        boolean lastBeforeDeadline = left < requestTimeout.toNanos(); // this attempt's timeout is the call's deadline
        Duration timeout = lastBeforeDeadline ? Duration.ofNanos(left) : requestTimeout;
        HttpRequest.Builder req = HttpRequest.newBuilder(at(endpoints.get(region), c.request.path())).timeout(timeout)
                .header("Accept", "application/json").header(CallDeadline.HEADER, CallDeadline.header(timeout))
                .header(Traceparent.HEADER, c.trace.child().toString());
        if (c.request.token() != null) {
            req.header(TOKEN_HEADER, c.request.token().toString());
        }
        // a read, or a conditional write (decided against a state at least as new as the session's), carries the session
        boolean sentSession = false;
        if (c.session != null && (c.request.isRead() || CONDITIONAL.equals(c.request.operation()))) {
            SessionToken seen = c.session.current();
            if (!seen.isEmpty()) {
                req.header(SessionToken.HEADER, seen.toString());
                sentSession = true;
            }
        }
        boolean mustBeSatisfied = sentSession && c.request.isRead();
        if (c.authorization != null) {
            req.header("Authorization", c.authorization);
        }
        if (c.payload != null) {
            req.header("Content-Type", "application/json").method(c.request.method(), HttpRequest.BodyPublishers.ofByteArray(c.payload));
        } else {
            req.method(c.request.method(), HttpRequest.BodyPublishers.noBody());
        }
        c.attempts = attempt;
        c.region = region;
        c.regionIndex = regionIndex;
        c.inFlight = true;
        if (!hedge) {
            c.outstanding.incrementAndGet(); // a hedge was counted when it was claimed
        }
        long sent = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        c.exchanges.add(exchange);
        if (c.hedgeAfter != null && attempt == 1 && c.order.size() > 1 && c.hedgeAfter.toNanos() < left) {
            DEADLINES.schedule(() -> CALLBACKS.execute(() -> hedge(c)), c.hedgeAfter.toNanos(), TimeUnit.NANOSECONDS);
        }
        exchange.whenComplete((resp, error) -> {
            c.exchanges.remove(exchange);
            if (resp != null && c.session != null) {
                observe(c.session, resp); // before the call completes: the caller's next call carries it
            }
            boolean last = c.outstanding.decrementAndGet() == 0; // no other attempt of this call is still running
            attemptEnded(c, region, attempt, hedge, resp, error, sent);
            // a server that ignores sessions (older than them) answers without saying it honoured this one: its answer
            // may be older than the session, so it is that region's failure, never the call's answer
            boolean ignored = mustBeSatisfied && error == null && (resp.statusCode() / 100 == 2 || resp.statusCode() == 404)
                    && resp.headers().firstValue(SessionToken.SATISFIED_HEADER).isEmpty()
                    && !(resp.statusCode() == 404 && ErrorResponse.NAMESPACE_NOT_FOUND.equals(errorOf(resp).reason()));
            if (error == null && resp.statusCode() / 100 == 2 && !ignored) {
                c.region = region; // the attempt that answered
                try {
                    c.result.complete(c.parse.apply(resp.body()));
                } catch (RuntimeException e) {
                    c.result.completeExceptionally(e);
                }
                c.inFlight = false;
                c.abandonExchanges(); // a hedge that lost
                return;
            }
            Failure failure = error != null ? new Failure(region, 0, describe(error), false, 0, error, false)
                    : ignored ? new Failure(region, resp.statusCode(), region + " does not honour sessions (a server older than"
                            + " them?): its answer could be older than the session", false, 0, null, false, true)
                    : answered(c, resp, region, regionIndex, attempt, !last);
            if (failure != null) {
                // recorded before inFlight is cleared (see Call.outcome); a durable answer is known, not unknown
                c.unknown |= c.isWrite() && !failure.durable && !failure.notWritten && !(error != null && neverSent(error));
                c.durable |= failure.durable;
                if (failure.sessionNotSatisfied()) {
                    c.sessionRefused = failure; // the last region that could not serve the session, for the exception
                }
                c.last = failure;
            }
            c.inFlight = false;
            if (failure == null || c.result.isDone()) {
                c.abandonExchanges(); // a verdict ended the call: a hedge still running is not needed
                return; // answered (a verdict that ended the call), or past the deadline
            }
            if (!last) {
                return; // the other attempt of a hedged read is still running: it answers, or it retries
            }
            if (lastBeforeDeadline && unwrap(error) instanceof java.net.http.HttpTimeoutException) {
                c.expire(); // its timeout was the call's deadline: the call failed by its deadline, whichever fired first
                return;
            }
            retry(c, c.attempts, c.regionIndex, failure);
        });
    }

    /** Tells the listeners of an attempt's end; logs one that failed. */
    private void attemptEnded(Call<?> c, RegionId region, int attempt, boolean hedge, HttpResponse<byte[]> resp, Throwable error,
            long sentNanos) {
        int status = resp == null ? 0 : resp.statusCode();
        if (hedgeDelay != null && c.request.isRead() && (status / 100 == 2 || status == 404 || (!hedge && error != null
                && c.result.isDone() && unwrap(error) instanceof java.util.concurrent.CancellationException))) {
            // an attempt cancelled because another answered (a hedge won) took at least this long: without it the slow
            // tail would vanish from the windows and the delay would shrink until every read is hedged
            hedgeDelay.record(System.nanoTime() - sentNanos);
        }
        if (status / 100 != 2 && LOG.isDebugEnabled()) {
            LOG.debug("{} attempt {} to {} (trace {}): {}", c.request.describe(), attempt, region, c.trace.traceId(),
                    error != null ? describe(error) : "status " + status);
        }
        if (!listeners.isEmpty()) {
            MeridianListener.Attempt a = new MeridianListener.Attempt(c.request.operation(), region, attempt,
                    !region.equals(c.order.get(0)), hedge, status, Duration.ofNanos(System.nanoTime() - sentNanos), error,
                    c.trace.traceId());
            notify(l -> l.attemptEnded(a));
        }
    }

    private static MeridianListener.Outcome outcomeOf(Throwable error) {
        Throwable e = unwrap(error);
        if (e == null) {
            return MeridianListener.Outcome.OK;
        }
        if (e instanceof Unavailable u) {
            return u.deadlineExceeded() ? MeridianListener.Outcome.DEADLINE_EXCEEDED : MeridianListener.Outcome.UNAVAILABLE;
        }
        if (e instanceof MeridianClientException.NotFound) {
            return MeridianListener.Outcome.NOT_FOUND;
        }
        if (e instanceof MeridianClientException.ConditionFailed) {
            return MeridianListener.Outcome.CONDITION_FAILED;
        }
        if (e instanceof MeridianClientException.SessionNotSatisfied) {
            return MeridianListener.Outcome.SESSION_NOT_SATISFIED;
        }
        return e instanceof MeridianClientException.InvalidRequest ? MeridianListener.Outcome.INVALID : MeridianListener.Outcome.ERROR;
    }

    /**
     * A server's answer other than 2xx: completes the call when it is a verdict (a 4xx other than 408/429) and returns
     * null; returns the failure when it is worth another attempt.
     */
    private <T> Failure answered(Call<T> c, HttpResponse<byte[]> resp, RegionId region, int regionIndex, int attempt,
            boolean othersRunning) {
        ErrorResponse err = errorOf(resp);
        int status = resp.statusCode();
        String message = region + " answered " + status + ": " + err.message();
        boolean namespaceMissing = status == 404 && ErrorResponse.NAMESPACE_NOT_FOUND.equals(err.reason());
        // a namespace missing in a fall-back region (created elsewhere, not there yet) is that region's failure
        boolean fallBack = regionIndex % c.order.size() != 0;
        // a hedge's not-found while the first attempt still runs is that region's (it may lag), not the call's verdict
        boolean hedgeNotFound = status == 404 && fallBack && othersRunning;
        if (status / 100 != 4 || status == 408 || status == 429 || (namespaceMissing && fallBack) || hedgeNotFound) {
            int retryAfter = resp.headers().firstValue("Retry-After").map(MeridianClient::parseIntOrZero).orElse(0);
            boolean session = status == 503 && ErrorResponse.SESSION_NOT_SATISFIED.equals(err.reason());
            // refused before any work (overloaded, a skewed clock, a session this region cannot serve yet): a verdict
            boolean notWritten = ErrorResponse.NOT_WRITTEN.equals(err.reason()) || session;
            return new Failure(region, status, message, Boolean.TRUE.equals(err.durable()), retryAfter, null, notWritten, session);
        }
        if (c.unknown || c.durable) {
            // an earlier attempt of this write failed without a verdict (it may have been applied), or is in a log
            Failure last = c.last;
            c.result.completeExceptionally(new Unavailable(c.request.describe() + ": " + message + "; an earlier attempt ("
                    + last.message + (c.durable ? ") is in a region's mutation log: it will be applied"
                            : ") may have been applied: its outcome is unknown"), region, status, attempt, c.outcome(false),
                    last.cause));
        } else {
            if (status == 404 && err.reason() == null && CONDITIONAL.equals(c.request.operation())) {
                // no such endpoint: a server that predates conditional writes (it wrote nothing)
                c.result.completeExceptionally(new MeridianClientException.InvalidRequest(region + " takes no conditional writes"
                        + " (a server older than them?): nothing was written; " + message, region, status, attempt, null));
                return null;
            }
            MeridianClientException.ConditionFailed failed = status == 409 && ErrorResponse.CONDITION_FAILED.equals(err.reason())
                    ? new MeridianClientException.ConditionFailed(message, region, attempt, versions(err)) : null;
            if (failed != null) {
                // the next token is after the versions it was refused against: a client whose clock is behind the writer's
                // would otherwise be refused (token not after the current version) until its clock caught up
                failed.current().values().forEach(tokens::observe);
            }
            c.result.completeExceptionally(status == 404 ? new MeridianClientException.NotFound(message, region, attempt,
                    namespaceMissing) : failed != null ? failed
                    : new MeridianClientException.InvalidRequest(message, region, status, attempt, err.reason()));
        }
        return null;
    }

    /** After a failed attempt: the next one after a backoff, unless attempts, budget or deadline are spent. */
    private <T> void retry(Call<T> c, int attempt, int regionIndex, Failure failure) {
        boolean spent = attempt < maxAttempts && !c.budget.tryRetry();
        Failure refused = c.sessionRefused;
        if ((attempt >= maxAttempts || spent) && refused != null && !c.isWrite()) {
            c.result.completeExceptionally(new MeridianClientException.SessionNotSatisfied(c.request.describe()
                    + ": no region tried could serve the session, after " + attempt + " attempt(s)"
                    + (spent ? " (retry budget spent)" : "") + ": " + refused.message + (failure != refused ? "; last: "
                    + failure.message : ""), refused.region, attempt, false));
            return;
        }
        if (attempt >= maxAttempts || spent) {
            c.result.completeExceptionally(new Unavailable(c.request.describe() + " failed after " + attempt + " attempt(s)"
                    + (spent ? " (retry budget spent: not retried)" : "") + "; last: " + failure.message
                    + (c.outcome(false).unknown() ? "; an attempt may have been applied: its outcome is unknown" : ""),
                    failure.region, failure.status, attempt, c.outcome(false), failure.cause));
            return;
        }
        // a write durable in one region's log stays with that region: its applier will land it there first
        int next = failure.durable || c.request.sameRegion() ? regionIndex : regionIndex + 1;
        long delayMs = Math.min(maxBackoff.toMillis(), backoff.toMillis() << Math.min(attempt - 1, 10));
        delayMs = Math.max(delayMs, Math.min(2_000, failure.retryAfterSeconds * 1_000L));
        delayMs += ThreadLocalRandom.current().nextLong(Math.max(1, delayMs / 4 + 1));
        if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs) >= c.deadlineNanos) {
            c.expire(); // the next attempt could not start before the deadline: say so now, not at the deadline
            return;
        }
        CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS).execute(() -> attempt(c, attempt + 1, next));
    }

    /**
     * {@code path} (absolute, with its query) under {@code base}, keeping the base's own path: behind a gateway at
     * {@code https://gw/meridian} a record is {@code https://gw/meridian/v1/...}, where {@code resolve} would drop
     * {@code /meridian}.
     */
    static URI at(URI base, String path) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    private record Failure(RegionId region, int status, String message, boolean durable, int retryAfterSeconds,
            Throwable cause, boolean notWritten, boolean sessionNotSatisfied) {

        Failure(RegionId region, int status, String message, boolean durable, int retryAfterSeconds, Throwable cause,
                boolean notWritten) {
            this(region, status, message, durable, retryAfterSeconds, cause, notWritten, false);
        }

    }

    /** Whether a failed attempt surely never reached a server (no connection): its write was not applied. */
    private static boolean neverSent(Throwable t) {
        Throwable c = unwrap(t);
        return c instanceof java.net.ConnectException || c instanceof java.net.http.HttpConnectTimeoutException;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static String describe(Throwable t) {
        Throwable c = unwrap(t);
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static int parseIntOrZero(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Adds what an answer's {@code Meridian-Session} says to the session (an unreadable one is ignored: it only adds). */
    private static void observe(Session session, HttpResponse<byte[]> resp) {
        String header = resp.headers().firstValue(SessionToken.HEADER).orElse(null);
        if (header != null) {
            try {
                session.observe(SessionToken.parse(header));
            } catch (IllegalArgumentException e) {
                LOG.debug("ignoring an unreadable {} header: {}", SessionToken.HEADER, e.getMessage());
            }
        }
    }

    private ErrorResponse errorOf(HttpResponse<byte[]> resp) {
        try {
            ErrorResponse e = json.readValue(resp.body(), ErrorResponse.class);
            if (e.message() != null) {
                return e;
            }
        } catch (IOException | RuntimeException ignored) {
            // not our JSON (a proxy, Jetty's own error page)
        }
        String text = new String(resp.body(), StandardCharsets.UTF_8);
        return new ErrorResponse(resp.statusCode(), text.length() > 200 ? text.substring(0, 200) : text, null, null);
    }

    /** A failed condition's current versions: key → timestamp, 0 for an item that does not exist. */
    private static Map<Bytes, Long> versions(ErrorResponse err) {
        Map<Bytes, Long> out = new LinkedHashMap<>();
        if (err.current() != null) {
            for (ItemJson i : err.current()) {
                out.put(Bytes.fromBase64(i.key()), i.timestamp() == null ? 0L : i.timestamp());
            }
        }
        return out;
    }

    private <T> T read(byte[] body, Class<T> type) {
        try {
            return json.readValue(body, type);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable answer: " + e.getMessage(), e);
        }
    }

    private static Record toRecord(RecordResponse r) {
        List<Item> items = new ArrayList<>(r.items().size());
        for (ItemJson i : r.items()) {
            items.add(new Item(Bytes.fromBase64(i.key()), Bytes.fromBase64(i.value()), i.timestamp() == null ? 0 : i.timestamp(),
                    i.ttlSeconds() == null ? 0 : i.ttlSeconds()));
        }
        return new Record(r.namespace(), r.id(), items);
    }

    private static NamespaceSettings toSettings(NamespaceJson n) {
        return new NamespaceSettings(n.name(), n.defaultTtlSeconds() == null ? 0 : n.defaultTtlSeconds(),
                n.cacheEnabled() == null || n.cacheEnabled(), n.cacheTtlSeconds() == null ? 0 : n.cacheTtlSeconds());
    }

    private static String recordPath(String namespace, String id) {
        return "/v1/namespaces/" + enc(Limits.checkNamespace(namespace)) + "/records/" + enc(Limits.checkId(id));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Bad arguments and a closed client as a failed stage, never thrown by an {@code …Async} method. */
    private static <T> CompletionStage<T> guarded(java.util.function.Supplier<CompletionStage<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** 60 s, or what {@code maxAttempts} attempts with their backoffs (Retry-After up to 2 s each) can take. */
    static Duration defaultCallTimeout(Builder b) {
        Duration attempts = b.requestTimeout.multipliedBy(b.maxAttempts)
                .plus(b.maxBackoff.plusSeconds(2).multipliedBy(b.maxAttempts - 1L));
        return attempts.compareTo(Duration.ofSeconds(60)) > 0 ? attempts : Duration.ofSeconds(60);
    }

    /** Releases the connection pool. */
    @Override
    public void close() {
        closed = true;
        if (planPoller != null) {
            planPoller.cancel(false);
        }
        // java.net.http.HttpClient gained close() only in Java 21; on 17 its threads end with the last reference
        if (http instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // closing releases connections; nothing to report
            }
        }
    }

    /** Builder of {@link MeridianClient}; each setter checks its argument. Not thread-safe. */
    public static final class Builder {
        private RegionId home;
        private final Map<RegionId, URI> endpoints = new LinkedHashMap<>();
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration callTimeout; // null: the default, never shorter than the attempts can take
        private Duration hedgeReadsAfter;
        private double hedgePercentile; // 0: none
        private HedgeDelay hedgeDelay; // tests: one with a short window
        private Session session;
        private int maxAttempts = 4;
        private int maxInFlight = 128;
        private RetryBudget retryBudget = RetryBudget.defaults();
        private Duration backoff = Duration.ofMillis(50);
        private Duration maxBackoff = Duration.ofSeconds(1);
        private final List<RegionId> preferred = new ArrayList<>();
        private Duration planInterval = Duration.ofSeconds(1);
        private Clock clock = Clock.systemUTC();
        private String authorization;
        private String operatorAuthorization;
        private final List<MeridianListener> listeners = new ArrayList<>();

        private Builder() { }

        /**
         * Adds a listener of attempts, calls and routing-plan changes (for instance {@link MicrometerMetrics}); may be
         * called more than once.
         */
        public Builder listener(MeridianListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** The region this service runs in; calls go there first. Required. */
        public Builder homeRegion(RegionId region) {
            this.home = Objects.requireNonNull(region, "region");
            return this;
        }

        public Builder homeRegion(String region) {
            return homeRegion(RegionId.of(region));
        }

        /** The base URL of a server of {@code region} (e.g. {@code http://127.0.0.1:19080}). At least the home region. */
        public Builder endpoint(RegionId region, URI baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
                throw new IllegalArgumentException("endpoint of " + region + " must be an http(s) URL: " + baseUrl);
            }
            endpoints.put(Objects.requireNonNull(region, "region"), baseUrl);
            return this;
        }

        public Builder endpoint(String region, String baseUrl) {
            return endpoint(RegionId.of(region), URI.create(baseUrl));
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** Deadline of one attempt (never past the call's). Default 10 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * The deadline of a whole call, every attempt and backoff included, unless the call brings its own
         * ({@link CallOptions#withDeadline}). Past it the call fails with {@link MeridianClientException.Unavailable}
         * ({@code deadlineExceeded()}), also while a response is still arriving. Default: 60 s, or longer when the attempts
         * can take longer (maxAttempts × requestTimeout plus the backoffs), so the default cuts only what no attempt
         * timeout would (a body that stalls).
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = positive(timeout, "callTimeout");
            return this;
        }

        /**
         * Hedges every read: when its first attempt has not answered after {@code delay}, the read is sent to the next
         * region too, if the retry budget allows (so hedges never multiply an overload), and the first answer wins.
         * Pick a delay near the reads' p95 (from {@code meridian.client.attempts}): about 5 % of reads are then sent
         * twice. Default: no hedging; per call: {@link CallOptions#withHedgeAfter}.
         */
        public Builder hedgeReadsAfter(Duration delay) {
            this.hedgeReadsAfter = positive(delay, "hedgeReadsAfter");
            return this;
        }

        /**
         * Hedges every read after the {@code percentile} (e.g. 95) of this client's read latencies over the last 10 s
         * (answered read attempts, at least 100 of them; until a window has them, and for a delay below 1 ms, no hedge):
         * about {@code 100 - percentile} % of reads are sent twice, within the retry budget, and the delay follows the
         * servers' speed instead of a guess. A fixed {@link #hedgeReadsAfter} delay wins over it. Default: none.
         *
         * @throws IllegalArgumentException unless {@code 50 <= percentile < 100}
         */
        public Builder hedgeReadsAtPercentile(double percentile) {
            new HedgeDelay(percentile); // checks it
            this.hedgePercentile = percentile;
            return this;
        }

        /** Adaptive hedging with this delay (tests: a short window). */
        Builder hedgeDelay(HedgeDelay delay) {
            this.hedgeDelay = delay;
            return this;
        }

        /**
         * Makes every data call of this client part of {@code session} (unless it names its own with
         * {@link CallOptions#withSession}): reads see this client's writes from any instance of any region. Default: none.
         */
        public Builder session(Session session) {
            this.session = Objects.requireNonNull(session, "session");
            return this;
        }

        /** Attempts per call, across regions, at least 1. Default 4. */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1: " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Calls in flight at once, at least 1 (default 128, twice a server's own bound of writes in flight). Past it a
         * call fails at once with {@link MeridianClientException.Unavailable}, nothing sent (its outcome is known:
         * not applied), instead of adding to a queue the servers cannot drain.
         */
        public Builder maxInFlight(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1: " + calls);
            }
            this.maxInFlight = calls;
            return this;
        }

        /**
         * The budget retries draw from (default: a tenth of the requests, ten at once): past it a failed call is not
         * retried, so one client never multiplies an overload.
         */
        public Builder retryBudget(RetryBudget budget) {
            this.retryBudget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * The order of the fall-back regions after the home region (default: by name); regions not named follow
         * by name. When the routing plan is followed, record requests go where the plan says first, then this order.
         */
        public Builder preferredRegions(RegionId... regions) {
            preferred.clear();
            for (RegionId r : regions) {
                preferred.add(Objects.requireNonNull(r, "region"));
            }
            return this;
        }

        /** First retry delay (doubles per attempt up to {@link #maxBackoff}). Default 50 ms. */
        public Builder backoff(Duration backoff) {
            this.backoff = positive(backoff, "backoff");
            return this;
        }

        /** The longest delay between retries (a server's {@code Retry-After} may ask for up to 2 s more). Default 1 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = positive(maxBackoff, "maxBackoff");
            return this;
        }

        /**
         * The credentials of data calls and of following the routing plan (HTTP Basic): a principal with read
         * (and, to write, write) access to the namespaces used.
         */
        public Builder credentials(String user, String secret) {
            this.authorization = basic("credentials", user, secret);
            return this;
        }

        /**
         * Operator credentials (HTTP Basic), sent only for namespace administration
         * ({@link MeridianClient#createNamespace}); without {@link #credentials}, they are used for data calls too.
         */
        public Builder operator(String user, String password) {
            this.operatorAuthorization = basic("operator", user, password);
            return this;
        }

        private static String basic(String what, String user, String secret) {
            if (user == null || user.isEmpty() || user.contains(":") || secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException(what + ": user (without ':') and secret must not be empty");
            }
            return new io.meridian.core.BasicCredentials(user, secret).header();
        }

        /** Clock for idempotency tokens (tests inject one). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }

        /**
         * How often to fetch the routing plan (default 1 s); {@link Duration#ZERO}: do not follow it, always
         * try the home region first. Requests for a record go to the region the plan picks for it (sticky
         * by record), then to the others in the plan's order.
         */
        public Builder followRoutingPlan(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("plan interval must not be negative");
            }
            this.planInterval = interval;
            return this;
        }

        public MeridianClient build() {
            if (io.meridian.core.AsyncPool.threadPerTask() && WARNED_THREAD_PER_TASK.compareAndSet(false, true)) {
                LOG.warn("CompletableFuture's default executor starts a thread per task in this JVM (a common fork-join pool"
                        + " of parallelism 1: fewer than 3 processors), so the JDK's HttpClient starts a thread for every answer:"
                        + " start the JVM with -D{}=2 (docs/client.md)",
                        io.meridian.core.AsyncPool.PARALLELISM);
            }
            if (home == null) {
                throw new IllegalStateException("homeRegion is required");
            }
            if (!endpoints.containsKey(home)) {
                throw new IllegalStateException("no endpoint for the home region " + home);
            }
            if (backoff.compareTo(maxBackoff) > 0) {
                throw new IllegalStateException("backoff " + backoff + " is longer than maxBackoff " + maxBackoff
                        + ": raise maxBackoff too");
            }
            return new MeridianClient(this);
        }
    }

    /** For logs. */
    @Override
    public String toString() {
        return "MeridianClient{home=" + home + ", regions=" + order + "}";
    }

}
