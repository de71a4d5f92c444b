package io.meridian.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.meridian.core.Bytes;
import io.meridian.store.StoreEndpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the engines alone cost for the work a Meridian write is made of, with no code of Meridian's on the path: the
 * floor under its latency on the same machine, measured in the same command as Meridian itself.
 * <ul>
 * <li>{@link #kafkaAppend()}: one record appended to the writing region's Kafka as the mutation log appends (acks=all,
 * idempotent, no linger);</li>
 * <li>{@link #logThenStore()}: that append, then, once acknowledged, the raw driver write into the region's Cassandra
 * (LOCAL_QUORUM, the write's own timestamp): the log-first write path with nothing else (no HTTP, no codec, no
 * checks);</li>
 * <li>{@link #shipped()}: the same, and completed only when a consumer of that log (one, in this JVM, reading the
 * writing region's Kafka directly, not through the fault proxy) has written the record into every other region's
 * Cassandra: replication by log shipping with nothing else (no applier bookkeeping, no invalidation, no poll read).</li>
 * </ul>
 * Each floor leaves out work Meridian must do, so Meridian can only be slower; how much slower is what is its own.
 */
final class EngineFloors implements AutoCloseable {

    static final String TOPIC = "meridian_bench_floor";

    private final String table;
    private final KafkaProducer<String, byte[]> producer;
    private final CqlSession local;
    private final PreparedStatement localInsert;
    private final List<CqlSession> remotes = new ArrayList<>();
    private final List<PreparedStatement> remoteInserts = new ArrayList<>();
    private final Map<String, CompletableFuture<Void>> shipping = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread shipper;
    private volatile boolean closed;

    /**
     * @param kafkaBootstrap the writing region's Kafka
     * @param local the writing region's Cassandra, where {@code meridian_bench.kv} exists
     * @param remotes every other region's Cassandra (the table is made there)
     */
    EngineFloors(String kafkaBootstrap, CqlSession local, String table, List<StoreEndpoint> remotes) {
        this.table = table;
        this.local = local;
        this.localInsert = insert(local);
        createTopic(kafkaBootstrap);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "meridian-bench-floor");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        for (StoreEndpoint e : remotes) {
            CqlSession s = e.connect();
            this.remotes.add(s);
            createTable(s, e.dataCenter());
            remoteInserts.add(insert(s));
        }
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "meridian-bench-floor-" + System.nanoTime());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // as the appliers read: the broker answers as soon as a record arrives
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1_000);
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(TOPIC));
        this.shipper = new Thread(this::ship, "meridian-bench-floor-shipper");
        shipper.setDaemon(true);
        // the consumer must hold its partitions before the first record is sent, or "latest" skips it
        waitForAssignment();
        shipper.start();
    }

    /** Creates the benchmark's table in a region's Cassandra (one replica in its data centre). */
    static void createTable(CqlSession s, String dataCenter) {
        s.execute("CREATE KEYSPACE IF NOT EXISTS meridian_bench WITH replication = {'class': "
                + "'NetworkTopologyStrategy', '" + dataCenter + "': 1}");
        s.execute("CREATE TABLE IF NOT EXISTS meridian_bench.kv (id text, key blob, value blob, PRIMARY KEY ((id), key))");
    }

    private PreparedStatement insert(CqlSession s) {
        return s.prepare("INSERT INTO " + table + " (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ?");
    }

    private static CompletionStage<?> write(CqlSession s, PreparedStatement insert, String id, byte[] value, long micros) {
        return s.executeAsync(insert.bind(id, ByteBuffer.wrap("v".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(value),
                micros).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    private static void createTopic(String bootstrap) {
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(a)) {
            // the mutation log's shape: 8 partitions, one replica (a region's Kafka is one broker here)
            admin.createTopics(List.of(new NewTopic(TOPIC, 8, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + TOPIC + ": " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create " + TOPIC + " within 30 s", e);
        }
    }

    private void waitForAssignment() {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumer.assignment().isEmpty()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("the floor's consumer got no partition of " + TOPIC + " within 60 s");
            }
            consumer.poll(Duration.ofMillis(100));
        }
        consumer.seekToEnd(consumer.assignment());
        consumer.assignment().forEach(consumer::position); // resolve "end" now, before anything is sent
    }

    private CompletableFuture<Void> append(String id, byte[] value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(TOPIC, id, value), (meta, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    WriteBenchmark.Writer kafkaAppend() {
        return (id, value) -> append(id, value.unsafeArray());
    }

    WriteBenchmark.Writer logThenStore() {
        return (id, value) -> {
            long micros = System.currentTimeMillis() * 1000;
            byte[] v = value.unsafeArray();
            return append(id, v).thenCompose(x -> write(local, localInsert, id, v, micros));
        };
    }

    WriteBenchmark.Writer shipped() {
        return (String id, Bytes value) -> {
            long micros = System.currentTimeMillis() * 1000;
            byte[] v = value.unsafeArray();
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the floor's consumer stopped"));
            }
            CompletableFuture<Void> everywhere = new CompletableFuture<>();
            shipping.put(id, everywhere);
            return append(id, v).thenCompose(x -> write(local, localInsert, id, v, micros)).thenCompose(x -> everywhere);
        };
    }

    /** The log-shipping consumer: every record read is written into every other region, then its send completes. */
    private void ship() {
        while (!closed) {
            try {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    CompletableFuture<Void> waiting = shipping.remove(r.key());
                    long micros = r.timestamp() * 1000;
                    List<CompletableFuture<?>> writes = new ArrayList<>();
                    for (int i = 0; i < remotes.size(); i++) {
                        writes.add(write(remotes.get(i), remoteInserts.get(i), r.key(), r.value(), micros).toCompletableFuture());
                    }
                    if (waiting != null) {
                        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> {
                            if (e != null) {
                                waiting.completeExceptionally(e);
                            } else {
                                waiting.complete(null);
                            }
                        });
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // no silent hang: every send still waiting fails, and so does every later one
                closed = true;
                shipping.values().forEach(f -> f.completeExceptionally(e));
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            shipper.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
        remotes.forEach(CqlSession::close);
        shipping.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed")));
    }
}
