package io.meridian.server.data.internal;

import io.meridian.core.Bytes;
import io.meridian.core.HybridLogicalClock;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.core.Traceparent;
import io.meridian.core.wire.WriteResponse;
import io.meridian.server.ApiException;
import io.meridian.server.data.internal.WritePath.Written;
import io.meridian.store.NamespaceConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Conditional writes of a region (docs/consistency.md, "Conditional writes"): one decider per record at a time through
 * the region-local lock of its {@link MutationSink.Guard}, the condition checked against the versions read under it,
 * and the write made through the {@link WritePath} (its one call into it: {@link Writer}) under a timestamp after
 * every version it checked. Thread-safe.
 */
final class ConditionalWrites {

    private static final Logger LOG = LoggerFactory.getLogger(ConditionalWrites.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A holder that has not started its append this long after taking the lock gives up (503 not-written). */
    static final Duration LOCK_FENCE = Duration.ofSeconds(20);
    /** How long a conditional write waits for another one of the same record to finish. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(5);

    /** The write path's own write, under {@code effective}'s timestamp. */
    @FunctionalInterface
    interface Writer {
        Written write(IdempotencyToken effective, NamespaceConfig ns, String id, List<Operation> operations, Traceparent trace,
                long until);
    }

    private final MutationSink.Guard guard;
    private final RegionId region;
    private final HybridLogicalClock clock;
    /**
     * How long a conditional write's record lock lasts: past the longest a live holder may take from its check to the end
     * of its apply (it starts its append within {@link #LOCK_FENCE} of taking the lock, waits for the append at most the
     * append timeout + 1 s, for the apply at most the apply timeout), plus 10 s. A holder that crashed, or whose write
     * ended "durable, not applied", leaves the record to the next conditional write after this long.
     */
    private final Duration lockTtl;
    /** How long after its token's time a retry of a write may come (the token age limit and how far ahead it may be). */
    private final Duration retryWindow;

    ConditionalWrites(MutationSink.Guard guard, RegionId region, HybridLogicalClock clock, Duration appendTimeout,
            Duration applyTimeout, Duration retryWindow) {
        this.guard = guard;
        this.retryWindow = retryWindow;
        this.region = region;
        this.clock = clock;
        this.lockTtl = LOCK_FENCE.plus(appendTimeout).plusSeconds(1).plus(applyTimeout).plusSeconds(10);
    }

    /**
     * A conditional write, decided in this region: the record's lock (one decider at a time, every instance of the
     * region), then the current versions, the condition, and the write under a timestamp after every version it
     * checked, all before the lock is given back. A retry of a write that landed (one of its items carries its
     * timestamp, and its token was noted decided under the lock) answers as the write did. A failure once the append may have started leaves the lock to end by
     * itself ({@link #lockTtl}), so that nobody decides against a state the write may still change.
     */
    Written write(WritePath.Call call, NamespaceConfig ns, String id, List<Operation> operations, IdempotencyToken checked,
            long until, java.util.function.Supplier<IdempotencyToken> newToken, Writer writer) {
        io.meridian.core.Condition condition = call.condition();
        // one owner per attempt, never shared by two attempts of one write (a client's retry carries the same token): a
        // stalled attempt whose lock ran out must not give back the lock its retry holds now
        String owner = (checked != null ? checked.toString() : "server") + "/" + Long.toHexString(RANDOM.nextLong());
        long lockedAt = lock(ns, id, owner, until);
        boolean release = true;
        try {
            java.util.Set<Bytes> keys = new java.util.LinkedHashSet<>(condition.items().keySet());
            operations.stream().filter(op -> op instanceof Operation.Put).forEach(op -> keys.add(((Operation.Put) op).key()));
            java.util.Map<Bytes, Long> current = keys.isEmpty() ? java.util.Map.of() : guard.versions(ns, id, keys);
            if (checked != null && landed(ns, id, operations, checked, current)) {
                return new Written(new WriteResponse(HybridLogicalClock.timestampOf(checked), checked.toString(), region.name()),
                        null); // a retry
            }
            boolean empty = !condition.recordAbsent() || guard.recordEmpty(ns, id); // only asked when the condition names it
            if (!condition.holds(current, empty)) {
                throw ApiException.conditionFailed("the condition does not hold in region " + region + (condition.recordAbsent()
                        && !empty ? ": the record has items" : ": an item is not at the expected version") + "; nothing was written",
                        currentVersions(condition, current));
            }
            long newest = current.values().stream().mapToLong(Long::longValue).max().orElse(0);
            clock.observe(newest); // a timestamp made here is after every version checked
            IdempotencyToken effective = checked != null ? checked : newToken.get();
            if (HybridLogicalClock.timestampOf(effective) <= newest) {
                throw ApiException.conditionFailed("the write's timestamp (its idempotency token's) is not after the current version"
                        + " of its items, so it would not win: nothing was written; write again with a new token",
                        current.entrySet().stream().map(e -> new io.meridian.core.wire.ItemJson(e.getKey().toBase64(), null,
                                e.getValue(), null)).toList());
            }
            if (checked != null) {
                guard.decide(ns, id, checked, retryWindow); // before the append: a retry after any landing finds it
            }
            if (System.nanoTime() - lockedAt > LOCK_FENCE.toNanos()) { // after every step before the append
                throw ApiException.refused("this server held the record's lock too long before writing (" + LOCK_FENCE.toSeconds()
                        + " s): nothing was written; retry", 1);
            }
            release = false; // from the append on, a failure may still land: the lock ends by itself
            Written written = writer.write(effective, ns, id, operations, call.trace(), until);
            release = true;
            return written;
        } catch (com.datastax.oss.driver.api.core.DriverException e) {
            if (!release) {
                throw e; // from the append on: the write path's own answer
            }
            throw storeDown(e);
        } finally {
            if (release) {
                try {
                    guard.unlock(ns, id, owner);
                } catch (RuntimeException e) {
                    LOG.warn("could not give back the lock of {}/{}: {}; it ends by itself in {} s", ns.name(), Limits.printable(id),
                            e.toString(), lockTtl.toSeconds());
                }
            }
        }
    }

    /**
     * Whether the write of {@code token} landed, so that this call is its retry: its token was noted as decided on the
     * record, and one of its puts is in the record, at its timestamp, with its value. The timestamp alone does not tell:
     * two tokens can stamp the same one (same 32 µs, same five low nonce bits), and a token noted decided may still have
     * failed to land while another write of that timestamp did. A write without puts is never taken for landed (409).
     */
    private boolean landed(NamespaceConfig ns, String id, List<Operation> operations, IdempotencyToken token,
            java.util.Map<Bytes, Long> current) {
        long ts = HybridLogicalClock.timestampOf(token);
        if (!current.containsValue(ts) || !guard.decided(ns, id, token)) {
            return false;
        }
        for (Operation op : operations) {
            if (op instanceof Operation.Put put && Long.valueOf(ts).equals(current.get(put.key()))
                    && guard.holds(ns, id, put.key(), put.value(), ts)) {
                return true;
            }
        }
        return false;
    }

    /** Takes the record's lock, waiting for another conditional write of it to finish; 503 not-written when it does not. */
    private long lock(NamespaceConfig ns, String id, String owner, long until) {
        long giveUp = Math.min(until, System.nanoTime() + LOCK_WAIT.toNanos());
        long pauseMs = 2;
        while (true) {
            try {
                if (guard.tryLock(ns, id, owner, lockTtl)) {
                    return System.nanoTime();
                }
            } catch (com.datastax.oss.driver.api.core.DriverException e) {
                throw storeDown(e); // a lock taken without an answer ends by itself (its TTL)
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMs) - giveUp > 0) {
                throw ApiException.refused("another conditional write of record '" + Limits.printable(id) + "' is being decided in"
                        + " region " + region + ": nothing was written; retry", 1);
            }
            try {
                Thread.sleep(pauseMs + java.util.concurrent.ThreadLocalRandom.current().nextLong(pauseMs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.refused("interrupted while waiting for the record's lock: nothing was written", 1);
            }
            pauseMs = Math.min(50, pauseMs * 2);
        }
    }

    /** The region's Cassandra failed a step before the append: nothing was written (503 not-written, retry). */
    private ApiException storeDown(RuntimeException e) {
        LOG.warn("conditional write refused before its append: {}", e.toString());
        return ApiException.refused("the region's store did not answer a step of the conditional write (" + e.getClass().getSimpleName()
                + "): nothing was written; retry", 1);
    }

    /** The versions of a condition's items now, for the answer ({@code timestamp} null: absent). */
    private static List<io.meridian.core.wire.ItemJson> currentVersions(io.meridian.core.Condition condition,
            java.util.Map<Bytes, Long> current) {
        return condition.items().keySet().stream()
                .map(k -> new io.meridian.core.wire.ItemJson(k.toBase64(), null, current.get(k), null)).toList();
    }
}
