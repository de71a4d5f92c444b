package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.client.Item;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.Page;
import io.meridian.client.Record;
import io.meridian.client.RecordChange;
import io.meridian.client.WriteResult;
import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every operation of the data API in one region, on real Cassandra and Kafka behind a real server. */
@ExtendWith(LocalClusterExtension.class)
class DataApiIT {

    static final String NS = "data_api_it";
    static RegionEndpoints a;
    static MeridianClient client;

    @BeforeAll
    static void createNamespace(LocalCluster cluster) {
        a = cluster.regions().get(0);
        client = MeridianClient.builder().homeRegion(a.region()).endpoint(a.region(), URI.create(a.serverUrl())).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).build();
        client.createNamespace(NS);
    }

    static Bytes b(String s) {
        return Bytes.utf8(s);
    }

    @Test
    void namespaceIsCreatedInEveryRegionAndCreationIsIdempotent(LocalCluster cluster) {
        assertThat(client.createNamespace(NS).name()).isEqualTo(NS);
        for (RegionEndpoints r : cluster.regions()) {
            MeridianClient there = MeridianClient.builder().homeRegion(r.region()).endpoint(r.region(), URI.create(r.serverUrl()))
                    .credentials(io.meridian.localcluster.ClusterCredentials.APP, io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app()).build();
            assertThat(there.describeNamespace(NS).name()).isEqualTo(NS);
            assertThat(there.listNamespaces()).extracting(s -> s.name()).contains(NS);
        }
    }

    @Test
    void putThenGetAllItemsAndChosenKeys() {
        WriteResult w = client.put(NS, "rec-1", Map.of(b("name"), b("Ada"), b("city"), b("London"), b("lang"), b("en")));
        assertThat(w.region()).isEqualTo(a.region());
        Record all = client.get(NS, "rec-1");
        assertThat(all.items()).extracting(i -> i.key().toUtf8()).containsExactly("city", "lang", "name");
        assertThat(all.items()).allSatisfy(i -> assertThat(i.timestamp()).isEqualTo(w.timestamp()));
        assertThat(all.text("name")).hasValue("Ada");
        Record chosen = client.get(NS, "rec-1", List.of(b("name"), b("missing")));
        assertThat(chosen.items()).extracting(i -> i.value().toUtf8()).containsExactly("Ada");
    }

    @Test
    void writesToDifferentItemsOfOneRecordNeverOverwriteEachOther() {
        client.put(NS, "rec-2", "a", "1");
        client.put(NS, "rec-2", "b", "2");
        assertThat(client.get(NS, "rec-2").items()).extracting(i -> i.value().toUtf8()).containsExactly("1", "2");
    }

    @Test
    void rangeReadsComeInByteSizedPagesInKeyOrder() {
        Map<Bytes, Bytes> items = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            items.put(b(String.format("k%03d", i)), Bytes.of(new byte[100]));
        }
        client.put(NS, "rec-range", items);
        List<String> keys = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            Page page = client.getRange(NS, "rec-range", b("k010"), b("k040"), 1000, token);
            assertThat(page.items().size()).isBetween(1, 11);
            page.items().forEach(i -> keys.add(i.key().toUtf8()));
            token = page.nextPageToken().orElse(null);
            pages++;
        } while (token != null);
        assertThat(keys).hasSize(30).first().isEqualTo("k010");
        assertThat(keys).last().isEqualTo("k039");
        assertThat(keys).isSorted().doesNotHaveDuplicates();
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void deleteItemsAndDeleteRecord() {
        client.put(NS, "rec-del", Map.of(b("x"), b("1"), b("y"), b("2"), b("z"), b("3")));
        client.deleteItems(NS, "rec-del", List.of(b("x"), b("z")));
        assertThat(client.get(NS, "rec-del").items()).extracting(i -> i.key().toUtf8()).containsExactly("y");
        client.deleteRecord(NS, "rec-del");
        assertThatThrownBy(() -> client.get(NS, "rec-del")).isInstanceOf(MeridianClientException.NotFound.class);
        // a later put brings the record back with only the new item
        client.put(NS, "rec-del", "w", "4");
        assertThat(client.get(NS, "rec-del").items()).extracting(i -> i.key().toUtf8()).containsExactly("w");
    }

    @Test
    void mutateIsAtomicAndDeleteRecordPlusPutsReplacesTheRecord() {
        client.put(NS, "rec-mut", Map.of(b("old1"), b("a"), b("old2"), b("b"), b("keep"), b("c")));
        client.mutate(NS, "rec-mut", RecordChange.builder().put("new", "n").delete("old1").build());
        assertThat(client.get(NS, "rec-mut").items()).extracting(i -> i.key().toUtf8()).containsExactly("keep", "new", "old2");
        client.mutate(NS, "rec-mut", RecordChange.builder().deleteRecord().put("only", "o").build());
        Record replaced = client.get(NS, "rec-mut");
        assertThat(replaced.items()).extracting(i -> i.key().toUtf8()).containsExactly("only");
    }

    @Test
    void theSameTokenRetriedGivesTheSameTimestampAndOneVersion() throws Exception {
        IdempotencyToken first = IdempotencyToken.generate(Clock.systemUTC());
        String url = a.serverUrl() + "/v1/namespaces/" + NS + "/records/rec-token";
        String v1 = "{\"items\":[{\"key\":\"" + b("k").toBase64() + "\",\"value\":\"" + b("v1").toBase64() + "\"}]}";
        String v2 = "{\"items\":[{\"key\":\"" + b("k").toBase64() + "\",\"value\":\"" + b("v2").toBase64() + "\"}]}";
        Http.Answer w1 = Http.send("PUT", url, v1, Map.of("Idempotency-Token", first.toString()));
        Http.Answer again = Http.send("PUT", url, v1, Map.of("Idempotency-Token", first.toString()));
        assertThat(w1.status()).isEqualTo(200);
        assertThat(again.json().path("timestamp").asLong()).isEqualTo(w1.json().path("timestamp").asLong());
        // a newer write, then a late retry of the first: the retry must not bring v1 back
        Http.Answer w2 = Http.send("PUT", url, v2, Map.of("Idempotency-Token", IdempotencyToken.generate(Clock.systemUTC()).toString()));
        Http.Answer late = Http.send("PUT", url, v1, Map.of("Idempotency-Token", first.toString()));
        assertThat(late.json().path("timestamp").asLong()).isEqualTo(w1.json().path("timestamp").asLong());
        Item item = client.get(NS, "rec-token").items().get(0);
        assertThat(item.value().toUtf8()).isEqualTo("v2");
        assertThat(item.timestamp()).isEqualTo(w2.json().path("timestamp").asLong());
    }

    @Test
    void readYourWritesInTheAcknowledgingRegion() {
        for (int i = 0; i < 20; i++) {
            client.put(NS, "rec-ryw", "counter", Integer.toString(i));
            assertThat(client.get(NS, "rec-ryw").text("counter")).isEqualTo(Optional.of(Integer.toString(i)));
        }
    }
}
