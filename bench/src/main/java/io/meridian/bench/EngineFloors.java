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
import org.apache.kafka.common.TopicPartition;
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
 * <li>{@link #shipped()}: the same (on a log of its own), completed only when a consumer of that log (one, in this JVM,
 * assigned every partition, reading the writing region's Kafka directly, not through the fault proxy) has written the
 * record into every other region's Cassandra: replication by log shipping with nothing else (no applier bookkeeping,
 * no invalidation, no poll read). It is the floor of a write's visibility everywhere, not of its acknowledgement.</li>
 * </ul>
 * Each floor leaves out work Meridian must do (the first two: of a write's acknowledgement; the third: of its visibility),
 * so Meridian can only be slower than the matching floor; how much slower is what is its own.
 */
final class EngineFloors implements AutoCloseable {

    /** The log of the first two floors: nothing reads it. */
    static final String TOPIC = "meridian_bench_floor";
    /** The log of {@link #shipped()}: read by the floor's consumer, and only written while that floor is measured. */
    static final String SHIPPED_TOPIC = "meridian_bench_floor_shipped";
    /** A shipped write not written everywhere within this long fails (a lost record must not hang the run). */
    private static final Duration SHIP_TIMEOUT = Duration.ofSeconds(30);

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
    private volatile Throwable shipperFailed;

    /**
     * @param kafkaBootstrap the writing region's Kafka
     * @param local the writing region's Cassandra, where the table exists (not closed here)
     * @param remotes every other region's Cassandra (the table is made there)
     */
    EngineFloors(String kafkaBootstrap, CqlSession local, String table, List<StoreEndpoint> remotes) {
        this.table = table;
        this.local = local;
        this.localInsert = insert(local);
        createTopics(kafkaBootstrap);
        KafkaProducer<String, byte[]> p = null;
        KafkaConsumer<String, byte[]> c = null;
        try {
            p = new KafkaProducer<>(producerSettings(kafkaBootstrap), new StringSerializer(), new ByteArraySerializer());
            for (StoreEndpoint e : remotes) {
                CqlSession s = e.connect();
                this.remotes.add(s);
                createTable(s, e.dataCenter());
                remoteInserts.add(insert(s));
            }
            Properties cp = new Properties();
            cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
            cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            cp.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES);
            // as the appliers read: the broker answers as soon as a record arrives
            cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1_000);
            c = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
            // assigned, not subscribed: no group, no rebalance that could skip a record; from the end as of now, resolved
            // before anything is sent
            List<TopicPartition> partitions = List.of();
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.isEmpty() && System.nanoTime() < until) { // a topic just made may not be in the metadata yet
                partitions = c.partitionsFor(SHIPPED_TOPIC, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            if (partitions.isEmpty()) {
                throw new IllegalStateException(SHIPPED_TOPIC + " has no partition after 30 s");
            }
            c.assign(partitions);
            c.seekToEnd(partitions);
            for (TopicPartition tp : partitions) {
                c.position(tp, Duration.ofSeconds(30));
            }
        } catch (RuntimeException e) {
            if (c != null) {
                c.close(Duration.ZERO);
            }
            if (p != null) {
                p.close(Duration.ZERO);
            }
            this.remotes.forEach(CqlSession::close);
            throw e;
        }
        this.producer = p;
        this.consumer = c;
        this.shipper = new Thread(this::ship, "meridian-bench-floor-shipper");
        shipper.setDaemon(true);
        shipper.start();
    }

    /** The mutation log's producer: {@code Producers.durable} and {@code MutationLog}'s own settings (the default timeouts). */
    private static Properties producerSettings(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, io.meridian.core.Limits.MAX_LOG_RECORD_BYTES + 64 * 1024);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "meridian-bench-floor");
        return p;
    }

    /** Creates the benchmark's table in a region's Cassandra (one replica in its data centre). */
    static void createTable(CqlSession s, String dataCenter) {
        s.execute("CREATE KEYSPACE IF NOT EXISTS meridian_bench WITH replication = {'class': "
                + "'NetworkTopologyStrategy', '" + dataCenter + "': 1}");
        s.execute("CREATE TABLE IF NOT EXISTS meridian_bench.kv (id text, key blob, value blob, PRIMARY KEY ((id), key))");
    }

    private PreparedStatement insert(CqlSession s) {
        return insert(s, table);
    }

    /** The benchmark's write: one item {@code v} of record {@code id}, with the write's timestamp. */
    static PreparedStatement insert(CqlSession s, String table) {
        return s.prepare("INSERT INTO " + table + " (id, key, value) VALUES (?, ?, ?) USING TIMESTAMP ?");
    }

    /** Runs an {@link #insert} at LOCAL_QUORUM. */
    static CompletionStage<?> write(CqlSession s, PreparedStatement insert, String id, byte[] value, long micros) {
        return s.executeAsync(insert.bind(id, ByteBuffer.wrap("v".getBytes(StandardCharsets.US_ASCII)), ByteBuffer.wrap(value),
                micros).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM));
    }

    private static void createTopics(String bootstrap) {
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(a)) {
            for (String topic : List.of(TOPIC, SHIPPED_TOPIC)) {
                // the mutation log's shape: 8 partitions, one replica (a region's Kafka is one broker here), its record limit
                NewTopic t = new NewTopic(topic, 8, (short) 1).configs(Map.of("max.message.bytes",
                        String.valueOf(io.meridian.core.Limits.MAX_LOG_RECORD_BYTES + 64 * 1024)));
                try {
                    admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + topic + ": " + e.getCause(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot create the floors' topics within 30 s", e);
        }
    }

    private CompletableFuture<Void> append(String topic, String id, byte[] value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic, id, value), (meta, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(null);
            }
        });
        return done;
    }

    WriteBenchmark.Writer kafkaAppend() {
        return (id, value) -> append(TOPIC, id, value.unsafeArray());
    }

    /**
     * The append, then the write. The write is started on the producer's I/O thread that completes the append (a
     * driver call only queues the request): one thread hop fewer than a server whose request thread waits for the
     * append, which is what a floor may leave out.
     */
    WriteBenchmark.Writer logThenStore() {
        return (id, value) -> {
            long micros = System.currentTimeMillis() * 1000;
            byte[] v = value.unsafeArray();
            return append(TOPIC, id, v).thenCompose(x -> write(local, localInsert, id, v, micros));
        };
    }

    /** {@link #logThenStore()}, completed only once the consumer has written the record into every other region. */
    WriteBenchmark.Writer shipped() {
        return (String id, Bytes value) -> {
            long micros = System.currentTimeMillis() * 1000;
            byte[] v = value.unsafeArray();
            CompletableFuture<Void> everywhere = new CompletableFuture<Void>().orTimeout(SHIP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            everywhere.whenComplete((x, e) -> shipping.remove(id, everywhere)); // also when the append fails or it times out
            shipping.put(id, everywhere);
            Throwable failed = shipperFailed;
            if (failed != null || closed) { // checked after the put: a failure of the shipper before it is seen here
                everywhere.completeExceptionally(failed != null ? failed : new IllegalStateException("the floors are closed"));
            }
            CompletableFuture<?> stored = append(SHIPPED_TOPIC, id, v).thenCompose(x -> write(local, localInsert, id, v, micros));
            stored.whenComplete((x, e) -> {
                if (e != null) {
                    everywhere.completeExceptionally(e);
                }
            });
            return stored.thenCompose(x -> everywhere);
        };
    }

    /** The log-shipping consumer: every record read is written into every other region, then its send completes. */
    private void ship() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    CompletableFuture<Void> waiting = shipping.get(r.key());
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
            }
        } catch (WakeupException e) {
            // closed
        } catch (Throwable e) {
            // no silent hang: every send still waiting fails, and so does every later one (checked after its put)
            shipperFailed = e;
            shipping.values().forEach(f -> f.completeExceptionally(e));
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
        if (!shipper.isAlive()) { // a consumer must not be closed while another thread is inside it
            quietly(() -> consumer.close(Duration.ofSeconds(5)));
        }
        quietly(() -> producer.close(Duration.ofSeconds(5)));
        remotes.forEach(s -> quietly(s::close));
        shipping.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed")));
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            System.err.println("closing a floor's client: " + e);
        }
    }
}
