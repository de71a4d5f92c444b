package io.meridian.server.internal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.meridian.core.Bytes;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.core.wire.WriteResponse;
import io.meridian.server.ApiException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log-first write path of one region (design brief, section 3):
 * <ol>
 *   <li>timestamp: the client's idempotency token (refused when too far ahead of this server's clock)
 *       or, without one, the hybrid logical clock;</li>
 *   <li>append the mutation to the region's Kafka topic (acks=all, idempotent producer): if this fails,
 *       nothing was applied and the answer is 503;</li>
 *   <li>apply it to the local Cassandra at LOCAL_QUORUM with the mutation's timestamp;</li>
 *   <li>acknowledge with the timestamp.</li>
 * </ol>
 * If step 3 fails the write is still durable in the log (the region's own applier lands it): the
 * answer is 503 with {@code durable: true}, and a retry with the same token is harmless.
 * In-flight appends are bounded; past the bound the answer is 503 with Retry-After, memory does not
 * grow. Thread-safe.
 */
public final class WritePath {

    private static final Logger LOG = LoggerFactory.getLogger(WritePath.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RegionId region;
    private final HybridLogicalClock clock;
    private final MutationSink.Log log;
    private final MutationSink.Store store;
    private final Semaphore inFlight;
    private final int maxInFlight;
    private final long maxTokenAheadMicros;
    private final Duration appendTimeout;
    private final Duration applyTimeout;
    private final Timer appendTimer;
    private final Timer applyTimer;
    private final Counter appendFailures;
    private final Counter applyFailures;
    private final Counter overloaded;

    public WritePath(RegionId region, HybridLogicalClock clock, MutationSink.Log log, MutationSink.Store store, int maxInFlightAppends,
            Duration maxTokenAhead, Duration appendTimeout, Duration applyTimeout, MetricRegistry metrics) {
        this.region = region;
        this.clock = clock;
        this.log = log;
        this.store = store;
        this.inFlight = new Semaphore(maxInFlightAppends);
        this.maxTokenAheadMicros = maxTokenAhead.toNanos() / 1000;
        this.appendTimeout = appendTimeout;
        this.applyTimeout = applyTimeout;
        this.appendTimer = metrics.timer("meridian.writes.append");
        this.applyTimer = metrics.timer("meridian.writes.apply");
        this.appendFailures = metrics.counter("meridian.writes.append-failures");
        this.applyFailures = metrics.counter("meridian.writes.apply-failures");
        this.overloaded = metrics.counter("meridian.writes.overloaded");
        this.maxInFlight = maxInFlightAppends;
        metrics.gauge("meridian.writes.in-flight", () -> () -> maxInFlight - inFlight.availablePermits());
    }

    /**
     * Writes {@code operations} to record {@code id} of {@code ns}.
     *
     * @param token the client's idempotency token, or null to have one made here
     * @throws ApiException 400 (bad input), 503 (log unavailable, overloaded, or durable but not applied)
     */
    public WriteResponse write(NamespaceConfig ns, String id, List<Operation> operations, IdempotencyToken token) {
        checkNoConflicts(operations);
        long ts;
        IdempotencyToken effective;
        if (token != null) {
            long ahead = token.generationMicros() - clock.wallMicros();
            if (ahead > maxTokenAheadMicros) {
                throw ApiException.badRequest("idempotency token is " + ahead / 1000 + " ms ahead of this server's clock"
                        + " (at most " + maxTokenAheadMicros / 1000 + " ms allowed): a fast client clock must not win every conflict");
            }
            ts = HybridLogicalClock.timestampOf(token);
            clock.observe(ts);
            effective = token;
        } else {
            ts = clock.now();
            effective = new IdempotencyToken(ts, RANDOM.nextLong() & ~(HybridLogicalClock.SLOTS - 1L) | HybridLogicalClock.slotOf(ts));
        }
        List<Operation> resolved = operations.stream().map(op -> withDefaultTtl(op, ns)).toList();
        checkExpirations(resolved, ts, ns);
        Mutation m = new Mutation(ns.name(), id, resolved, ts, region, effective.nonce(), Mutation.CURRENT_SCHEMA_VERSION);

        if (!inFlight.tryAcquire()) {
            overloaded.inc();
            throw new ApiException(503, "region " + region + " is overloaded (" + maxInFlight
                    + " appends in flight); retry later", false, 1, null);
        }
        try (Timer.Context ignored = appendTimer.time()) {
            log.append(m).get(appendTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            appendFailures.inc();
            throw ApiException.unavailable("the mutation log of region " + region + " did not accept the write ("
                    + rootMessage(e) + "); nothing was applied, retry with the same token", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while appending", e);
        } finally {
            inFlight.release();
        }
        try (Timer.Context ignored = applyTimer.time()) {
            store.apply(m, ns).toCompletableFuture().get(applyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            applyFailures.inc();
            if (CassandraStore.isPermanent(e)) {
                LOG.warn("write {}/{} at {} cannot be applied in {}: {}", ns.name(), id, ts, region, rootMessage(e));
                throw new ApiException(400, "the write cannot be applied (" + rootMessage(e) + "); it is not acknowledged:"
                        + " every region will dead-letter it instead of applying it", false, 0, e);
            }
            LOG.warn("write {}/{} at {} is in the log but not applied in {}: {}", ns.name(), id, ts, region, rootMessage(e));
            throw new ApiException(503, "the write is durable in region " + region + "'s mutation log but not yet applied"
                    + " to its Cassandra (" + rootMessage(e) + "); it will be applied; retrying with the same token is safe",
                    true, 1, e);
        } catch (TimeoutException e) {
            applyFailures.inc();
            LOG.warn("write {}/{} at {} is in the log but not applied in {}: {}", ns.name(), id, ts, region, rootMessage(e));
            throw new ApiException(503, "the write is durable in region " + region + "'s mutation log but not yet applied"
                    + " to its Cassandra (" + rootMessage(e) + "); it will be applied; retrying with the same token is safe",
                    true, 1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted after the append; the write is durable", true, 1, e);
        }
        return new WriteResponse(ts, effective.toString(), region.name());
    }

    private static Operation withDefaultTtl(Operation op, NamespaceConfig ns) {
        if (op instanceof Operation.Put p && p.ttlSeconds() == 0 && ns.defaultTtlSeconds() > 0) {
            return new Operation.Put(p.key(), p.value(), ns.defaultTtlSeconds());
        }
        return op;
    }

    /** Every put must expire by the latest date Cassandra stores: otherwise no region could apply the write. */
    private static void checkExpirations(List<Operation> ops, long ts, NamespaceConfig ns) {
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Operation.Put p && p.ttlSeconds() > 0) {
                try {
                    Limits.checkExpiration("the TTL of item " + i + (p.ttlSeconds() == ns.defaultTtlSeconds()
                            ? " (or namespace " + ns.name() + "'s defaultTtlSeconds)" : ""), ts, p.ttlSeconds());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest(e.getMessage());
                }
            }
        }
    }

    /** Two operations on one key in one mutation have no defined order: refuse them. */
    private static void checkNoConflicts(List<Operation> operations) {
        if (operations.isEmpty()) {
            throw ApiException.badRequest("a write needs at least one item or delete");
        }
        Set<Bytes> keys = new HashSet<>();
        for (Operation op : operations) {
            Bytes key = op instanceof Operation.Put p ? p.key() : op instanceof Operation.DeleteItem d ? d.key() : null;
            if (key != null && !keys.add(key)) {
                throw ApiException.badRequest("item key " + key.toBase64() + " appears more than once in one write");
            }
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
