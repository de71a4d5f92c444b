package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import io.meridian.client.Item;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.Record;
import io.meridian.client.WriteResult;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LinkFault;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.store.Repairer;
import io.meridian.store.StoreEndpoint;
import io.meridian.store.StoreSchema;
import io.meridian.store.Verifier;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * G1, G2, G3 on three regions with every cross-region link through the fault proxy: concurrent writers
 * in all regions on the same items converge to the highest timestamp; a region cut off for 30 s while
 * every region keeps writing converges after the heal with nothing acknowledged lost; repair installs
 * lost cells and propagates a delete made directly in one region's Cassandra.
 */
@ExtendWith(LocalClusterExtension.class)
class ConvergenceIT {

    private static final long SEED = Long.getLong("meridian.test.seed", System.nanoTime());
    private static LocalCluster cluster;
    private static final Map<RegionId, MeridianClient> CLIENTS = new LinkedHashMap<>();

    /** One write a client attempted; {@code value} null for an item delete; {@code ts} 0 when not acknowledged. */
    record Op(String id, String key, String value, long ts) {
    }

    @BeforeAll
    static void start(LocalCluster c) {
        System.out.println("ConvergenceIT seed " + SEED + " (rerun with -Dmeridian.test.seed=" + SEED + ")");
        cluster = c;
        for (RegionEndpoints r : c.regions()) {
            CLIENTS.put(r.region(), MeridianClient.builder().homeRegion(r.region())
                    .endpoint(r.region(), URI.create(r.serverUrl())).requestTimeout(Duration.ofSeconds(5)).operator(OperatorSecret.USER, OperatorSecret.of(c.directory())).build());
        }
    }

    @AfterAll
    static void closeClients() throws Exception {
        CLIENTS.values().forEach(MeridianClient::close);
        ClusterHygiene.restore(cluster);
    }

    private static MeridianClient client(String region) {
        return CLIENTS.get(RegionId.of(region));
    }

    private static List<StoreEndpoint> stores() {
        return cluster.regions().stream()
                .map(RegionEndpoints::store).toList();
    }

    private static void awaitIdentical(String ns, Duration atMost) {
        try (Verifier v = new Verifier(stores(), StoreSchema.DEFAULT_KEYSPACE)) {
            Awaitility.await(ns + " identical in every region").atMost(atMost).pollInterval(Duration.ofSeconds(2))
                    .until(() -> v.verify(List.of(ns), 16, line -> { }).identical());
        }
    }

    /**
     * Writers, one per region, on {@code records x keys} overlapping items (and, when {@code unique}, also
     * a record of their own per write), until {@code stop}. Every attempt is recorded.
     */
    private static List<Thread> writers(String ns, int records, int keys, boolean unique, AtomicBoolean stop, int maxOps,
            List<Op> attempted, List<Op> acknowledged) {
        List<Thread> threads = new ArrayList<>();
        int index = 0;
        for (Map.Entry<RegionId, MeridianClient> e : CLIENTS.entrySet()) {
            Random random = new Random(SEED + index++);
            String region = e.getKey().name();
            MeridianClient client = e.getValue();
            Thread t = new Thread(() -> {
                for (int i = 0; i < maxOps && !stop.get(); i++) {
                    String id = "r" + random.nextInt(records);
                    String key = "k" + random.nextInt(keys);
                    boolean delete = random.nextInt(10) == 0;
                    String value = delete ? null : region + "-" + i;
                    attempted.add(new Op(id, key, value, 0));
                    try {
                        WriteResult w = delete ? client.deleteItems(ns, id, List.of(Bytes.utf8(key)))
                                : client.put(ns, id, Map.of(Bytes.utf8(key), Bytes.utf8(value)));
                        acknowledged.add(new Op(id, key, value, w.timestamp()));
                        if (unique) {
                            String own = region + "-u" + i;
                            WriteResult u = client.put(ns, own, Map.of(Bytes.utf8("v"), Bytes.utf8(own)));
                            acknowledged.add(new Op(own, "v", own, u.timestamp()));
                        }
                    } catch (MeridianClientException ex) {
                        // not acknowledged: it may or may not have landed
                    }
                }
            }, "writer-" + region);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    private static Optional<Item> item(MeridianClient client, String ns, String id, String key) {
        try {
            Record r = client.get(ns, id);
            return r.items().stream().filter(i -> i.key().equals(Bytes.utf8(key))).findFirst();
        } catch (MeridianClientException.NotFound e) {
            return Optional.empty();
        }
    }

    /**
     * Every item in every region holds the last acknowledged write (the highest timestamp), or a write
     * with a higher timestamp that was attempted but not acknowledged; and all regions hold the same.
     */
    private static void assertLastWriterWins(String ns, List<Op> attempted, List<Op> acknowledged) {
        Map<String, Op> last = new HashMap<>();
        for (Op op : acknowledged) {
            last.merge(op.id() + "/" + op.key(), op, (a, b) -> b.ts() > a.ts() ? b : a);
        }
        int checked = 0;
        for (Op want : last.values()) {
            Optional<Item> first = null;
            for (Map.Entry<RegionId, MeridianClient> e : CLIENTS.entrySet()) {
                Optional<Item> got = item(e.getValue(), ns, want.id(), want.key());
                String where = want + " in " + e.getKey();
                if (got.isPresent() && got.get().timestamp() > want.ts()) {
                    String v = got.get().value().toUtf8();
                    assertThat(attempted).as(where + ": newer value " + v + " was attempted")
                            .anyMatch(a -> v.equals(a.value()) && a.id().equals(want.id()));
                } else if (want.value() == null) {
                    assertThat(got).as(where + ": deleted").isEmpty();
                } else {
                    assertThat(got).as(where).isPresent();
                    assertThat(got.get().timestamp()).as(where + " timestamp").isEqualTo(want.ts());
                    assertThat(got.get().value().toUtf8()).as(where + " value").isEqualTo(want.value());
                }
                if (first == null) {
                    first = got;
                } else {
                    assertThat(got).as(where + " same as the first region").isEqualTo(first);
                }
                checked++;
            }
        }
        System.out.printf("%s: %d acknowledged writes, %d item checks across regions%n", ns, acknowledged.size(), checked);
    }

    @Test
    void concurrentWritersInEveryRegionConvergeOnTheHighestTimestamp() throws Exception {
        String ns = "converge_it";
        client("region-a").createNamespace(ns);
        List<Op> attempted = new CopyOnWriteArrayList<>();
        List<Op> acknowledged = new CopyOnWriteArrayList<>();
        for (Thread t : writers(ns, 12, 3, false, new AtomicBoolean(), 150, attempted, acknowledged)) {
            t.join(300_000);
        }
        assertThat(acknowledged).hasSizeGreaterThan(300);
        awaitIdentical(ns, Duration.ofSeconds(120));
        assertLastWriterWins(ns, attempted, acknowledged);
    }

    @Test
    void aRegionCutOffFor30SecondsWhileEveryoneWritesConvergesAfterTheHeal() throws Exception {
        String ns = "partition_it";
        client("region-a").createNamespace(ns);
        RegionId a = RegionId.of("region-a");
        List<Op> attempted = new CopyOnWriteArrayList<>();
        List<Op> acknowledged = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = writers(ns, 8, 2, true, stop, Integer.MAX_VALUE, attempted, acknowledged);
        long cutAt;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 60);
            cluster.cut(a, RegionId.of("region-b"), LinkFault.Cut.BLACKHOLE);
            cluster.cut(a, RegionId.of("region-c"), LinkFault.Cut.RESET);
            cutAt = System.nanoTime();
            assertThat(cluster.links()).filteredOn(l -> l.a().equals(a)).extracting(LinkFault::cut)
                    .containsExactly(LinkFault.Cut.BLACKHOLE, LinkFault.Cut.RESET);
            // the cut is real: a write acknowledged in region-a now does not reach region-b or region-c
            WriteResult during = client("region-a").put(ns, "during-cut", Map.of(Bytes.utf8("v"), Bytes.utf8("x")));
            Awaitility.await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15))
                    .until(() -> item(client("region-b"), ns, "during-cut", "v").isEmpty()
                            && item(client("region-c"), ns, "during-cut", "v").isEmpty());
            acknowledged.add(new Op("during-cut", "v", "x", during.timestamp()));
            Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> System.nanoTime() - cutAt >= 30_000_000_000L);
            int beforeHeal = acknowledged.size();
            cluster.heal(a, RegionId.of("region-b"));
            cluster.heal(a, RegionId.of("region-c"));
            assertThat(cluster.links()).allMatch(LinkFault::clear);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= beforeHeal + 30);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
        long fromA = acknowledged.stream().filter(o -> o.value() != null && o.value().startsWith("region-a")).count();
        assertThat(fromA).as("region-a kept taking writes while cut off").isGreaterThan(20);
        awaitIdentical(ns, Duration.ofSeconds(180));
        assertLastWriterWins(ns, attempted, acknowledged);
    }

    @Test
    void repairInstallsLostCellsAndPropagatesADeleteMadeOutsideMeridian() throws Exception {
        String ns = "repair_it";
        MeridianClient inA = client("region-a");
        inA.createNamespace(ns);
        for (int i = 0; i < 30; i++) {
            inA.put(ns, "r" + i, Map.of(Bytes.utf8("v"), Bytes.utf8("value-" + i)));
        }
        awaitIdentical(ns, Duration.ofSeconds(60));
        try (CqlSession b = session("region-b"); CqlSession c = session("region-c")) {
            for (int i = 0; i < 5; i++) {
                b.execute("DELETE FROM " + StoreSchema.defaultNamespaceTable(ns) + " WHERE id = 'r" + i + "'"); // newer than the writes
            }
            c.execute("TRUNCATE " + StoreSchema.defaultNamespaceTable(ns)); // data lost without tombstones
        }
        try (Verifier v = new Verifier(stores(), StoreSchema.DEFAULT_KEYSPACE)) {
            assertThat(v.verify(List.of(ns), 16, line -> { }).identical()).isFalse();
        }
        List<String> progress = new CopyOnWriteArrayList<>();
        Repairer.Result result;
        try (Repairer repairer = new Repairer(stores(), StoreSchema.DEFAULT_KEYSPACE)) {
            result = repairer.repair(List.of(ns), 16, progress::add);
        }
        progress.forEach(System.out::println);
        assertThat(result.converged()).isTrue();
        assertThat(result.deletesPropagated()).isEqualTo(5);
        assertThat(result.cellsInstalled()).isGreaterThanOrEqualTo(25);
        awaitIdentical(ns, Duration.ofSeconds(10));
        for (MeridianClient client : CLIENTS.values()) {
            for (int i = 0; i < 30; i++) {
                Optional<Item> got = item(client, ns, "r" + i, "v");
                if (i < 5) {
                    assertThat(got).as("r" + i + " deleted in " + client.homeRegion()).isEmpty();
                } else {
                    assertThat(got.map(it -> it.value().toUtf8())).as("r" + i + " in " + client.homeRegion())
                            .hasValue("value-" + i);
                }
            }
        }
    }

    private static CqlSession session(String region) {
        return cluster.region(RegionId.of(region)).store().connect();
    }

}
