package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Mutation;
import io.meridian.core.MutationCodec;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.store.StoreSchema;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Limits hold end to end (hardening issue, cases 1, 2 and 12): what the API accepts replicates to every
 * region, exactly at each limit; one byte (or one operation, one second of TTL) over is refused before the
 * log and changes nothing; a mutation that still cannot be applied (injected straight into the log, as a
 * bug or an older writer could) is dead-lettered and never stops replication; TTLs count from the
 * mutation's timestamp. Shared cluster (3 regions).
 */
@ExtendWith(LocalClusterExtension.class)
class LimitsIT {

    static final String NS = "limits_it";
    static final long SEED = 20261130L;
    static RegionEndpoints a;
    static RegionEndpoints b;
    static LocalCluster cluster;

    @BeforeAll
    static void namespace(LocalCluster c) throws Exception {
        cluster = c;
        a = c.regions().get(0);
        b = c.regions().get(1);
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS, "{}", Http.operator(c)).status()).isIn(200, 201);
        System.out.println("LimitsIT seed " + SEED);
    }

    static String url(RegionEndpoints r, String id) {
        return r.serverUrl() + "/v1/namespaces/" + NS + "/records/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static String item(byte[] key, byte[] value, Integer ttl) {
        return "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"" + (ttl == null ? "" : ",\"ttlSeconds\":" + ttl) + "}";
    }

    static byte[] random(int n, Random r) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Waits until record {@code id} reads in {@code r} as {@code expectedItems} items; returns the answer. */
    static Http.Answer awaitRecord(RegionEndpoints r, String id, int expectedItems) {
        Http.Answer[] last = new Http.Answer[1];
        Awaitility.await(id + " in " + r.region()).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            last[0] = Http.send("GET", url(r, id), null);
            return last[0].status() == 200 && last[0].json().path("items").size() == expectedItems;
        });
        return last[0];
    }

    @Test
    void aTtlBeyondCassandrasMaximumIsRefusedBeforeTheLogAndTheMaximumReplicates() throws Exception {
        long log = Http.logEnd(a.kafkaBootstrap());
        Http.Answer poison = Http.send("PUT", url(a, "ttl-poison"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), 700_000_000) + "]}");
        assertThat(poison.status()).isEqualTo(400);
        assertThat(poison.json().path("message").asText()).contains("items[0].ttlSeconds").contains("630720000");
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);

        // Cassandra stores no expiration after 2038-01-19 (CASSANDRA-14092): the TTL that reaches past it is refused
        // before the log too, and the largest that does not is written and replicated
        long latest = Limits.MAX_EXPIRATION_EPOCH_SECONDS - System.currentTimeMillis() / 1000;
        Http.Answer beyond = Http.send("PUT", url(a, "ttl-beyond"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(),
                (int) latest + 60) + "]}");
        assertThat(beyond.status()).as(beyond.body()).isEqualTo(400);
        assertThat(beyond.json().path("message").asText()).contains("2038-01-19T03:14:06Z");
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);
        Http.Answer max = Http.send("PUT", url(a, "ttl-max"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(),
                (int) latest - 60) + "]}");
        assertThat(max.status()).as(max.body()).isEqualTo(200);
        Http.Answer replica = awaitRecord(b, "ttl-max", 1);
        assertThat(replica.json().path("items").path(0).path("ttlSeconds").asLong()).as("the TTL left reads back in the other region")
                .isBetween(latest - 60 - 3_600, latest - 60);
    }

    @Test
    void aNamespaceDefaultTtlBeyondTheMaximumIsRefused() throws Exception {
        Http.Answer create = Http.send("PUT", a.serverUrl() + "/v1/namespaces/limits_it_ttl", "{\"defaultTtlSeconds\": 700000000}",
                Http.operator(cluster));
        assertThat(create.status()).isEqualTo(400);
        assertThat(create.json().path("message").asText()).contains("defaultTtlSeconds");
        assertThat(Http.send("GET", a.serverUrl() + "/v1/namespaces/limits_it_ttl", null).status()).isEqualTo(404);
    }

    /**
     * A write at a limit, sent as the client library sends it: one idempotency token, and a 503 (a batch this large
     * can time out in Cassandra on a loaded machine: "in the log, not applied yet") retried with the same token until
     * it is answered. A limit that does not hold answers 413 or 400, which is not retried.
     */
    private static Http.Answer sendLikeAClient(String method, String url, String body) throws Exception {
        Map<String, String> token = Map.of("Idempotency-Token", new IdempotencyToken.Generator(java.time.Clock.systemUTC()).next().toString());
        Http.Answer[] last = {null};
        Awaitility.await(method + " " + url).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            last[0] = Http.send(method, url, body, token);
            return last[0].status() != 503;
        });
        return last[0];
    }

    @Test
    void tenThousandOperationsReplicateAndOneMoreIsRefused() throws Exception {
        StringBuilder deletes = new StringBuilder();
        for (int i = 0; i < Limits.MAX_OPERATIONS; i++) {
            deletes.append(i == 0 ? "" : ",").append('"').append(b64(("d" + i).getBytes())).append('"');
        }
        long log = Http.logEnd(a.kafkaBootstrap());
        Http.Answer over = Http.send("POST", url(a, "many-ops") + "/mutate", "{\"puts\":[" + item("p".getBytes(), "v".getBytes(), null)
                + "],\"deletes\":[" + deletes + "]}");
        assertThat(over.status()).isEqualTo(413);
        assertThat(over.json().path("message").asText()).contains("10001 operations").contains("limit is 10000");
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);

        int lastComma = deletes.lastIndexOf(",");
        Http.Answer exactly = sendLikeAClient("POST", url(a, "many-ops") + "/mutate", "{\"puts\":[" + item("p".getBytes(), "v".getBytes(), null)
                + "],\"deletes\":[" + deletes.substring(0, lastComma) + "]}");
        assertThat(exactly.status()).as(exactly.body()).isEqualTo(200);
        awaitRecord(b, "many-ops", 1);
    }

    @Test
    void aValueOfExactlyOneMibIsWrittenAndReadBackInTheOtherRegion() throws Exception {
        byte[] value = random(Limits.MAX_VALUE_BYTES, new Random(SEED));
        Http.Answer put = sendLikeAClient("PUT", url(a, "one-mib"), "{\"items\":[" + item("k".getBytes(), value, null) + "]}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        Http.Answer read = awaitRecord(b, "one-mib", 1);
        assertThat(Base64.getDecoder().decode(read.json().path("items").get(0).path("value").asText())).isEqualTo(value);
    }

    @Test
    void aMutateOfExactlyFourMibReplicatesAndOneByteMoreIs413() throws Exception {
        Random r = new Random(SEED + 1);
        String id = "four-mib";
        // id + four keys + four values = 4 MiB exactly
        int keyBytes = 4;
        int valueBytes = (Limits.MAX_REQUEST_BYTES - id.length() - 4 * keyBytes) / 4;
        int rest = Limits.MAX_REQUEST_BYTES - id.length() - 4 * keyBytes - 4 * valueBytes;
        List<byte[]> values = new ArrayList<>();
        StringBuilder puts = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            byte[] v = random(valueBytes + (i == 0 ? rest : 0), r);
            values.add(v);
            puts.append(i == 0 ? "" : ",").append(item(("key" + i).getBytes(), v, null));
        }
        assertThat(id.length() + 4 * keyBytes + values.stream().mapToInt(v -> v.length).sum()).isEqualTo(Limits.MAX_REQUEST_BYTES);

        long log = Http.logEnd(a.kafkaBootstrap());
        // one more item of a 1-byte key and an empty value: 4 MiB + 1 byte
        Http.Answer over = Http.send("POST", url(a, id) + "/mutate", "{\"puts\":[" + puts + "," + item("x".getBytes(), new byte[0], null) + "]}");
        assertThat(over.status()).as(over.body()).isEqualTo(413);
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);

        Http.Answer put = sendLikeAClient("POST", url(a, id) + "/mutate", "{\"puts\":[" + puts + "]}");
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        Http.Answer read = awaitRecord(b, id, 4);
        for (int i = 0; i < 4; i++) {
            assertThat(Base64.getDecoder().decode(read.json().path("items").get(i).path("value").asText()))
                    .as("value " + i).isEqualTo(values.get(i));
        }
    }

    @Test
    void ttlCountsFromTheMutationTimestampInEveryRegion() throws Exception {
        long thirtySecondsAgo = System.currentTimeMillis() * 1000 - 30_000_000L;
        Map<String, String> oldToken = Map.of("Idempotency-Token", new IdempotencyToken(thirtySecondsAgo, 11).toString());
        Http.Answer expired = Http.send("PUT", url(a, "ttl-expired"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), 10) + "]}",
                oldToken);
        assertThat(expired.status()).isEqualTo(200);
        Map<String, String> otherOldToken = Map.of("Idempotency-Token", new IdempotencyToken(thirtySecondsAgo, 12).toString());
        Http.Answer living = Http.send("PUT", url(a, "ttl-living"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), 100) + "]}",
                otherOldToken);
        assertThat(living.status()).isEqualTo(200);
        awaitRecord(b, "ttl-living", 1);
        for (RegionEndpoints r : List.of(a, b)) {
            assertThat(Http.send("GET", url(r, "ttl-expired"), null).status()).as("expired item in " + r.region()).isEqualTo(404);
            try (CqlSession s = r.store().connect()) {
                Row row = s.execute("SELECT ttl(value) AS t FROM " + StoreSchema.defaultNamespaceTable(NS) + " WHERE id = 'ttl-living'").one();
                assertThat(row).isNotNull();
                assertThat(row.getInt("t")).as("remaining TTL in " + r.region()).isBetween(1, 70);
            }
        }
    }

    @Test
    void aMutationThatCannotBeAppliedIsDeadLetteredEverywhereAndReplicationGoesOn() throws Exception {
        // what validation now refuses, written straight into region-a's log (an older writer, a bug); twice, so a
        // discard can be shown to resolve only the letters it read and named
        long t1 = System.currentTimeMillis() * 1000;
        long t2 = t1 + 1;
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.kafkaBootstrap(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            // one record id, so one partition: dead-lettered in this order
            for (Mutation poison : List.of(poison("poison", t1), poison("poison", t2))) {
                p.send(new ProducerRecord<>("meridian.mutations", poison.logKey(), MutationCodec.encode(poison))).get(30, TimeUnit.SECONDS);
            }
        }
        // a normal write of the same record (same partition, behind the poison) reaches the other region in seconds
        long t0 = System.nanoTime();
        assertThat(Http.send("PUT", url(a, "poison"), "{\"items\":[" + item("after".getBytes(), "ok".getBytes(), null) + "]}")
                .status()).isEqualTo(200);
        awaitRecord(b, "poison", 1);
        System.out.printf("write behind a poison mutation visible in %s after %d ms%n", b.region(), (System.nanoTime() - t0) / 1_000_000);
        for (RegionEndpoints r : cluster.regions()) {
            Awaitility.await("dead letter in " + r.region()).atMost(Duration.ofSeconds(60)).until(() ->
                    Http.send("GET", r.serverUrl() + "/v1/replication", null, Http.operator(cluster)).json()
                            .path("openDeadLetters").asLong() >= 2);
        }
        // an alert, never a failed region: the router still takes commands and the region still serves
        Awaitility.await("degraded with the alert").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Answer health = Http.send("GET", b.serverUrl() + "/v1/router/health", null, Http.operator(cluster));
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.json().path("level").asText()).isEqualTo("DEGRADED");
            assertThat(health.json().path("alerts").toString()).contains("open dead letter");
        });
        Http.Answer evacuate = Http.send("POST", a.serverUrl() + "/v1/router/evacuate", "{\"region\":\"region-b\",\"steps\":[25,50,100],"
                + "\"bakeSeconds\":600,\"reason\":\"poison must not freeze failover\"}", Http.operator(cluster));
        assertThat(evacuate.status()).as(evacuate.body()).isEqualTo(200);
        assertThat(Http.send("POST", a.serverUrl() + "/v1/router/abort", "{\"reason\":\"test over\"}", Http.operator(cluster))
                .status()).isEqualTo(200);
        // the operator sees the letters, a replay fails again for the same reason, a discard resolves them
        for (RegionEndpoints r : cluster.regions()) {
            Http.send("POST", r.serverUrl() + "/v1/replication/needs-repair/clear", "{\"reason\":\"LimitsIT starts unmarked\"}",
                    Http.operator(cluster));
            Http.Answer list = Http.send("GET", r.serverUrl() + "/v1/replication/dead-letters", null, Http.operator(cluster));
            assertThat(list.status()).isEqualTo(200);
            assertThat(list.body()).contains("\"id\":\"poison\"").contains("\"timestampMicros\":" + t2).contains("ttl");
            long firstOffset = list.json().path(0).path("offset").asLong();
            assertThat(list.json().path(0).path("timestampMicros").asLong()).isEqualTo(t1);
            Http.Answer replay = Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/replay", "{}", Http.operator(cluster));
            assertThat(replay.json().path("failedOffset").asLong()).as(replay.body()).isEqualTo(firstOffset);
            Http.Answer noReason = Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard", "{}", Http.operator(cluster));
            assertThat(noReason.status()).isEqualTo(400);
            assertThat(Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard", "{\"through\":-1,\"reason\":\"x\"}",
                    Http.operator(cluster)).status()).isEqualTo(400);
            // a discard resolves exactly the letters it read, and marks the region naming them: any letter may be a
            // write some region acknowledged (region-a's own too: a write answered 503 "durable" is in its log)
            Http.Answer first = Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard", "{\"through\":" + firstOffset
                    + ",\"reason\":\"poison injected by LimitsIT\"}", Http.operator(cluster));
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            assertThat(first.json().path("resolved").asLong()).as(first.body()).isEqualTo(1);
            assertThat(first.json().path("open").asLong()).as("the second letter was not read, so stays open: " + first.body())
                    .isGreaterThanOrEqualTo(1);
            String mark = first.json().path("mark").asText();
            assertThat(mark).as(r.region().toString()).contains("discarded 1 dead letter(s)").contains("(" + NS + "/poison@" + t1
                    + " from region-a)").doesNotContain("@" + t2).contains("meridian repair");
            assertThat(first.json().path("needsRepair").asText()).isEqualTo(mark);
            JsonNode status = Http.send("GET", r.serverUrl() + "/v1/replication", null, Http.operator(cluster)).json();
            assertThat(status.path("repairMarkNeedsOperator").asBoolean()).as("a repair cannot know: an operator clears it").isTrue();
            Http.Answer rest = Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard",
                    "{\"reason\":\"poison injected by LimitsIT\"}", Http.operator(cluster));
            assertThat(rest.json().path("resolved").asLong()).as(rest.body()).isGreaterThanOrEqualTo(1);
            assertThat(rest.json().path("open").asLong()).as(rest.body()).isZero();
            assertThat(rest.json().path("mark").asText()).contains(NS + "/poison@" + t2 + " from region-a");
            // the second incident changed the mark: a clear naming the first one is refused and changes nothing
            String both = mark + " (and 1 later incident)";
            assertThat(rest.json().path("needsRepair").asText()).isEqualTo(both);
            Http.Answer stale = Http.send("POST", r.serverUrl() + "/v1/replication/needs-repair/clear",
                    Http.JSON.writeValueAsString(Map.of("reason", "LimitsIT: seen before the second incident", "expected", mark)),
                    Http.operator(cluster));
            assertThat(stale.status()).as(stale.body()).isEqualTo(409);
            assertThat(stale.json().path("message").asText()).contains("(and 1 later incident)");
            assertThat(Http.send("GET", r.serverUrl() + "/v1/replication", null, Http.operator(cluster)).json().path("needsRepair")
                    .asText()).isEqualTo(both);
            Http.Answer clear = Http.send("POST", r.serverUrl() + "/v1/replication/needs-repair/clear",
                    Http.JSON.writeValueAsString(Map.of("reason", "LimitsIT: nothing missing", "expected", both)), Http.operator(cluster));
            assertThat(clear.status()).as(clear.body()).isEqualTo(200);
            assertThat(clear.json().path("needsRepair").isNull()).as(clear.body()).isTrue();
        }
    }

    static Mutation poison(String id, long timestampMicros) {
        return new Mutation(NS, id, List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("v"), 700_000_000)), timestampMicros,
                RegionId.of(a.region().name()), 42, Mutation.CURRENT_SCHEMA_VERSION);
    }
}
