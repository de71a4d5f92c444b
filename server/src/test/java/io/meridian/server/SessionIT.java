package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.client.CallOptions;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.MeridianListener;
import io.meridian.client.RecordChange;
import io.meridian.client.Session;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LinkFault;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.OperatorSecret;
import io.meridian.localcluster.junit.LocalClusterExtension;
import io.meridian.localcluster.junit.PrivateCluster;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions on real engines (docs/consistency.md, "Sessions"): two regions with two server instances each, the cache on,
 * region-b's replication from region-a slowed down (or cut) through the fault proxy so that a read in region-b right
 * after a write in region-a would find the old value. A session's reads never do, on any instance of any region, through
 * a failover and a region switch; and the cache keeps serving them.
 */
@ExtendWith(LocalClusterExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(TwoByTwo.SESSIONS)
class SessionIT {

    static final RegionId A = RegionId.of("region-a");
    static final RegionId B = RegionId.of("region-b");
    private static LocalCluster cluster;
    private static final List<MeridianClient> OPEN = new ArrayList<>();

    @BeforeAll
    static void start(@PrivateCluster(regions = 2, servers = PrivateCluster.Servers.YES, serversPerRegion = 2,
            shareAs = TwoByTwo.KEY) LocalCluster c) {
        cluster = c;
    }

    @AfterAll
    static void close() throws Exception {
        OPEN.forEach(MeridianClient::close);
        if (cluster != null) {
            ClusterHygiene.restore(cluster); // shared with the next class, if any
        }
    }

    private static String url(RegionId region, int instance) {
        return cluster.region(region).servers().get(instance).url();
    }

    /** A client of one instance of each region given (the first is its home), in {@code session} (null: none). */
    private static MeridianClient client(Session session, MeridianListener listener, Object... regionAndInstance) {
        MeridianClient.Builder b = MeridianClient.builder().homeRegion((RegionId) regionAndInstance[0])
                .requestTimeout(Duration.ofSeconds(10)).operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory()));
        for (int i = 0; i < regionAndInstance.length; i += 2) {
            RegionId r = (RegionId) regionAndInstance[i];
            b.endpoint(r, URI.create(url(r, (Integer) regionAndInstance[i + 1])));
        }
        if (session != null) {
            b.session(session);
        }
        if (listener != null) {
            b.listener(listener);
        }
        MeridianClient c = b.build();
        OPEN.add(c);
        return c;
    }

    private static String text(MeridianClient c, String ns, String id) {
        try {
            return c.get(ns, id).text("v").orElse(null);
        } catch (MeridianClientException.NotFound e) {
            return null;
        }
    }

    private static void createEverywhere(MeridianClient c, String ns) {
        c.createNamespace(ns);
        MeridianClient b = client(null, null, B, 1);
        Awaitility.await("namespace " + ns + " in region-b").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> b.describeNamespace(ns) != null);
    }

    @Test
    @Order(1)
    void aSessionNeverReadsOlderThanItsOwnWritesOnAnyInstanceOfAnyRegion() {
        long seed = Long.getLong("meridian.seed", System.nanoTime());
        System.out.println("SessionIT seed " + seed + " (-Dmeridian.seed=" + seed + " repeats it)");
        Random random = new Random(seed);
        String ns = "session_rounds_it";
        Session session = new Session();
        MeridianClient writer = client(session, null, A, 0);
        List<MeridianClient> readers = List.of(client(session, null, A, 1), client(session, null, B, 0), client(session, null, B, 1));
        MeridianClient plain = client(null, null, B, 0);
        createEverywhere(writer, ns);
        cluster.delay(A, B, Duration.ofMillis(300)); // region-b sees region-a's writes 150 ms late at least
        try {
            int stale = 0;
            for (int round = 0; round < 30; round++) {
                String id = "r" + random.nextInt(3);
                for (MeridianClient r : readers) {
                    text(r, ns, id); // every instance caches the current value (a session read: it waits for the last round's)
                }
                String value = "v" + round;
                writer.put(ns, id, "v", value);
                if (!value.equals(text(plain, ns, id))) {
                    stale++; // no session: region-b answers what it has
                }
                int pick = random.nextInt(readers.size());
                assertThat(text(readers.get(pick), ns, id)).as("round %d, reader %d", round, pick).isEqualTo(value);
            }
            assertThat(stale).as("without a session region-b answered older data (so the session reads could have too)")
                    .isPositive();
            System.out.println("SessionIT: " + stale + " of 30 reads without a session in region-b were stale");
        } finally {
            cluster.delay(A, B, Duration.ZERO);
        }
    }

    @Test
    @Order(2)
    void aConditionalWriteInASessionIsDecidedAgainstTheSessionsEarlierWrites() {
        String ns = "session_conditional_it";
        Session session = new Session();
        MeridianClient a0 = client(session, null, A, 0);
        MeridianClient b1 = client(session, null, B, 1);
        MeridianClient plainB = client(null, null, B, 1);
        createEverywhere(a0, ns);
        cluster.delay(A, B, Duration.ofMillis(300));
        try {
            int absentInB = 0;
            for (int round = 0; round < 5; round++) {
                String id = "c" + round;
                a0.mutate(ns, id, RecordChange.builder().ifRecordAbsent().put("v", "first").build());
                if (text(plainB, ns, id) == null) {
                    absentInB++; // decided on region-b's state as it is, a second create would have succeeded
                }
                assertThatThrownBy(() -> b1.mutate(ns, id, RecordChange.builder().ifRecordAbsent().put("v", "second").build()))
                        .as("round %d: the session created it", round).isInstanceOf(MeridianClientException.ConditionFailed.class);
            }
            assertThat(absentInB).as("region-b had not seen the creates yet").isPositive();
        } finally {
            cluster.delay(A, B, Duration.ZERO);
        }
        for (int round = 0; round < 5; round++) {
            assertThat(text(client(session, null, B, 0), ns, "c" + round)).isEqualTo("first");
        }
    }

    @Test
    @Order(2)
    void theCacheServesASessionsReadsAsOftenAsOthers() {
        String ns = "session_cache_it";
        Session session = new Session();
        MeridianClient a0 = client(session, null, A, 0);
        MeridianClient a1Session = client(session, null, A, 1);
        MeridianClient a1 = client(null, null, A, 1);
        createEverywhere(a0, ns);
        for (int i = 0; i < 20; i++) {
            a0.put(ns, "s" + i, "v", "x" + i);
            a0.put(ns, "p" + i, "v", "x" + i);
        }
        Awaitility.await("the session's writes are visible on instance 1").atMost(Duration.ofSeconds(60))
                .until(() -> "x19".equals(text(a1Session, ns, "s19")));
        Invalidations.awaitSettled(cluster, A);
        double on = hitRatioOver(a1Session, ns, "s");
        double off = hitRatioOver(a1, ns, "p");
        System.out.printf("SessionIT: cache hit ratio with a session %.3f, without %.3f%n", on, off);
        assertThat(on).as("hit ratio with a session").isGreaterThanOrEqualTo(0.75);
        assertThat(Math.abs(on - off)).as("within 5 points of the ratio without (%.3f vs %.3f)", on, off).isLessThanOrEqualTo(0.05);
    }

    /** Reads records prefix0..19 five times through {@code c} (instance 1 of region-a): hits / (hits + misses) meanwhile. */
    private static double hitRatioOver(MeridianClient c, String ns, String prefix) {
        JsonNode before = counters(A, 1, ns);
        for (int pass = 0; pass < 5; pass++) {
            for (int i = 0; i < 20; i++) {
                assertThat(text(c, ns, prefix + i)).isEqualTo("x" + i);
            }
        }
        JsonNode after = counters(A, 1, ns);
        long hits = after.path("hits").asLong() - before.path("hits").asLong();
        long misses = after.path("misses").asLong() - before.path("misses").asLong();
        assertThat(hits + misses).isEqualTo(100);
        return hits / 100.0;
    }

    private static JsonNode counters(RegionId region, int instance, String ns) {
        try {
            Http.Answer a = Http.send("GET", url(region, instance) + "/v1/cache", null, Http.operator(cluster));
            assertThat(a.status()).isEqualTo(200);
            return a.json().path("namespaces").path(ns);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Order(3)
    void aRegionCutOffFromTheWriteIsPassedOverAndWithNoOtherRegionTheReadSaysSo() {
        String ns = "session_cut_it";
        Session session = new Session();
        MeridianClient a0 = client(session, null, A, 0);
        createEverywhere(a0, ns);
        cluster.cut(A, B, LinkFault.Cut.BLACKHOLE);
        try {
            a0.put(ns, "x", "v", "during the cut");
            MeridianClient plainB = client(null, null, B, 1);
            assertThat(text(plainB, ns, "x")).as("region-b does not have it").isNull();

            MeridianClient onlyB = client(session, null, B, 1);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> onlyB.get(ns, "x", CallOptions.defaults().withDeadline(Duration.ofSeconds(3))))
                    .isInstanceOfSatisfying(MeridianClientException.SessionNotSatisfied.class,
                            e -> assertThat(e.status()).isEqualTo(503));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the deadline").isLessThan(Duration.ofSeconds(8));

            List<RegionId> attempts = new CopyOnWriteArrayList<>();
            MeridianClient bThenA = MeridianClient.builder().homeRegion(B).endpoint(B, URI.create(url(B, 0)))
                    .endpoint(A, URI.create(url(A, 1))).followRoutingPlan(Duration.ZERO).session(session)
                    .operator(OperatorSecret.USER, OperatorSecret.of(cluster.directory())).listener(new MeridianListener() {
                        @Override
                        public void attemptEnded(Attempt attempt) {
                            attempts.add(attempt.region());
                        }
                    }).build();
            OPEN.add(bThenA);
            assertThat(text(bThenA, ns, "x")).as("served by region-a after region-b could not").isEqualTo("during the cut");
            assertThat(attempts).containsExactly(B, A);
        } finally {
            cluster.heal(A, B);
        }
        MeridianClient onlyB = client(session, null, B, 1);
        Awaitility.await("region-b serves the session once healed").atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> "during the cut".equals(text(onlyB, ns, "x")));
    }

    @Test
    @Order(4)
    void aRegionSwitchInTheMiddleNeverShowsTheSessionOlderData() throws Exception {
        String ns = "session_switch_it";
        Session session = new Session();
        List<RegionId> answeredBy = new CopyOnWriteArrayList<>();
        MeridianClient c = client(session, new MeridianListener() {
            @Override
            public void attemptEnded(Attempt attempt) {
                if (attempt.status() / 100 == 2 && "get".equals(attempt.operation())) {
                    answeredBy.add(attempt.region());
                }
            }
        }, A, 0, B, 1);
        createEverywhere(c, ns);
        cluster.delay(A, B, Duration.ofMillis(300));
        String[] latest = new String[4];
        try {
            int afterSwitch = 0;
            for (int round = 0; afterSwitch < 10; round++) {
                assertThat(round).as("the client's reads moved to region-b").isLessThan(200);
                if (round == 10) {
                    Http.Answer evacuated = operator("evacuate", "{\"region\":\"region-a\",\"steps\":[100],\"reason\":\"session test\"}");
                    assertThat(evacuated.status()).as(evacuated.body()).isEqualTo(200);
                }
                int id = round % 4;
                latest[id] = "v" + round;
                c.put(ns, "r" + id, "v", latest[id]);
                assertThat(text(c, ns, "r" + id)).as("round %d", round).isEqualTo(latest[id]);
                if (answeredBy.get(answeredBy.size() - 1).equals(B)) {
                    afterSwitch++;
                }
            }
        } finally {
            cluster.delay(A, B, Duration.ZERO);
        }
        assertThat(answeredBy).contains(A, B);
        // and back: what the session wrote in region-b after the switch, read in region-a's other instance
        MeridianClient a1 = client(session, null, A, 1);
        for (int id = 0; id < 4; id++) {
            assertThat(text(a1, ns, "r" + id)).isEqualTo(latest[id]);
        }
    }

    private static Http.Answer operator(String path, String body) throws Exception {
        String auth = Base64.getEncoder().encodeToString((OperatorSecret.USER + ":" + OperatorSecret.of(cluster.directory()))
                .getBytes(StandardCharsets.UTF_8));
        return Http.send("POST", url(B, 0) + "/v1/router/" + path, body, Map.of("Authorization", "Basic " + auth));
    }
}
