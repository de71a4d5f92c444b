package io.meridian.server.internal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.meridian.cache.CacheTier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache invalidation across the server instances of one region. After every apply to this region's
 * Cassandra — a local write's or a replicated mutation's — the record is dropped from this instance's
 * cache at once and announced on the region's invalidation topic; every instance of the region reads
 * that whole topic (no consumer group: each instance gets every message, from the end at start-up, its
 * cache being empty then) and drops the record too. The announcement is sent only after the data is
 * in Cassandra, so a reader that misses after it reads the new data (EVCache's rule).
 *
 * <p>For replicated mutations the appliers wait for the announcement to be acknowledged before the
 * offset may be committed: an apply whose announcement was lost (a crash in between) is re-applied and
 * re-announced. A local write's ack does not wait for it; its own-region applier skips the record only once the
 * announcement was acknowledged ({@code acks=all}), and applies and re-announces it otherwise.
 * Thread-safe.
 */
public final class Invalidations implements io.meridian.cache.Invalidation, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Invalidations.class);
    private static final byte SEPARATOR = 0;

    private final String topic;
    private final CacheTier<?> tier;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Counter received;
    private final Counter sent;
    private final Counter sendFailures;
    private final AtomicBoolean running = new AtomicBoolean();
    private Thread listener;

    public Invalidations(String bootstrap, String topic, String clientId, CacheTier<?> tier, MetricRegistry metrics) {
        this.topic = topic;
        this.tier = tier;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // all: the own applier skips a local write once its announcement is acknowledged, so an acknowledged
        // announcement must not be lost to a leader change (nothing would send it again)
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-invalidations-out");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-invalidations-in");
        // a fetch is answered as soon as an announcement arrives: a long wait only saves empty fetches at idle
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.received = metrics.counter("meridian.cache.invalidations-received");
        this.sent = metrics.counter("meridian.cache.invalidations-sent");
        this.sendFailures = metrics.counter("meridian.cache.invalidation-send-failures");
    }

    static byte[] key(String namespace, String id) {
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] i = id.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[ns.length + 1 + i.length];
        System.arraycopy(ns, 0, k, 0, ns.length);
        k[ns.length] = SEPARATOR;
        System.arraycopy(i, 0, k, ns.length + 1, i.length);
        return k;
    }

    /**
     * Drops the record here and announces it to the region's other instances; completes when the
     * announcement is acknowledged by the region's Kafka.
     */
    @Override
    public CompletableFuture<Void> changed(String namespace, String id) {
        tier.invalidate(namespace, id);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key(namespace, id), new byte[0]), (md, e) -> {
                if (e == null) {
                    sent.inc();
                    done.complete(null);
                } else {
                    sendFailures.inc();
                    done.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            sendFailures.inc();
            done.completeExceptionally(e);
        }
        return done;
    }

    /** Starts reading the topic (every partition, from its end) on a daemon thread. */
    public synchronized void start() {
        running.set(true);
        listener = new Thread(this::listen, "meridian-invalidations");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen() {
        List<TopicPartition> partitions = null;
        while (running.get() && partitions == null) {
            try {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                        .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("invalidation topic {} not readable yet ({}); dropping the whole cache and retrying", topic,
                        e.toString());
                tier.invalidateAll();
                partitions = null;
            }
        }
        while (running.get()) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    byte[] k = r.key();
                    int sep = indexOf(k);
                    if (sep < 0) {
                        continue; // not ours
                    }
                    tier.invalidate(new String(k, 0, sep, StandardCharsets.UTF_8),
                            new String(k, sep + 1, k.length - sep - 1, StandardCharsets.UTF_8));
                    received.inc();
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("reading invalidations failed ({}); dropping the whole cache", e.toString());
                tier.invalidateAll();
            }
        }
    }

    private static int indexOf(byte[] k) {
        if (k == null) {
            return -1;
        }
        for (int i = 0; i < k.length; i++) {
            if (k[i] == SEPARATOR) {
                return i;
            }
        }
        return -1;
    }

    /** Counters for the API: received, sent, send failures. */
    public Map<String, Long> counters() {
        return Map.of("received", received.getCount(), "sent", sent.getCount(), "sendFailures", sendFailures.getCount());
    }

    @Override
    public synchronized void close() {
        running.set(false);
        consumer.wakeup();
        if (listener != null) {
            try {
                listener.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
