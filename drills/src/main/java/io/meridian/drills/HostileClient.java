package io.meridian.drills;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.client.OperatorClient;
import io.meridian.client.OperatorException;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.Limits;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import io.meridian.core.wire.DeadLetterAction;
import io.meridian.core.wire.DeadLetterJson;
import io.meridian.core.wire.DeadLetterResult;
import io.meridian.core.wire.RepairMarkClear;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.replicator.LogNames;
import io.meridian.replicator.MutationLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The requests a hostile or careless client sends (hardening issue), each with the answer it must get: a poison
 * TTL, an oversized batch, values and writes exactly at the limits and one byte over, a forged routing plan
 * through the data API, tokens from the far past and the future, no credentials and the wrong role; and a
 * mutation that cannot be applied injected straight into the mutation log (as a bug or an older writer could),
 * which must be dead-lettered in every region without stopping replication. Not thread-safe; one run.
 */
final class HostileClient {

    /** One hostile request: what was sent, what it got, what it had to get. */
    record Case(String name, int status, Set<Integer> expected, String detail) {
        boolean passed() {
            return expected.contains(status);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final LocalCluster cluster;
    private final RegionEndpoints target;
    private final String ns;
    private final ClusterCredentials credentials;
    private final OperatorClient operator;
    private final Random random;
    private final List<Case> cases = new ArrayList<>();
    private long poisonTimestamp = -1;

    HostileClient(LocalCluster cluster, RegionId target, String ns, long seed) {
        this.cluster = cluster;
        this.target = cluster.region(target);
        this.ns = ns;
        this.credentials = ClusterCredentials.of(cluster.directory());
        this.operator = OperatorClient.create(new BasicCredentials(ClusterCredentials.OPERATOR, credentials.operator()),
                Duration.ofSeconds(60));
        this.random = new Random(seed);
    }

    List<Case> cases() {
        return cases;
    }

    private String url(String id) {
        return target.serverUrl() + "/v1/namespaces/" + ns + "/records/" + id;
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private static String item(byte[] key, byte[] value, Integer ttl) {
        return "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"" + (ttl == null ? "" : ",\"ttlSeconds\":" + ttl) + "}";
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private int send(String method, String url, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private void expect(String name, String method, String url, String body, Map<String, String> headers, Integer... expected)
            throws Exception {
        int status;
        String detail = "";
        try {
            status = send(method, url, body, headers);
        } catch (Exception e) {
            status = 0;
            detail = e.toString();
        }
        cases.add(new Case(name, status, Set.of(expected), detail));
    }

    private Map<String, String> as(String principal) {
        return Map.of("Authorization", credentials.basic(principal));
    }

    /** Sends every case; returns the ids written at the limits (which must then be readable everywhere). */
    List<String> run() throws Exception {
        Map<String, String> app = as(ClusterCredentials.APP);
        expect("poison TTL (700,000,000 s)", "PUT", url("hostile-ttl"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), 700_000_000)
                + "]}", app, 400);
        StringBuilder deletes = new StringBuilder();
        for (int i = 0; i <= Limits.MAX_OPERATIONS; i++) {
            deletes.append(i == 0 ? "" : ",").append('"').append(b64(("d" + i).getBytes())).append('"');
        }
        expect("oversized batch (10,001 operations)", "POST", url("hostile-batch") + "/mutate", "{\"deletes\":[" + deletes + "]}", app, 413);
        expect("value of exactly 1 MiB", "PUT", url("hostile-1mib"), "{\"items\":[" + item("k".getBytes(), bytes(Limits.MAX_VALUE_BYTES), null)
                + "]}", app, 200);
        expect("value of 1 MiB + 1 byte", "PUT", url("hostile-1mib-over"), "{\"items\":[" + item("k".getBytes(),
                bytes(Limits.MAX_VALUE_BYTES + 1), null) + "]}", app, 413);
        String id = "hostile-4mib";
        int valueBytes = (Limits.MAX_REQUEST_BYTES - id.length() - 4 * 2) / 4;
        int rest = Limits.MAX_REQUEST_BYTES - id.length() - 4 * 2 - 4 * valueBytes;
        StringBuilder puts = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            puts.append(i == 0 ? "" : ",").append(item(("k" + i).getBytes(), bytes(valueBytes + (i == 0 ? rest : 0)), null));
        }
        expect("mutate of exactly 4 MiB", "POST", url(id) + "/mutate", "{\"puts\":[" + puts + "]}", app, 200);
        expect("mutate of 4 MiB + 1 byte", "POST", url(id + "-over") + "/mutate", "{\"puts\":[" + puts + "," + item("x".getBytes(),
                new byte[0], null) + "]}", app, 413);
        String forged = "{\"version\":1000000000000000000,\"updatedAt\":1,\"regions\":{\"" + target.region() + "\":{\"state\":\"EVACUATED\","
                + "\"keptPercent\":0}},\"weights\":{},\"operation\":null}";
        String forgedItem = "{\"items\":[" + item("current".getBytes(), forged.getBytes(), null) + "]}";
        String planRecord = target.serverUrl() + "/v1/namespaces/meridian_router/records/plan";
        expect("forged routing plan, no credentials", "PUT", planRecord, forgedItem, Map.of(), 401);
        expect("forged routing plan, as an application", "PUT", planRecord, forgedItem, app, 403);
        expect("forged routing plan, as the operator", "PUT", planRecord, forgedItem, as(ClusterCredentials.OPERATOR), 403);
        expect("idempotency token with timestamp 1", "PUT", url("hostile-past"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), null)
                + "]}", merge(app, Map.of(IdempotencyToken.HEADER, new IdempotencyToken(1, 7).toString())), 400);
        expect("idempotency token a minute ahead", "PUT", url("hostile-future"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), null)
                + "]}", merge(app, Map.of(IdempotencyToken.HEADER, new IdempotencyToken(System.currentTimeMillis() * 1000 + 60_000_000L, 7)
                .toString())), 400);
        expect("write without credentials", "PUT", url("hostile-anon"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), null) + "]}",
                Map.of(), 401);
        expect("write as a reader", "PUT", url("hostile-reader"), "{\"items\":[" + item("k".getBytes(), "v".getBytes(), null) + "]}",
                as(ClusterCredentials.READER), 403);
        expect("evacuation as an application", "POST", target.serverUrl() + "/v1/router/evacuate", "{\"region\":\"" + target.region()
                + "\",\"reason\":\"hostile\"}", app, 403);
        expect("namespace creation as an application", "PUT", target.serverUrl() + "/v1/namespaces/hostile_ns", "{}", app, 403);
        injectPoison();
        return List.of("hostile-1mib", id);
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }

    /** A mutation no region can apply, written into the target's log as an older writer or a bug could. */
    private void injectPoison() throws Exception {
        poisonTimestamp = System.currentTimeMillis() * 1000;
        Mutation poison = new Mutation(ns, "hostile-poison", List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("v"), 700_000_000)),
                poisonTimestamp, target.region(), 1, Mutation.CURRENT_SCHEMA_VERSION);
        try (MutationLog log = new MutationLog(target.kafkaBootstrap(), LogNames.MUTATIONS, Duration.ofSeconds(30))) {
            // the log's producer waits at most 2 s for metadata (the write path fails fast); a new producer on a
            // loaded machine can need longer, so fetch the metadata first (retrying that sends nothing), then append
            // once: a second append of the poison would be a second dead letter
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    log.checkReachable();
                    break;
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            log.append(poison).get(60, TimeUnit.SECONDS);
        }
    }

    /** Open dead letters per region (operator view); -1 when a region does not answer. */
    Map<String, Long> openDeadLetters() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (RegionEndpoints r : cluster.regions()) {
            try {
                out.put(r.region().name(), operator.at(r.serverUrl()).replication().openDeadLetters());
            } catch (OperatorException e) {
                out.put(r.region().name(), -1L);
            }
        }
        return out;
    }

    /**
     * The operator's step after inspecting the dead letters: in every region, discards exactly the injected poison's
     * letter (when it is the oldest open one; anything else is left for a real operator) and clears the repair mark
     * the discard recorded, only if it is the only incident and still unchanged (the drill knows its poison was
     * never acknowledged; a real incident's mark stays). True when every region did so.
     */
    boolean discardDeadLetters(String reason) {
        boolean ok = true;
        for (RegionEndpoints r : cluster.regions()) {
            try {
                OperatorClient.Server server = operator.at(r.serverUrl());
                List<DeadLetterJson> open = server.deadLetters(1);
                String poison = ns + "/hostile-poison@" + poisonTimestamp + " from " + target.region();
                DeadLetterJson first = open.isEmpty() ? null : open.get(0);
                if (first == null || !"hostile-poison".equals(first.id()) || !Long.valueOf(poisonTimestamp).equals(first.timestampMicros())
                        || !ns.equals(first.namespace())) {
                    ok = false; // the oldest open letter is not the drill's own: an operator must look at it
                    continue;
                }
                DeadLetterResult discard = server.discard(new DeadLetterAction(first.offset(), reason));
                String mark = discard.mark() == null ? "" : discard.mark();
                boolean discarded = discard.resolved() == 1 && mark.contains("(" + poison + ")");
                ok &= discarded;
                if (discarded && mark.equals(discard.needsRepair())) {
                    server.clearRepairMark(new RepairMarkClear(reason + ": the injected mutation was never acknowledged", mark));
                }
            } catch (OperatorException e) {
                ok = false;
            }
        }
        return ok;
    }

    /** Whether record {@code id} reads in every region. */
    boolean readableEverywhere(String id) {
        for (RegionEndpoints r : cluster.regions()) {
            try {
                int status = send("GET", r.serverUrl() + "/v1/namespaces/" + ns + "/records/" + id, null, as(ClusterCredentials.APP));
                if (status != 200) {
                    return false;
                }
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }
}
