package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.client.Item;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cross-region appliers on the shared cluster (3 regions in this module): G2/G3 and the fault paths. */
@ExtendWith(LocalClusterExtension.class)
class ReplicationIT {

    static final String NS = "replication_it";
    static RegionEndpoints a;
    static RegionEndpoints b;
    static MeridianClient inA;
    static MeridianClient inB;

    private static LocalCluster theCluster;

    @BeforeAll
    static void clients(LocalCluster cluster) {
        theCluster = cluster;
        a = cluster.regions().get(0);
        b = cluster.regions().get(1);
        inA = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl())).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build();
        inB = MeridianClient.builder().homeRegion(b.region()).endpoint(b.region(), URI.create(b.serverUrl()))
                .credentials(io.meridian.localcluster.ClusterCredentials.APP, io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app()).build();
        inA.createNamespace(NS);
    }

    static Optional<Item> item(MeridianClient c, String ns, String id, String key) {
        try {
            return c.get(ns, id, List.of(Bytes.utf8(key))).items().stream().findFirst();
        } catch (MeridianClientException.NotFound e) {
            return Optional.empty();
        }
    }

    @Test
    void aWriteInOneRegionBecomesReadableInTheOtherWithItsTimestamp() {
        long ta = inA.put(NS, "from-a", "k", "written in a").timestamp();
        long tb = inB.put(NS, "from-b", "k", "written in b").timestamp();
        Awaitility.await("a -> b").atMost(Duration.ofSeconds(60)).until(() -> item(inB, NS, "from-a", "k").isPresent());
        Awaitility.await("b -> a").atMost(Duration.ofSeconds(60)).until(() -> item(inA, NS, "from-b", "k").isPresent());
        assertThat(item(inB, NS, "from-a", "k").get().timestamp()).isEqualTo(ta);
        assertThat(item(inA, NS, "from-b", "k").get().timestamp()).isEqualTo(tb);
    }

    /**
     * The own log's applier does not write a local write a second time (capacity issue): it waits for the write path's
     * outcome of exactly that record and skips it once the write path applied it. (That a write whose local apply
     * did not happen is applied by the applier is ServerCrashIT's, with the server halted after the append.)
     */
    @Test
    void theOwnApplierSkipsTheWritesItsWritePathApplied() throws Exception {
        // the own applier holds every partition and is read up (after a server restart of an earlier test, the group
        // waits for the dead member's session to expire first)
        Awaitility.await("own applier assigned and read up").atMost(Duration.ofSeconds(120)).until(() -> {
            JsonNode own = ownSource();
            return own.path("assignedPartitions").asInt() > 0 && own.path("assignedPartitions").asInt() == own.path("topicPartitions")
                    .asInt() && own.path("lagOffsets").asLong() == 0;
        });
        long skippedBefore = ownSource().path("skippedOwnWrites").asLong();
        long appliedBefore = ownSource().path("applied").asLong();
        int writes = 40;
        for (int i = 0; i < writes; i++) {
            inA.put(NS, "own-" + i, "k", "v" + i);
        }
        // each record is either skipped or applied again: wait until every one of ours was skipped
        Awaitility.await("own log read up, every local write skipped").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode own = ownSource();
            assertThat(own.path("skippedOwnWrites").asLong() - skippedBefore).as("since the writes began: " + own + "; applied "
                    + (own.path("applied").asLong() - appliedBefore)).isGreaterThanOrEqualTo(writes);
        });
        JsonNode own = ownSource();
        long skipped = own.path("skippedOwnWrites").asLong() - skippedBefore;
        long applied = own.path("applied").asLong() - appliedBefore;
        System.out.printf("own applier of %s: %d of %d local writes skipped, %d applied again%n", a.region(), skipped, writes, applied);
        for (int i = 0; i < writes; i++) {
            assertThat(item(inA, NS, "own-" + i, "k").map(x -> x.value().toUtf8())).hasValue("v" + i);
        }
    }

    static JsonNode ownSource() throws Exception {
        for (JsonNode s : Http.send("GET", a.serverUrl() + "/v1/replication", null, Http.operator(theCluster)).json().path("sources")) {
            if (s.path("source").asText().equals(a.region().name())) {
                return s;
            }
        }
        throw new AssertionError("no own source in " + a.region());
    }

    @Test
    void concurrentWritesToOneItemConvergeToTheHighestTimestampInEveryRegion() throws Exception {
        long now = System.currentTimeMillis() * 1000;
        IdempotencyToken earlier = new IdempotencyToken(now - 5_000, 1);
        IdempotencyToken later = new IdempotencyToken(now, 2);
        String body = "{\"items\":[{\"key\":\"" + Bytes.utf8("v").toBase64() + "\",\"value\":\"%s\"}]}";
        // the later write arrives first, in region-b; the earlier one afterwards, in region-a
        assertThat(Http.send("PUT", b.serverUrl() + "/v1/namespaces/" + NS + "/records/lww", String.format(body,
                Bytes.utf8("later, from b").toBase64()), Map.of("Idempotency-Token", later.toString())).status()).isEqualTo(200);
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS + "/records/lww", String.format(body,
                Bytes.utf8("earlier, from a").toBase64()), Map.of("Idempotency-Token", earlier.toString())).status()).isEqualTo(200);
        for (MeridianClient c : List.of(inA, inB)) {
            Awaitility.await("convergence").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(item(c, NS, "lww", "v").map(i -> i.value().toUtf8())).hasValue("later, from b"));
        }
        // and both items of a record written in different regions survive side by side
        inA.put(NS, "two-items", "left", "a");
        inB.put(NS, "two-items", "right", "b");
        for (MeridianClient c : List.of(inA, inB)) {
            Awaitility.await("both items").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(c.get(NS, "two-items").items()).hasSize(2));
        }
    }

    @Test
    void aMutationForANamespaceMissingHereIsHeldNotSkippedAndLandsOnceItExists() throws Exception {
        String ns = "held_it";
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + ns + "?scope=local", "{}", Http.operator(theCluster)).status()).isEqualTo(201);
        try {
            inA.put(ns, "r", "k", "waits for the namespace");
            Awaitility.await("held").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Http.Answer health = Http.send("GET", b.serverAdminUrl() + "/healthcheck", null);
                assertThat(health.status()).isEqualTo(500);
                assertThat(health.json().path("replication").path("message").asText()).contains("CRITICAL", "held_it");
            });
        } finally {
            for (RegionEndpoints other : theCluster.regions().subList(1, theCluster.regions().size())) {
                assertThat(Http.send("PUT", other.serverUrl() + "/v1/namespaces/" + ns + "?scope=local", "{}", Http.operator(theCluster))
                        .status()).isIn(200, 201);
            }
        }
        Awaitility.await("released").atMost(Duration.ofSeconds(60)).until(() -> item(inB, ns, "r", "k").isPresent());
        Awaitility.await("healthy again").atMost(Duration.ofSeconds(60)).until(() ->
                Http.send("GET", b.serverAdminUrl() + "/healthcheck", null).status() == 200);
    }

    @Test
    void aMalformedMessageIsDeadLetteredWithItsCoordinatesAndReplicationGoesOn() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("meridian.mutations", "poison".getBytes(), "not a mutation".getBytes()))
                    .get(30, TimeUnit.SECONDS);
        }
        inA.put(NS, "after-poison", "k", "still replicated");
        Awaitility.await("replication goes on").atMost(Duration.ofSeconds(60))
                .until(() -> item(inB, NS, "after-poison", "k").isPresent());

        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.kafkaBootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + System.nanoTime());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("meridian.deadletters"));
            ConsumerRecord<byte[], byte[]>[] found = new ConsumerRecord[1];
            Awaitility.await("dead letter in region-b").atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if ("poison".equals(new String(r.key(), StandardCharsets.UTF_8))) {
                        found[0] = r;
                    }
                }
                return found[0] != null;
            });
            assertThat(header(found[0], "meridian.source-region")).isEqualTo(a.region().name());
            assertThat(header(found[0], "meridian.source-topic")).isEqualTo("meridian.mutations");
            assertThat(header(found[0], "meridian.source-offset")).matches("\\d+");
            assertThat(header(found[0], "meridian.error")).contains("not a Meridian mutation");
            assertThat(new String(found[0].value(), StandardCharsets.UTF_8)).isEqualTo("not a mutation");
        }
        // an operator resolves the incident in every region (it is one in each)
        for (RegionEndpoints r : theCluster.regions()) {
            Awaitility.await("dead letter counted in " + r.region()).atMost(Duration.ofSeconds(60)).until(() ->
                    Http.send("GET", r.serverUrl() + "/v1/replication", null, Http.operator(theCluster)).json().path("openDeadLetters")
                            .asLong() >= 1);
            assertThat(Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard", "{\"reason\":\"test poison\"}",
                    Http.operator(theCluster)).json().path("open").asLong()).isZero();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
