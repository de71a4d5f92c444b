package io.meridian.replicator;

import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.replicator.internal.Producers;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The region's mutation log: one Kafka topic holding every mutation that originated in this region,
 * keyed by {@code namespace/id} so one record's mutations stay in order on one partition.
 *
 * <p>The producer is idempotent with {@code acks=all}: an acknowledged append is on every in-sync
 * replica and a producer retry never duplicates it. {@code delivery.timeout.ms} bounds how long an
 * append may take (then it fails and the write is answered 503); {@code max.block.ms} bounds the wait
 * for metadata when the broker is down. Thread-safe (the Kafka producer is).
 */
public final class MutationLog implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final byte[] writerId;

    public MutationLog(String bootstrapServers, String topic, Duration appendTimeout) {
        this(bootstrapServers, topic, appendTimeout, null);
    }

    /**
     * @param writerId tags every record (header {@code meridian.writer}) so this process's own applier knows which
     *        records its write path applies (see {@link LocalApplies}); null: untagged
     */
    public MutationLog(String bootstrapServers, String topic, Duration appendTimeout, byte[] writerId) {
        this.topic = topic;
        this.writerId = writerId == null ? null : writerId.clone();
        Properties p = Producers.durable(bootstrapServers, "meridian-log-" + topic);
        // no artificial wait: under load, records batch while earlier requests are in flight anyway
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        int delivery = (int) Math.max(2_000, appendTimeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(5_000, delivery - 1_000));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        // exactly the largest log record: a dead letter carries the record plus headers and must still fit the
        // dead-letter producer's limit (the durable default, 64 KiB more), or the letter could never be written
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Appends; completes when the broker acknowledged (acks=all), exceptionally when it did not. */
    public CompletableFuture<LogPosition> append(Mutation m) {
        return append(m, null);
    }

    /**
     * As {@link #append(Mutation)}, with the writing request's trace in the record's {@code traceparent} header (null:
     * none), so each region's applier can log the trace it applies.
     */
    public CompletableFuture<LogPosition> append(Mutation m, io.meridian.core.Traceparent trace) {
        CompletableFuture<LogPosition> done = new CompletableFuture<>();
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, m.logKey(), MutationCodec.encode(m));
            if (writerId != null) {
                record.headers().add(LocalApplies.WRITER_HEADER, writerId);
            }
            if (trace != null) {
                record.headers().add(io.meridian.core.Traceparent.HEADER, trace.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            producer.send(record, (meta, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(new LogPosition(meta.partition(), meta.offset()));
                }
            });
        } catch (RuntimeException e) { // metadata not available within max.block.ms, producer closed
            done.completeExceptionally(e);
        }
        return done;
    }

    /** Whether the broker answers for the topic now (health check). */
    public void checkReachable() {
        producer.partitionsFor(topic);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
