package io.meridian.replicator;

import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.core.RegionId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The open incidents of a region's dead-letter topic, and what an operator does with them.
 *
 * <p>Design note. Every dead letter is an incident until an operator resolves it: it raises an alert in
 * health and status, and the restore gate refuses the region. What is resolved is recorded where the
 * letters live: the committed offset of consumer group {@code meridian-deadletters-<region>} on the
 * dead-letter topic (one partition). Letters before it are resolved (replayed or discarded), letters from it
 * on are open. So the count survives restarts, is the same for every server instance of the region, and is
 * per incident, not per process lifetime. Offsets only move forward. Thread-safe (one consumer, used under
 * this object's lock; it never joins the group, it only reads and commits).
 */
public final class DeadLetterQueue implements AutoCloseable {

    /** Headers the appliers put on every dead letter. */
    public static final String SOURCE_REGION = "meridian.source-region";
    public static final String SOURCE_TOPIC = "meridian.source-topic";
    public static final String SOURCE_PARTITION = "meridian.source-partition";
    public static final String SOURCE_OFFSET = "meridian.source-offset";
    public static final String ERROR = "meridian.error";

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long COUNT_CACHE_MILLIS = 5_000;

    /**
     * One dead letter.
     *
     * @param offset its offset in the dead-letter topic (what replay and discard name)
     * @param atMillis when it was dead-lettered
     * @param key the mutation-log key ({@code namespace/id}), if any
     * @param mutation the decoded mutation, empty when the message itself was malformed
     * @param value the original message bytes
     */
    public record Letter(long offset, long atMillis, String sourceRegion, String sourceTopic, int sourcePartition,
            long sourceOffset, String error, String key, Optional<Mutation> mutation, byte[] value) {
    }

    /** The outcome of a replay: letters applied (and resolved), and where it stopped, if it did. */
    public record Replay(int replayed, long resolvedThrough, Optional<Long> failedOffset, String error) {
    }

    private final TopicPartition partition;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Clock clock;
    private long cachedCount = -1;
    private long countedAt;

    public DeadLetterQueue(String bootstrap, String topic, RegionId region) {
        this(bootstrap, topic, region, Clock.systemUTC());
    }

    DeadLetterQueue(String bootstrap, String topic, RegionId region, Clock clock) {
        this.partition = new TopicPartition(topic, 0);
        this.clock = clock;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, LogNames.deadLetterGroup(region));
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "meridian-deadletters-reader-" + region);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 2 * io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES + 64 * 1024);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.assign(List.of(partition));
    }

    /** The first open offset: letters before it are resolved. */
    private long resolvedPosition() {
        OffsetAndMetadata committed = consumer.committed(Set.of(partition), TIMEOUT).get(partition);
        long start = consumer.beginningOffsets(List.of(partition), TIMEOUT).get(partition);
        return Math.max(start, committed == null ? 0 : committed.offset());
    }

    private long end() {
        return consumer.endOffsets(List.of(partition), TIMEOUT).get(partition);
    }

    /**
     * Open letters, at most {@code cachedMillis} old: the number, or -1 when the region's Kafka does not
     * answer (unknown). Cheap to call often (health).
     */
    public synchronized long openCount() {
        long now = clock.millis();
        if (now - countedAt < COUNT_CACHE_MILLIS) {
            return cachedCount;
        }
        countedAt = now;
        try {
            cachedCount = Math.max(0, end() - resolvedPosition());
        } catch (RuntimeException e) {
            cachedCount = -1;
        }
        return cachedCount;
    }

    /** The open letters, oldest first, at most {@code limit} (those read within a few seconds). */
    public synchronized List<Letter> open(int limit) {
        List<Letter> out = new ArrayList<>();
        scan(Long.MAX_VALUE, TIMEOUT, l -> {
            out.add(l);
            return out.size() < limit;
        });
        return out;
    }

    /**
     * What a scan of the open letters read.
     *
     * @param from the first open offset when it began
     * @param next the first offset it did not examine: every letter in {@code [from, next)} was passed to the visitor
     * @param complete whether it examined everything asked for (false: it ran out of time, or the visitor stopped it)
     */
    public record Scan(long from, long next, boolean complete) {

        /** Letters examined. */
        public long examined() {
            return next - from;
        }
    }

    /**
     * Passes the open letters through {@code throughOffset} (inclusive; {@link Long#MAX_VALUE}: through the end of
     * the topic as it is when the scan begins), oldest first, to {@code visitor} until it answers false (that letter
     * counts as not examined) or {@code budget} runs out. Never holds more than one letter: the caller keeps what it
     * needs. Letters arriving later are never examined, so never resolved by what the caller does with the scan.
     */
    private Scan scan(long throughOffset, Duration budget, java.util.function.Predicate<Letter> visitor) {
        long from = resolvedPosition();
        long end = end();
        long stop = throughOffset == Long.MAX_VALUE ? end : Math.min(end, throughOffset + 1);
        long next = from;
        if (stop <= from) {
            return new Scan(from, from, true);
        }
        consumer.seek(partition, from);
        long deadline = System.nanoTime() + budget.toNanos();
        while (next < stop && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                if (r.offset() >= stop) {
                    return new Scan(from, stop, true);
                }
                if (!visitor.test(letter(r))) {
                    return new Scan(from, r.offset(), false);
                }
                next = r.offset() + 1;
            }
            next = Math.max(next, Math.min(stop, consumer.position(partition, TIMEOUT)));
        }
        return new Scan(from, next, next >= stop);
    }

    private static Letter letter(ConsumerRecord<byte[], byte[]> r) {
        MutationCodec.DecodeResult decoded = r.value() == null ? null : MutationCodec.decode(r.value());
        Optional<Mutation> m = decoded instanceof MutationCodec.Decoded d ? Optional.of(d.mutation()) : Optional.empty();
        long sourcePartition = parseLong(header(r, SOURCE_PARTITION));
        return new Letter(r.offset(), r.timestamp(), header(r, SOURCE_REGION), header(r, SOURCE_TOPIC), (int) sourcePartition,
                parseLong(header(r, SOURCE_OFFSET)), header(r, ERROR),
                r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8), m, r.value() == null ? new byte[0] : r.value());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Examines the open letters through {@code throughOffset} (inclusive; {@link Long#MAX_VALUE}: all there are
     * now) for a discard: each is passed to {@code visitor}, for at most {@code budget}. Nothing is resolved: the
     * caller records what it must (a repair mark) and then calls {@link #resolve} with the scan.
     */
    public synchronized Scan examine(long throughOffset, Duration budget, java.util.function.Consumer<Letter> visitor) {
        return scan(throughOffset, budget, l -> {
            visitor.accept(l);
            return true;
        });
    }

    /**
     * Resolves (without applying) exactly the letters {@code scan} examined, if no one resolved any letter since it
     * began (another operator, another server of the region); false otherwise, and nothing changes. Letters that
     * arrived after the scan stay open. (Two servers racing past the check can at worst move the position back,
     * which reopens letters: never one resolved unexamined.)
     */
    public synchronized boolean resolve(Scan scan) {
        try {
            if (resolvedPosition() != scan.from()) {
                return false;
            }
            if (scan.next() > scan.from()) {
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(scan.next(), "discarded")), TIMEOUT);
            }
            return true;
        } finally {
            countedAt = 0;
        }
    }

    /**
     * Applies the open letters up to and including {@code throughOffset}, oldest first, through {@code target}
     * (with their original timestamps, so a replay is idempotent), resolving each one that applied. Stops at
     * the first that cannot be applied (malformed, unknown namespace, apply failed) and says why; it stays open.
     */
    public synchronized Replay replay(long throughOffset, ApplyTarget target) {
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
        // each letter replayed is resolved at once, so the scan's [from, next) is exactly what was replayed, and a
        // letter that failed is where it stopped (next)
        Scan scan = scan(throughOffset, Duration.ofSeconds(60), l -> {
            failure.set(applyError(l, target));
            if (failure.get() != null) {
                return false;
            }
            consumer.commitSync(Map.of(partition, new OffsetAndMetadata(l.offset() + 1, "replayed")), TIMEOUT);
            return true;
        });
        countedAt = 0;
        int replayed = (int) scan.examined();
        if (failure.get() != null) {
            return new Replay(replayed, scan.next() - 1, Optional.of(scan.next()), failure.get());
        }
        return new Replay(replayed, scan.next() - 1, Optional.empty(), scan.complete() ? "" : "replayed " + replayed
                + " letter(s) in the time allowed: the later ones stay open, replay again");
    }

    private static String applyError(Letter l, ApplyTarget target) {
        if (l.mutation().isEmpty()) {
            return "the message is not a readable mutation (" + l.error() + "): discard it";
        }
        Optional<CompletionStage<?>> stage = target.apply(l.mutation().get());
        if (stage.isEmpty()) {
            return "namespace '" + l.mutation().get().namespace() + "' does not exist in this region";
        }
        try {
            stage.get().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return "apply failed: " + c;
        }
    }

    @Override
    public synchronized void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
