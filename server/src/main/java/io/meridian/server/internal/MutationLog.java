package io.meridian.server.internal;

import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
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
public final class MutationLog implements MutationSink.Log, AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final byte[] writerId;

    public MutationLog(String bootstrapServers, String topic, Duration appendTimeout) {
        this(bootstrapServers, topic, appendTimeout, null);
    }

    /**
     * @param writerId tags every record (header {@code meridian.writer}) so this process's own applier knows which
     *        records its write path applies (see {@code LocalApplies}); null: untagged
     */
    public MutationLog(String bootstrapServers, String topic, Duration appendTimeout, byte[] writerId) {
        this.topic = topic;
        this.writerId = writerId == null ? null : writerId.clone();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        // no artificial wait: under load, records batch while earlier requests are in flight anyway
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        int delivery = (int) Math.max(2_000, appendTimeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(5_000, delivery - 1_000));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "meridian-log-" + topic);
        // the largest write the API accepts must fit (the default, 1 MiB, refused a value of exactly the 1 MiB limit)
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Creates the topic if it does not exist, and makes sure it takes records of
     * {@link io.meridian.core.Limits#MAX_LOG_RECORD_BYTES} ({@code max.message.bytes}, also set on a topic
     * created by an older version).
     */
    public static void ensureTopic(String bootstrapServers, String topic, int partitions, short replication)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        ensureTopic(bootstrapServers, topic, partitions, replication, Map.of());
    }

    /**
     * The same, with further topic settings ({@code extra}) that are also set on a topic that exists (e.g. the
     * dead-letter topic's unlimited retention: an open letter must never expire unresolved).
     */
    public static void ensureTopic(String bootstrapServers, String topic, int partitions, short replication, Map<String, String> extra)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        String maxBytes = Integer.toString(io.meridian.core.Limits.MAX_LOG_RECORD_BYTES + 64 * 1024);
        Map<String, String> settings = new java.util.LinkedHashMap<>(extra);
        settings.put("max.message.bytes", maxBytes);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
                admin.incrementalAlterConfigs(Map.of(resource, settings.entrySet().stream().map(e -> new org.apache.kafka.clients.admin
                        .AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(e.getKey(), e.getValue()),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)).toList())).all().get(30, TimeUnit.SECONDS);
                return;
            }
            try {
                settings.put("min.insync.replicas", Integer.toString(Math.max(1, replication - 1)));
                admin.createTopics(List.of(new NewTopic(topic, partitions, replication).configs(settings)))
                        .all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** Appends; completes when the broker acknowledged (acks=all), exceptionally when it did not. */
    @Override
    public CompletableFuture<MutationSink.Position> append(Mutation m) {
        CompletableFuture<MutationSink.Position> done = new CompletableFuture<>();
        try {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, m.logKey(), MutationCodec.encode(m));
            if (writerId != null) {
                record.headers().add(io.meridian.replicator.LocalApplies.WRITER_HEADER, writerId);
            }
            producer.send(record, (meta, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(new MutationSink.Position(meta.partition(), meta.offset()));
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
