package io.meridian.replicator.internal;

import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.core.RegionId;
import io.meridian.replicator.ApplyTarget;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one source region's mutation log to this region, on its own thread.
 *
 * <p>Design note. Each poll's records are applied concurrently (bounded by {@code maxInFlight}); once
 * all are durable in this region's store their offsets become committable, and are committed at most
 * every second (and synchronously on rebalance and stop): nothing is committed that is not applied, and
 * a crash re-reads (and harmlessly re-applies) at most the last two seconds (commits are due every second and the loop wakes at least once a second). Committing per batch cost one
 * offsets-log append per batch per region pair, which on a small machine was most of Kafka's CPU.
 * Concurrent apply is safe because every cell carries the mutation's own timestamp: Cassandra keeps the
 * highest whatever the arrival order, so per-record order does not need to be preserved by the applier.
 * If any apply of a batch fails (store down), nothing of the batch is committed, every partition is
 * sought back to the batch's first offset and the batch is retried after a back-off. A mutation that is
 * not applicable yet (unknown namespace, newer schema) pauses its partition at that offset; the
 * partition is resumed every {@value #PAUSE_RECHECK_MS} ms to try again. Malformed messages are
 * dead-lettered, then skipped.
 */
public final class SourceApplier implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(SourceApplier.class);
    private static final Logger TRACE = LoggerFactory.getLogger(io.meridian.core.Traceparent.LOGGER);
    static final long PAUSE_RECHECK_MS = 3_000;
    static final long LAG_CHECK_MS = 2_000;
    /** How often the lag check also asks whether the source log is still the log read (a commit always asks). */
    static final long LOG_ID_CHECK_MS = 10_000;
    /** How long the lag check's offsets request may take: it can wait behind a pending fetch (1 s) on the connection. */
    static final Duration LAG_TIMEOUT = Duration.ofSeconds(5);
    static final long COMMIT_INTERVAL_MS = 1_000;
    /** How often the "last caught up" time is recorded durably while caught up. */
    public static final long CAUGHT_UP_SAVE_MS = 30_000;
    private static final String UNREACHABLE = "source Kafka unreachable at ";
    /** A poll returns as soon as records arrive; when none do, the loop wakes this often (lag checks, due resumes, commits). */
    private static final Duration POLL = Duration.ofMillis(1_000);

    private final RegionId self;
    private final RegionId source;
    private final String bootstrap;
    private final String topic;
    private final ApplyTarget target;
    private final DeadLetters deadLetters;
    private final Replicator.Listener listener;
    private final int maxInFlight;
    private final Replicator.GapListener gaps;
    /** For the own log: records this process's write path applied already (skipped); null for other sources. */
    private final io.meridian.replicator.LocalApplies localApplies;
    private final AtomicLong skipped = new AtomicLong();
    /** Starts the applies of own records the write path did not apply (only the own log's applier uses it). */
    private final java.util.concurrent.ExecutorService deferred = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meridian-applier-deferred");
        t.setDaemon(true);
        return t;
    });
    private final Replicator.CaughtUpStore caughtUpStore;
    private final Replicator.PositionListener positions;
    /** Partition → the offset below which this applier has applied everything (and its invalidations are out). */
    private final Map<Integer, Long> appliedPositions = new ConcurrentHashMap<>();
    private long caughtUpSavedAt;
    private final Thread thread;
    private volatile boolean closed;
    private volatile KafkaConsumer<String, byte[]> consumer;

    private final Map<TopicPartition, Hold> holds = new ConcurrentHashMap<>();
    private final AtomicLong applied = new AtomicLong();
    private final org.HdrHistogram.Recorder delays = new org.HdrHistogram.Recorder(3);
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile long lastAppliedTs;
    private volatile long lagOffsets = -1;
    private volatile int assigned;
    private volatile int topicPartitions;
    private volatile String lastError = "";
    private long nextLagCheck;
    private long nextLogIdCheck;
    private long nextCommit;
    private final Map<TopicPartition, OffsetAndMetadata> pendingCommit = new HashMap<>();
    /**
     * The id of the source log (its Kafka topic id) the pending offsets and this consumer's positions belong to; null
     * until first asked. Every commit carries it as its metadata.
     */
    private String logId;
    /** Asks the source's Kafka for the log's id; made at first use, closed with the consumer. */
    private org.apache.kafka.clients.admin.Admin admin;
    /** Offsets whose asynchronous commit failed: committed again with the next ones, unless newer ones are pending. */
    private final Map<TopicPartition, OffsetAndMetadata> failedCommit = new HashMap<>();
    /**
     * How a commit's metadata names the log its offset is of ({@code log:<topic id>}). Other metadata (a rebuild's
     * positions: "rebuild"; commits from before log ids) names none, and the offset is taken as it is.
     */
    static final String LOG_ID_PREFIX = "log:";
    private static final String LOG_ID_UNKNOWN = "offsets not committed: the source log's id is not known now: ";
    private static final String COMMIT_FAILED = "offset commit failed (will be re-read and re-applied): ";
    /** When this source was last seen fully applied (recorded durably; start time on a first start). */
    private volatile long lastCaughtUpMillis;
    /** The newest create time (µs) of an own-log record skipped because the write path applied it. */
    private volatile long skippedTs;

    private record Hold(long offset, String reason, long retryAtMillis) {
    }

    /**
     * What every applier of a region shares.
     *
     * @param self the applying region
     * @param topic the mutation-log topic (the same name in every region)
     * @param target where mutations are applied
     * @param listener told after each apply
     * @param maxInFlight applies in flight at once per applier
     * @param gaps told when a source's log lost mutations before they were applied here
     * @param caughtUpStore where "last seen fully applied" times are kept
     * @param positions told of applied positions (after each batch; the committed ones on assignment)
     */
    public record Shared(RegionId self, String topic, ApplyTarget target, Replicator.Listener listener, int maxInFlight,
            Replicator.GapListener gaps, Replicator.CaughtUpStore caughtUpStore, Replicator.PositionListener positions) {
    }

    /**
     * @param source the region whose log this applier reads, at {@code bootstrap}
     * @param localApplies the write path's outcomes when {@code source} is the applying region itself (its own log:
     *        what the write path applied is skipped), else null
     */
    public SourceApplier(Shared shared, RegionId source, String bootstrap, DeadLetters deadLetters,
            io.meridian.replicator.LocalApplies localApplies) {
        RegionId self = shared.self();
        Replicator.CaughtUpStore caughtUpStore = shared.caughtUpStore();
        this.localApplies = localApplies;
        this.gaps = shared.gaps();
        this.caughtUpStore = caughtUpStore;
        this.positions = shared.positions();
        long recorded;
        try {
            recorded = caughtUpStore.load(source).orElse(System.currentTimeMillis());
        } catch (RuntimeException e) {
            recorded = System.currentTimeMillis(); // the store is down at start: the process start is the best bound
        }
        this.lastCaughtUpMillis = recorded;
        this.self = self;
        this.source = source;
        this.bootstrap = bootstrap;
        this.topic = shared.topic();
        this.target = shared.target();
        this.deadLetters = deadLetters;
        this.listener = shared.listener();
        this.maxInFlight = shared.maxInFlight();
        this.thread = new Thread(this, "meridian-applier-" + source + "-to-" + self);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public SourceStatus status() {
        List<String> held = new ArrayList<>();
        holds.forEach((tp, p) -> held.add(tp + "@" + p.offset() + ": " + p.reason()));
        long lag = lagOffsets;
        long now = System.currentTimeMillis();
        long lagMillis;
        if (lag == 0) {
            lagMillis = 0;
        } else if (lag > 0 && (lastAppliedTs > 0 || skippedTs > 0)) {
            lagMillis = Math.max(0, now - Math.max(lastAppliedTs, skippedTs) / 1000); // the newest write passed is this old
        } else {
            lagMillis = now - lastCaughtUpMillis; // unknown (source unreachable) or nothing applied yet: the bound
        }
        return new SourceStatus(source, assigned, lag, lagMillis, lastAppliedTs, applied.get(),
                deadLettered.get(), held, lastError, topicPartitions, skipped.get());
    }

    /** Timestamp→applied delays (µs) recorded since the previous call (HdrHistogram interval). */
    public org.HdrHistogram.Histogram takeDelays() {
        return delays.getIntervalHistogram();
    }

    public RegionId source() {
        return source;
    }

    /** Partition → next offset, of what this applier has applied (a copy). */
    public Map<Integer, Long> appliedPositions() {
        return Map.copyOf(appliedPositions);
    }

    /** How many partitions the source's log has, as last seen (0: not yet). */
    public int topicPartitions() {
        return topicPartitions;
    }

    /** Records applied positions and tells the listener (never fails the applier). */
    private void applied(Map<Integer, Long> next) {
        if (next.isEmpty() || closed) {
            return; // a closed applier's late batch (it may outlive close's wait) tells nothing: its successor does
        }
        next.forEach((p, o) -> appliedPositions.merge(p, o, Math::max));
        try {
            positions.applied(source, next);
        } catch (RuntimeException e) {
            LOG.debug("position listener of applier {} -> {} failed: {}", source, self, e.toString());
        }
    }

    public void close() {
        closed = true;
        deferred.shutdownNow();
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, io.meridian.replicator.LogNames.applierGroup(self));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "meridian-applier-" + self + "-from-" + source);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // never jump silently: a missing or out-of-range position is decided here (onInvalidPositions), and a jump
        // past unread mutations is reported as a gap
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // a record may be as large as the largest write (Limits.MAX_LOG_RECORD_BYTES); a fetch is bounded so that
        // the appliers of every source together stay far below a small server's heap
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2 * io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        // the broker answers a fetch as soon as data arrives (fetch.min.bytes=1): a longer wait costs no latency and
        // halves the empty fetches of an idle log. Not longer: the broker serves one request per connection at a time,
        // so the lag check's offsets request waits behind a pending fetch (LAG_TIMEOUT allows for it)
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1_000);
        while (!closed) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(holds::remove);
                        // only an owner answers for a partition: a stale position of ours must not outlive a reset
                        partitions.forEach(tp -> appliedPositions.remove(tp.partition()));
                        commitPending(c, true); // whoever gets these partitions starts after what was applied here
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        assigned = c.assignment().size();
                        if (partitions.isEmpty()) {
                            return; // nothing to read (the source's log may not exist yet): nothing to check
                        }
                        // fail closed (the consumer restarts and is assigned again): never read from a position whose log
                        // is not known to be the log read now, and never move past a gap not recorded
                        if (sameLog(c, "at assignment") == null) {
                            throw new LogIdUnknown("the id of " + topic + " is not known at assignment");
                        }
                        Map<TopicPartition, OffsetAndMetadata> groupOffsets;
                        try {
                            groupOffsets = c.committed(new java.util.HashSet<>(partitions), Duration.ofSeconds(10));
                        } catch (org.apache.kafka.common.errors.TimeoutException e) {
                            throw new LogIdUnknown("the group's offsets of " + topic + " are not known at assignment: " + e.getMessage());
                        }
                        groupOffsets.forEach((tp, om) -> {
                            if (ofAnotherLog(om)) {
                                // an offset of a log deleted since (committed after its deletion): not a position here
                                seekToStart(c, tp, om.offset(), "the group's committed offset " + om.offset() + " is of log "
                                        + om.metadata().substring(LOG_ID_PREFIX.length()) + ", deleted since; the log now is " + logId);
                            }
                        });
                        // committed means applied (and its invalidations out): a session waiting on these partitions
                        // learns at once what the previous owner applied, not only after the next batch
                        try {
                            Map<Integer, Long> committed = new HashMap<>();
                            Map<TopicPartition, Long> ends = c.endOffsets(partitions, Duration.ofSeconds(5));
                            groupOffsets.forEach((tp, om) -> {
                                if (ofAnotherLog(om)) {
                                    return; // read again from the start (above)
                                }
                                // beyond the log's end: the log was truncated or recreated (a gap, reported at the poll)
                                if (om != null && om.offset() <= ends.getOrDefault(tp, -1L)) {
                                    committed.put(tp.partition(), om.offset());
                                }
                            });
                            applied(committed);
                        } catch (WakeupException e) {
                            throw e;
                        } catch (RuntimeException e) {
                            LOG.debug("committed positions of {} not known: {}", partitions, e.toString());
                        }
                    }
                });
                try {
                    loop(c);
                } catch (WakeupException e) {
                    // closing: fall through to the final commit
                }
                commitQuietly(c);
            } catch (RuntimeException e) {
                // the log's id not known at an assignment: an alert the next successful ask clears (others stay until a
                // batch is applied)
                lastError = causedBy(e, LogIdUnknown.class) ? LOG_ID_UNKNOWN + rootMessage(e) : e.toString();
                LOG.warn("applier {} -> {}: {}; restarting the consumer", source, self, e.toString());
                sleep(2_000);
            } finally {
                consumer = null;
                closeAdmin();
            }
        }
    }

    private void loop(KafkaConsumer<String, byte[]> c) {
        while (!closed) {
            resumeDue(c);
            ConsumerRecords<String, byte[]> records;
            try {
                records = c.poll(POLL);
            } catch (org.apache.kafka.clients.consumer.InvalidOffsetException e) {
                onInvalidPositions(c, e);
                continue;
            }
            if (!records.isEmpty()) {
                if (!applyBatch(c, records)) {
                    sleep(1_000); // the store refused: back off, the batch will be read again
                    continue;
                }
                drained = false;
            } else if (!drained) {
                drained = true;
                nextLagCheck = 0; // the first quiet poll after records: the lag is known to be 0 or not at once
            }
            updateLag(c);
            commitPending(c, false); // also when quiet: the last batches of a burst are not left uncommitted until the next
        }
    }

    /** Whether the last poll found nothing after the ones before it had records. */
    private boolean drained = true;

    /** One record of a batch whose apply was started, and how it ended. */
    private record Started(ConsumerRecord<String, byte[]> record, Mutation mutation, CompletableFuture<Throwable> outcome,
            CompletableFuture<Boolean> byWritePath) {

        /** Whether this process's write path applied it (so it was not applied again here). */
        boolean skipped() {
            return byWritePath != null && byWritePath.getNow(false);
        }
    }

    /** The write path's outcome for a record of the own log it appended; false (apply it) for every other record. */
    private CompletableFuture<Boolean> ownWrite(ConsumerRecord<String, byte[]> rec, Mutation m) {
        if (localApplies == null) {
            return CompletableFuture.completedFuture(false);
        }
        org.apache.kafka.common.header.Header writer = rec.headers().lastHeader(io.meridian.replicator.LocalApplies.WRITER_HEADER);
        if (writer == null || !localApplies.wroteHere(writer.value())) {
            return CompletableFuture.completedFuture(false);
        }
        return localApplies.outcome(rec.partition(), rec.offset(), m.timestampMicros(), m.nonce(), rec.timestamp(),
                System.currentTimeMillis());
    }

    /** Passes a record the write path applied: counted, and its create time counts as passed for the lag. */
    private void skip(ConsumerRecord<String, byte[]> rec) {
        skipped.incrementAndGet(); // this process applied it on the write path: it is in the store
        // it counts as passed for the lag in time (the record's create time, set by the producer as the write was
        // appended): without this, the own log's lag read as the age of the last record the applier did apply
        // itself, seconds under steady local writes, and the restore gate refused a region one record behind
        skippedTs = Math.max(skippedTs, rec.timestamp() * 1000);
    }

    /** Starts the apply of {@code m} in this region; a missing namespace fails it (the batch is read again). */
    private CompletableFuture<Object> applyNow(Mutation m) {
        try {
            Optional<CompletionStage<?>> stage = target.apply(m);
            if (stage.isEmpty()) {
                return CompletableFuture.failedFuture(new IllegalStateException("namespace '" + m.namespace() + "' does not exist in "
                        + self));
            }
            return stage.get().toCompletableFuture().thenApply(x -> x);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** What the batch does after starting one record's apply. */
    private enum Step {
        /** Started, skipped or dead-lettered: commit past it, go on with the partition. */
        NEXT,
        /** The partition is held at this record: nothing after it in this batch. */
        HOLD_PARTITION,
        /** The whole batch is read again (nothing of it committed). */
        RETRY_BATCH
    }

    /** Returns false when the batch must be retried (nothing of it committed). */
    private boolean applyBatch(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, Long> commit = new HashMap<>();
        Map<TopicPartition, Long> first = new HashMap<>();
        List<Started> started = new ArrayList<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        for (TopicPartition tp : records.partitions()) {
            for (ConsumerRecord<String, byte[]> rec : records.records(tp)) {
                first.putIfAbsent(tp, rec.offset());
                Step step = start(c, rec, inFlight, started, first, records);
                if (step == Step.RETRY_BATCH) {
                    return false;
                }
                if (step == Step.HOLD_PARTITION) {
                    break;
                }
                commit.put(tp, rec.offset() + 1);
            }
        }
        List<Mutation> done = settle(c, started, first, records);
        if (done == null) {
            return false;
        }
        String readFrom = logId; // the log these offsets are of: only ever committed while it is the log
        commit.forEach((tp, o) -> pendingCommit.put(tp, new OffsetAndMetadata(o, readFrom == null ? "" : LOG_ID_PREFIX + readFrom)));
        commitPending(c, false);
        recordApplied(done);
        if (!java.util.Objects.equals(readFrom, logId)) {
            return true; // the log was made again: these offsets say nothing of it (its positions were reset to its start)
        }
        Map<Integer, Long> next = new HashMap<>();
        commit.forEach((tp, o) -> next.put(tp.partition(), o));
        applied(next);
        if (!lastError.startsWith(UNREACHABLE)) {
            lastError = "";
        }
        return true;
    }

    /** Starts the apply of one record (or skips, holds or dead-letters it). */
    private Step start(KafkaConsumer<String, byte[]> c, ConsumerRecord<String, byte[]> rec, Semaphore inFlight,
            List<Started> started, Map<TopicPartition, Long> first, ConsumerRecords<String, byte[]> records) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        MutationCodec.DecodeResult result = MutationCodec.decode(rec.value());
        // a record of the own log this process's write path appended: its apply is usually still running
        // (the fetch is as fast as the write's answer); wait for its outcome instead of applying it again
        CompletableFuture<Boolean> byWritePath = result instanceof MutationCodec.Decoded own ? ownWrite(rec, own.mutation())
                : CompletableFuture.completedFuture(false);
        Boolean known = byWritePath.getNow(null);
        if (Boolean.TRUE.equals(known)) {
            skip(rec);
            return Step.NEXT;
        }
        if (result instanceof MutationCodec.Decoded d && known == null) {
            inFlight.acquireUninterruptibly();
            // applied here only when the write path did not (failed, timed out): then as any record, on the
            // applier's own thread (never on the thread that completed the outcome: a request, Kafka's, a timer)
            CompletableFuture<Throwable> outcome = byWritePath.thenComposeAsync(done -> done
                    ? CompletableFuture.<Object>completedFuture(null) : applyNow(d.mutation()), deferred)
                    .handle((x, e) -> e).whenComplete((x, e) -> inFlight.release());
            started.add(new Started(rec, d.mutation(), outcome, byWritePath));
            return Step.NEXT;
        }
        if (result instanceof MutationCodec.Decoded d) {
            Optional<CompletionStage<?>> stage;
            try {
                stage = target.apply(d.mutation());
            } catch (RuntimeException e) {
                stage = Optional.of(CompletableFuture.failedFuture(e));
            }
            if (stage.isEmpty()) {
                pause(c, tp, rec.offset(), "namespace '" + d.mutation().namespace() + "' does not exist in " + self);
                return Step.HOLD_PARTITION;
            }
            inFlight.acquireUninterruptibly();
            // completes with null (applied) or the error, never exceptionally
            CompletableFuture<Throwable> outcome = stage.get().toCompletableFuture()
                    .handle((x, e) -> e).whenComplete((x, e) -> inFlight.release());
            started.add(new Started(rec, d.mutation(), outcome, null));
            return Step.NEXT;
        }
        if (result instanceof MutationCodec.UnsupportedVersion u) {
            pause(c, tp, rec.offset(), "schema version " + u.schemaVersion() + " is newer than this server reads ("
                    + Mutation.CURRENT_SCHEMA_VERSION + ")");
            return Step.HOLD_PARTITION;
        }
        return deadLetter(c, rec, ((MutationCodec.Malformed) result).reason(), first, records) ? Step.NEXT : Step.RETRY_BATCH;
    }

    /**
     * Waits for every started apply; the mutations applied, or null when the batch must be retried (an apply did not
     * finish in time, failed transiently, or a permanent failure could not be dead-lettered). A transient failure
     * retries the whole batch; a permanent one (no retry can fix it) is dead-lettered, so one bad mutation never
     * stops its partition (and everything behind it).
     */
    private List<Mutation> settle(KafkaConsumer<String, byte[]> c, List<Started> started, Map<TopicPartition, Long> first,
            ConsumerRecords<String, byte[]> records) {
        try {
            CompletableFuture.allOf(started.stream().map(Started::outcome).toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            lastError = "apply did not finish within 60 s: " + rootMessage(e);
            LOG.warn("applier {} -> {}: {}; the batch will be retried", source, self, lastError);
            seekBack(c, first);
            return null;
        }
        for (Started s : started) {
            Throwable error = s.outcome().join();
            if (error != null && !isPermanent(error)) {
                lastError = "apply failed: " + rootMessage(error);
                LOG.warn("applier {} -> {}: {}; the batch will be retried", source, self, lastError);
                seekBack(c, first);
                return null;
            }
        }
        List<Mutation> done = new ArrayList<>();
        for (Started s : started) {
            Throwable error = s.outcome().join();
            if (error == null && s.skipped()) {
                skip(s.record());
            } else if (error == null) {
                done.add(s.mutation());
                traceApplied(s.record(), s.mutation());
            } else if (!deadLetter(c, s.record(), "cannot be applied: " + rootMessage(error), first, records)) {
                return null;
            }
        }
        return done;
    }

    /** At DEBUG of {@link io.meridian.core.Traceparent#LOGGER}: one line per applied write, naming its writer's trace. */
    private void traceApplied(ConsumerRecord<String, byte[]> rec, Mutation m) {
        if (!TRACE.isDebugEnabled()) {
            return;
        }
        try { // logging never stops replication: a header it cannot read is logged as none
            org.apache.kafka.common.header.Header h = rec.headers().lastHeader(io.meridian.core.Traceparent.HEADER);
            String trace = h == null || h.value() == null ? null : io.meridian.core.Traceparent.parse(new String(h.value(),
                    java.nio.charset.StandardCharsets.US_ASCII)).map(io.meridian.core.Traceparent::traceId).orElse(null);
            org.slf4j.MDC.put("trace", trace == null ? "none" : trace);
            TRACE.debug("applied {}/{} ts={} from {} in {} ({}-{}@{})", m.namespace(), io.meridian.core.Limits.printable(m.id()),
                    m.timestampMicros(), source, self, rec.topic(), rec.partition(), rec.offset());
        } catch (RuntimeException e) {
            LOG.debug("could not log the trace of {}-{}@{}: {}", rec.topic(), rec.partition(), rec.offset(), e.toString());
        } finally {
            org.slf4j.MDC.remove("trace");
        }
    }

    /** Counts what a committed batch applied: applied, last timestamp, timestamp→applied delays, the listener. */
    private void recordApplied(List<Mutation> done) {
        long nowMicros = System.currentTimeMillis() * 1000;
        for (Mutation m : done) {
            applied.incrementAndGet();
            lastAppliedTs = Math.max(lastAppliedTs, m.timestampMicros());
            long delay = Math.max(1, nowMicros - m.timestampMicros());
            delays.recordValue(delay);
            listener.applied(source, m, delay);
        }
    }

    /**
     * Whether an apply failed for good: a non-retriable {@link io.meridian.core.MeridianException} anywhere in
     * the cause chain (the store's verdict).
     */
    static boolean isPermanent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.meridian.core.MeridianException me) {
                return !me.isRetriable();
            }
        }
        return false;
    }

    /** Dead-letters one record; false (after seeking the batch back) when the dead-letter topic refused it. */
    private boolean deadLetter(KafkaConsumer<String, byte[]> c, ConsumerRecord<String, byte[]> rec, String reason,
            Map<TopicPartition, Long> first, ConsumerRecords<String, byte[]> records) {
        try {
            deadLetters.send(source, rec, reason);
            deadLettered.incrementAndGet();
            LOG.warn("dead-lettered {}-{}@{} from {}: {}", rec.topic(), rec.partition(), rec.offset(), source, reason);
            return true;
        } catch (Exception e) {
            lastError = "dead-letter topic unavailable: " + e;
            seekBack(c, first);
            return false;
        }
    }

    /**
     * A partition without a committed position, or whose position the log no longer holds. Without a position and
     * with the log starting at 0 (a region's first start), reading from 0 misses nothing. Anything else skips
     * mutations this region never applied: the gap is recorded (the region is marked as needing repair instead of
     * looking caught up), and only then the position moves to the log's start (or end).
     */
    private void onInvalidPositions(KafkaConsumer<String, byte[]> c, org.apache.kafka.clients.consumer.InvalidOffsetException e) {
        java.util.Set<TopicPartition> parts = e.partitions();
        Map<TopicPartition, Long> begin = c.beginningOffsets(parts, Duration.ofSeconds(10));
        Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(10));
        Map<TopicPartition, Long> outOfRange = e instanceof org.apache.kafka.clients.consumer.OffsetOutOfRangeException o
                ? o.offsetOutOfRangePartitions() : Map.of();
        for (TopicPartition tp : parts) {
            // an offset of the log as it was must never be committed over the log as it is now (it could skip new records)
            pendingCommit.remove(tp);
            failedCommit.remove(tp);
            long first = begin.getOrDefault(tp, 0L);
            long last = end.getOrDefault(tp, 0L);
            Long position = outOfRange.get(tp);
            if (position == null) { // no committed position
                if (first > 0) {
                    reportGap(tp, 0, first, "no position of this region's group and the log starts at " + first
                            + ": mutations before it were deleted before this region read them");
                }
                c.seek(tp, first);
            } else if (position < first) {
                reportGap(tp, position, first, "position " + position + " is before the log's start " + first
                        + " (retention deleted mutations this region never applied)");
                c.seek(tp, first);
            } else {
                reportGap(tp, last, position, "position " + position + " is beyond the log's end " + last + " (the log was truncated)");
                c.seek(tp, last);
            }
        }
    }

    private void reportGap(TopicPartition tp, long from, long to, String why) {
        LOG.error("applier {} -> {}: GAP in {}: {}; this region needs a repair (meridian repair / rebuild)", source, self, tp, why);
        lastError = "log gap in " + tp + ": " + why;
        try {
            gaps.gap(source, tp.partition(), from, to, why);
        } catch (RuntimeException e) {
            // never move past a gap that is not durably recorded: without the flag the region would look caught up
            // once the next batch applies; the consumer restarts and meets the same invalid position again
            LOG.error("could not record the gap in {}: {}; not moving past it", tp, e.toString());
            throw new IllegalStateException("log gap in " + tp + " not recorded yet: " + e, e);
        }
        // what was known applied of this partition says nothing of the log's offsets now (a truncated or recreated log)
        long restart = Math.min(from, to);
        appliedPositions.put(tp.partition(), restart);
        try {
            positions.reset(source, tp.partition(), restart);
        } catch (RuntimeException e) {
            LOG.debug("position listener of applier {} -> {} failed: {}", source, self, e.toString());
        }
    }

    /**
     * Commits the offsets of applied batches: at most every {@value #COMMIT_INTERVAL_MS} ms (async), or at
     * once and synchronously when partitions are revoked or the applier stops. Only applied offsets are
     * ever pending, so a crash re-reads at most the last interval, and re-applying is harmless.
     */
    private void commitPending(KafkaConsumer<String, byte[]> c, boolean now) {
        failedCommit.forEach(pendingCommit::putIfAbsent); // a newer pending offset of the partition wins
        failedCommit.clear();
        if (pendingCommit.isEmpty() || (!now && System.currentTimeMillis() < nextCommit)) {
            return;
        }
        nextCommit = System.currentTimeMillis() + COMMIT_INTERVAL_MS;
        Boolean same = sameLog(c, "before a commit");
        if (same == null) {
            return; // the log's id is not known now: commit later (a re-read after a crash is harmless)
        }
        if (!same) {
            return; // what was pending was of the old log: dropped
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        pendingCommit.forEach((tp, o) -> {
            if (o.metadata().equals(LOG_ID_PREFIX + logId)) { // an offset of another log (read before a change, re-sent after a failed
                offsets.put(tp, o);           // commit) is dropped, never committed as this log's
            }
        });
        pendingCommit.clear();
        if (offsets.isEmpty()) {
            return;
        }
        if (now) {
            c.commitSync(offsets);
        } else {
            // the callback runs on this thread, inside a later poll or commit
            c.commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    offsets.forEach(failedCommit::putIfAbsent);
                    lastError = COMMIT_FAILED + e;
                } else if (lastError.startsWith(COMMIT_FAILED)) {
                    lastError = "";
                }
            });
        }
    }

    /**
     * Whether the log read now is the log the positions and pending offsets belong to (true), or was deleted and made
     * again under this applier (false), or cannot be told now (null: the source's Kafka did not answer). A log made
     * again has the same name and new offsets: the consumer would go on at its old position inside the new log (the
     * records before it never read), and an old offset committed would be taken as a position in the new one
     * (ApplierLogRecreatedIT saw both). So then everything pending is dropped, every assigned partition is read again
     * from the new log's start (re-applying is harmless), and what the old log held unread is reported as a gap.
     */
    private Boolean sameLog(KafkaConsumer<String, byte[]> c, String when) {
        String now;
        try {
            if (admin == null) {
                admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                        org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        org.apache.kafka.clients.admin.AdminClientConfig.CLIENT_ID_CONFIG, "meridian-applier-" + self + "-from-" + source + "-log-id",
                        org.apache.kafka.clients.admin.AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000));
            }
            now = admin.describeTopics(List.of(topic)).topicNameValues().get(topic).get(5, TimeUnit.SECONDS).topicId().toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.debug("applier {} -> {}: the log's id is not known {}: {}", source, self, when, e.toString());
            if (lastError.isEmpty() || lastError.startsWith(LOG_ID_UNKNOWN)) {
                lastError = LOG_ID_UNKNOWN + e;
            }
            return null;
        }
        if (lastError.startsWith(LOG_ID_UNKNOWN)) {
            lastError = "";
        }
        if (logId == null || logId.equals(now)) {
            logId = now;
            return true;
        }
        String was = logId;
        pendingCommit.clear();
        failedCommit.clear();
        for (TopicPartition tp : c.assignment()) { // a gap not recorded throws: the id stays, the change is met again
            long position;
            try {
                position = c.position(tp, Duration.ofSeconds(10));
            } catch (RuntimeException e) { // not positioned yet (just assigned)
                position = 0;
            }
            seekToStart(c, tp, position, "the log was deleted and made again (its id was " + was
                    + ", is " + now + "; found " + when + "): what the old log held unread here is lost");
        }
        logId = now;
        return false;
    }

    /** Whether a committed offset names, in its metadata, a log other than the one read now. */
    private boolean ofAnotherLog(OffsetAndMetadata om) {
        return om != null && om.metadata().startsWith(LOG_ID_PREFIX) && !om.metadata().equals(LOG_ID_PREFIX + logId);
    }

    /** Reads {@code tp} from the log's start again, reporting a gap of what the old log held from {@code position} on. */
    private void seekToStart(KafkaConsumer<String, byte[]> c, TopicPartition tp, long position, String why) {
        reportGap(tp, 0, position, why);
        if (holds.remove(tp) != null) {
            c.resume(List.of(tp));
        }
        c.seekToBeginning(List.of(tp));
    }

    private void closeAdmin() {
        if (admin != null) {
            try {
                admin.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing the log-id client of applier {} -> {}: {}", source, self, e.toString());
            }
            admin = null;
        }
    }

    private void commitQuietly(KafkaConsumer<String, byte[]> c) {
        try {
            commitPending(c, true);
        } catch (RuntimeException e) {
            LOG.debug("final commit of applier {} -> {} failed: {}", source, self, e.toString());
        }
    }

    /**
     * Puts every partition of a failed batch back to its first record in the batch, held ones included: a held
     * partition's earlier records of this batch were not committed either, so its hold moves back to them too
     * (otherwise they would be skipped, and committed past, once the hold ends).
     */
    private void seekBack(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> first) {
        first.forEach((tp, offset) -> {
            c.seek(tp, offset);
            holds.computeIfPresent(tp, (k, p) -> new Hold(Math.min(p.offset(), offset), p.reason(), p.retryAtMillis()));
        });
    }

    private void pause(KafkaConsumer<String, byte[]> c, TopicPartition tp, long offset, String reason) {
        if (!holds.containsKey(tp)) {
            LOG.warn("applier {} -> {}: holding {} at offset {}: {}", source, self, tp, offset, reason);
        }
        c.pause(List.of(tp));
        c.seek(tp, offset);
        holds.put(tp, new Hold(offset, reason, System.currentTimeMillis() + PAUSE_RECHECK_MS));
    }

    private void resumeDue(KafkaConsumer<String, byte[]> c) {
        long now = System.currentTimeMillis();
        List<TopicPartition> due = new ArrayList<>();
        holds.forEach((tp, p) -> {
            if (p.retryAtMillis() <= now) {
                due.add(tp);
            }
        });
        if (!due.isEmpty()) {
            due.retainAll(c.assignment());
            c.resume(due);
            due.forEach(holds::remove);
        }
    }

    /**
     * Lag from the source's end offsets, asked at most every {@value #LAG_CHECK_MS} ms. A source that
     * does not answer makes the lag unknown (-1) and says so in {@code lastError}: an unreachable region
     * must never look caught up.
     */
    private void updateLag(KafkaConsumer<String, byte[]> c) {
        long now = System.currentTimeMillis();
        if (now < nextLagCheck) {
            return;
        }
        nextLagCheck = now + LAG_CHECK_MS;
        assigned = c.assignment().size();
        try {
            topicPartitions = c.partitionsFor(topic, Duration.ofSeconds(3)).size();
        } catch (RuntimeException e) {
            // unknown for now: the lag check below says whether the source answers
        }
        if (c.assignment().isEmpty()) {
            return;
        }
        if (now >= nextLogIdCheck) {
            // also when nothing is pending: a log made again that grew to exactly this applier's position answers no
            // record and no out-of-range, and would read as caught up
            nextLogIdCheck = now + LOG_ID_CHECK_MS;
            if (Boolean.FALSE.equals(sameLog(c, "at a lag check"))) {
                return; // read again from the start: the lag is asked at the next check
            }
        }
        try {
            Map<TopicPartition, Long> ends = c.endOffsets(c.assignment(), LAG_TIMEOUT);
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                total += Math.max(0, e.getValue() - c.position(e.getKey(), LAG_TIMEOUT));
            }
            lagOffsets = total;
            if (total == 0) {
                lastCaughtUpMillis = now;
                if (now - caughtUpSavedAt >= CAUGHT_UP_SAVE_MS) {
                    caughtUpSavedAt = now;
                    try {
                        caughtUpStore.save(source, now);
                    } catch (RuntimeException e) {
                        LOG.debug("could not record that {} is caught up: {}", source, e.toString());
                    }
                }
            }
            if (lastError.startsWith(UNREACHABLE)) {
                lastError = "";
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            lagOffsets = -1;
            lastError = UNREACHABLE + bootstrap + " (" + e.getMessage() + ")";
        } catch (org.apache.kafka.clients.consumer.InvalidOffsetException e) {
            // just assigned (a rebalance) and not positioned yet: position() meets "no reset policy" before the next
            // poll does; decided here exactly as poll's would be, instead of restarting the consumer (which only
            // rebalanced again, and looped with the applier failing and 0 partitions held)
            onInvalidPositions(c, e);
        }
    }

    /** The log's id (or the group's offsets) could not be asked at an assignment: the consumer starts again. */
    private static final class LogIdUnknown extends IllegalStateException {
        LogIdUnknown(String message) {
            super(message);
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // back-off of a background worker, not a test
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
