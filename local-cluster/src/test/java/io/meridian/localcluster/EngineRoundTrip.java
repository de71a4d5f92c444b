package io.meridian.localcluster;


import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/** CQL and Kafka round trips against one region's real engines, shared by the integration tests. */
final class EngineRoundTrip {

    private EngineRoundTrip() { }

    static CqlSession cql(RegionEndpoints r) {
        return CqlSession.builder().addContactPoint(new InetSocketAddress(r.cassandraHost(), r.cassandraPort()))
                .withLocalDatacenter(r.dataCenter()).build();
    }

    /** Creates keyspace.table in the region's data centre and writes one row. */
    static void writeRow(RegionEndpoints r, String keyspace, String id, String value) {
        try (CqlSession s = cql(r)) {
            s.execute("CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = "
                    + "{'class': 'NetworkTopologyStrategy', '" + r.dataCenter() + "': 1}");
            s.execute("CREATE TABLE IF NOT EXISTS " + keyspace + ".kv (id text PRIMARY KEY, value text)");
            s.execute(s.prepare("INSERT INTO " + keyspace + ".kv (id, value) VALUES (?, ?)").bind(id, value));
        }
    }

    static String readRow(RegionEndpoints r, String keyspace, String id) {
        try (CqlSession s = cql(r)) {
            Row row = s.execute(s.prepare("SELECT value FROM " + keyspace + ".kv WHERE id = ?").bind(id)).one();
            return row == null ? null : row.getString("value");
        }
    }

    static void createTopic(RegionEndpoints r, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, r.kafkaBootstrap()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
    }

    /** Produces with acks=all and waits for the broker's acknowledgement. */
    static void produce(RegionEndpoints r, String topic, String key, String value) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, r.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(60, TimeUnit.SECONDS);
        }
    }

    /** Reads the topic from the beginning until {@code expected} values have arrived (or a generous deadline). */
    static List<String> consume(RegionEndpoints r, String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, r.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + topic + "-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            Awaitility.await("records of " + topic).atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, String> rec : consumer.poll(Duration.ofMillis(500))) {
                    values.add(rec.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
