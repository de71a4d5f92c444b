package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.Item;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.Bytes;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Records past one request (issue 15, large records), on real engines, shared cluster: a whole-record read is bounded
 * (422 record-too-large, pointing at paging) and the client's paging iterator reads the record whole; key lists travel
 * in the body, so thousands of keys are read and deleted in one call; a read past its deadline is not done.
 */
@ExtendWith(LocalClusterExtension.class)
class LargeRecordsIT {

    static final String NS = "large_records_it";
    static MeridianClient client;
    static RegionEndpoints a;

    @BeforeAll
    static void namespace(LocalCluster cluster) {
        a = cluster.regions().get(0);
        client = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl()))
                .operator(ClusterCredentials.OPERATOR, ClusterCredentials.of(cluster.directory()).operator()).build();
        client.createNamespace(NS);
    }

    @Test
    void aRecordLargerThanOneReadIsRefusedWholeAndReadWholeInPages() {
        byte[] value = new byte[1024 * 1024 - 16];
        for (int i = 0; i < 5; i++) { // 5 MiB in five writes: each within the 4 MiB request limit, the record past it
            java.util.Arrays.fill(value, (byte) ('a' + i));
            client.put(NS, "big", Map.of(Bytes.utf8("part-" + i), Bytes.wrap(value.clone())));
        }
        assertThatThrownBy(() -> client.get(NS, "big")).isInstanceOfSatisfying(MeridianClientException.InvalidRequest.class, e -> {
            assertThat(e.status()).isEqualTo(422);
            assertThat(e.recordTooLarge()).isTrue();
        }).hasMessageContaining("read the record in pages");
        List<Item> all = new ArrayList<>();
        client.items(NS, "big", null, null, 1024 * 1024, io.meridian.client.CallOptions.defaults()).forEach(all::add);
        assertThat(all).extracting(i -> i.key().toUtf8()).containsExactly("part-0", "part-1", "part-2", "part-3", "part-4");
        for (int i = 0; i < 5; i++) {
            assertThat(all.get(i).value().size()).isEqualTo(value.length);
            assertThat(all.get(i).value().unsafeArray()[value.length - 1]).isEqualTo((byte) ('a' + i));
        }
        assertThat(client.items(NS, "no-such-record")).as("a missing record iterates nothing").isEmpty();
        List<Bytes> parts = List.of(Bytes.utf8("part-0"), Bytes.utf8("part-1"), Bytes.utf8("part-2"), Bytes.utf8("part-3"),
                Bytes.utf8("part-4"));
        assertThatThrownBy(() -> client.get(NS, "big", parts)).as("chosen keys are bounded like the whole record")
                .isInstanceOfSatisfying(MeridianClientException.InvalidRequest.class, e -> assertThat(e.recordTooLarge()).isTrue());
        assertThat(client.get(NS, "big", parts.subList(0, 2)).items()).hasSize(2);
    }

    /**
     * A replacement ({@code deleteRecord} + puts) of a record of 300 items is seen whole or not at all by whole-record
     * reads (one isolated Cassandra read up to 5,000 items; a paged read would show half of each). Cache off, so
     * every read goes to Cassandra.
     */
    @Test
    void aRecordReplacedWhileItIsReadIsSeenWholeOrNotAtAll() throws Exception {
        client.createNamespace(new io.meridian.client.NamespaceSettings("large_records_uncached", 0, false, 0));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger generations = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int g = 0; g < 40 && !stop.get(); g++) {
                io.meridian.client.RecordChange.Builder change = io.meridian.client.RecordChange.builder().deleteRecord();
                for (int i = 0; i < 300; i++) {
                    change.put(Bytes.utf8(String.format("item-%03d", i)), Bytes.utf8("gen-" + g + "-" + "x".repeat(100)));
                }
                client.mutate("large_records_uncached", "replaced", change.build());
                generations.incrementAndGet();
            }
        }, "replacer");
        writer.start();
        int reads = 0;
        try {
            while (writer.isAlive() || reads == 0) {
                io.meridian.client.Record r;
                try {
                    r = client.get("large_records_uncached", "replaced");
                } catch (MeridianClientException.NotFound e) {
                    continue; // before the first write
                }
                reads++;
                assertThat(r.items()).as("read " + reads).hasSize(300);
                assertThat(r.items().stream().map(i -> i.value().toUtf8().split("-")[1]).distinct().toList())
                        .as("one generation per read (read %d)", reads).hasSize(1);
            }
        } finally {
            stop.set(true);
            writer.join(120_000);
        }
        System.out.printf("%d whole-record reads during %d replacements, each one generation%n", reads, generations.get());
        assertThat(generations.get()).isEqualTo(40);
    }

    @Test
    void thousandsOfKeysAreReadAndDeletedInOneCallEach() {
        Map<Bytes, Bytes> items = new HashMap<>();
        List<Bytes> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            Bytes key = Bytes.utf8(String.format("key-%05d-%s", i, "k".repeat(80)));
            keys.add(key);
            items.put(key, Bytes.utf8("v" + i));
        }
        client.put(NS, "many", items); // about 270 KB of keys: far past the 8 KiB a URL may take
        assertThat(client.get(NS, "many", keys).items()).hasSize(3000);
        client.deleteItems(NS, "many", keys.subList(0, 2999));
        assertThat(client.get(NS, "many").items()).singleElement().satisfies(i -> assertThat(i.key()).isEqualTo(keys.get(2999)));
    }

    @Test
    void aReadWhoseDeadlineHasPassedIsNotDone() throws Exception {
        client.put(NS, "timed", "k", "v");
        Http.Answer late = Http.send("GET", a.serverUrl() + "/v1/namespaces/" + NS + "/records/timed", null,
                Map.of("Meridian-Deadline-Ms", "0"));
        assertThat(late.status()).isEqualTo(504);
        assertThat(late.json().path("reason").asText()).isEqualTo("deadline-passed");
        Http.Answer bad = Http.send("GET", a.serverUrl() + "/v1/namespaces/" + NS + "/records/timed", null,
                Map.of("Meridian-Deadline-Ms", "soon"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(Http.send("GET", a.serverUrl() + "/v1/namespaces/" + NS + "/records/timed", null,
                Map.of("Meridian-Deadline-Ms", "5000")).status()).isEqualTo(200);
    }
}
