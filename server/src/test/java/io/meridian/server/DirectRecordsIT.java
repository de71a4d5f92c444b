package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.core.IdempotencyToken;
import io.meridian.core.SessionToken;
import io.meridian.localcluster.ClusterCredentials;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The direct paths for {@code PUT} and plain {@code GET} of a record (server {@code data.DirectRecords}, no Jersey) and for
 * the router's health probe and plan poll ({@code routing.DirectRouter}) answer
 * every request as Jersey's resource does: each request is sent once plainly, which the direct path serves (its meter
 * {@code meridian.api.direct-requests} counts it), and once with an {@code Accept} header the direct path leaves to Jersey,
 * and the two answers must have the same status, the same JSON (but for a 5xx's random error id) and the same
 * {@code Content-Type}, {@code Retry-After} and session headers.
 */
@ExtendWith(LocalClusterExtension.class)
class DirectRecordsIT {

    static final String NS = "direct_records_it";
    /** Not the direct path's plain {@code application/json}: Jersey serves it (and answers JSON, as it accepts any). */
    static final Map<String, String> VIA_JERSEY = Map.of("Accept", "application/json, */*");
    static RegionEndpoints a;
    static LocalCluster cluster;

    @BeforeAll
    static void namespace(LocalCluster theCluster) throws Exception {
        cluster = theCluster;
        a = cluster.regions().get(0);
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS, "{}", Http.operator(cluster)).status()).isIn(200, 201);
    }

    static String url(String ns, String id) {
        return a.serverUrl() + "/v1/namespaces/" + ns + "/records/" + id;
    }

    static String items(String key, String value) {
        return "{\"items\":[{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}]}";
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes());
    }

    static long directServed() throws Exception {
        Http.Answer metrics = Http.anonymous("GET", a.serverAdminUrl() + "/metrics", null);
        assertThat(metrics.status()).isEqualTo(200);
        return metrics.json().path("meters").path("meridian.api.direct-requests").path("count").asLong(-1);
    }

    /** Sends {@code method url body} both ways; asserts which path served each and that they answered alike. */
    static Http.Answer[] both(String method, String url, String body, Map<String, String> headers) throws Exception {
        long before = directServed();
        Http.Answer direct = Http.send(method, url, body, headers);
        assertThat(directServed()).as("the direct path served " + method + " " + url).isEqualTo(before + 1);
        Map<String, String> jerseyHeaders = new HashMap<>(headers);
        jerseyHeaders.putAll(VIA_JERSEY);
        Http.Answer jersey = Http.send(method, url, body, jerseyHeaders);
        assertThat(directServed()).as("Jersey served the second " + method + " " + url).isEqualTo(before + 1);
        assertThat(direct.status()).as(method + " " + url + " " + direct.body() + " / " + jersey.body()).isEqualTo(jersey.status());
        assertThat(direct.raw().headers().firstValue("Content-Type").map(String::toLowerCase))
                .isEqualTo(jersey.raw().headers().firstValue("Content-Type").map(String::toLowerCase));
        assertThat(direct.raw().headers().firstValue("Retry-After")).isEqualTo(jersey.raw().headers().firstValue("Retry-After"));
        assertThat(direct.raw().headers().firstValue(SessionToken.SATISFIED_HEADER))
                .isEqualTo(jersey.raw().headers().firstValue(SessionToken.SATISFIED_HEADER));
        assertThat(direct.raw().headers().firstValue("Connection")).isEqualTo(jersey.raw().headers().firstValue("Connection"));
        assertThat(direct.raw().headers().firstValue(SessionToken.HEADER).isPresent())
                .isEqualTo(jersey.raw().headers().firstValue(SessionToken.HEADER).isPresent());
        for (Http.Answer answer : new Http.Answer[] {direct, jersey}) { // a position each, in the same form
            answer.raw().headers().firstValue(SessionToken.HEADER).ifPresent(t -> assertThat(SessionToken.parse(t).isEmpty()).isFalse());
        }
        return new Http.Answer[] {direct, jersey};
    }

    /** As {@link #both}, and the two JSON bodies are equal (a 5xx's error id aside). */
    static JsonNode same(String method, String url, String body, Map<String, String> headers) throws Exception {
        Http.Answer[] answers = both(method, url, body, headers);
        JsonNode direct = withoutErrorId(answers[0].json());
        assertThat(direct).as(method + " " + url).isEqualTo(withoutErrorId(answers[1].json()));
        return direct;
    }

    static JsonNode withoutErrorId(JsonNode json) {
        if (json instanceof ObjectNode o) {
            o.remove("errorId");
        }
        return json;
    }

    @Test
    void writesAndReadsAnswerAlike() throws Exception {
        Http.Answer[] put = both("PUT", url(NS, "r1"), items("k", "v1"), Map.of());
        assertThat(put[0].status()).isEqualTo(200);
        java.util.List<String> fields = new java.util.ArrayList<>();
        put[1].json().fieldNames().forEachRemaining(fields::add);
        assertThat(put[0].json().fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(fields);
        assertThat(put[0].json().path("region").asText()).isEqualTo(put[1].json().path("region").asText()).isEqualTo(a.region().name());
        JsonNode read = same("GET", url(NS, "r1"), null, Map.of());
        assertThat(read.path("items").get(0).path("value").asText()).isEqualTo(b64("v1"));
        // a session carried from the direct write: both paths honour it and say so
        String session = put[0].raw().headers().firstValue(SessionToken.HEADER).orElseThrow();
        same("GET", url(NS, "r1"), null, Map.of(SessionToken.HEADER, session));
        assertThat(same("GET", url(NS, "r1-missing"), null, Map.of()).path("reason").asText()).isEqualTo("record-not-found");
        assertThat(same("GET", url("direct_records_none", "r"), null, Map.of()).path("reason").asText()).isEqualTo("namespace-not-found");
        // an idempotent retry of a write answers the same write both ways
        Map<String, String> token = Map.of(IdempotencyToken.HEADER, IdempotencyToken.generate(java.time.Clock.systemUTC()).toString());
        Http.Answer[] retried = both("PUT", url(NS, "r2"), items("k", "v2"), token);
        assertThat(retried[0].status()).isEqualTo(200);
        assertThat(retried[0].json().path("timestamp")).isEqualTo(retried[1].json().path("timestamp"));
    }

    @Test
    void badInputIsRefusedAlike() throws Exception {
        String id = "bad";
        long logBefore = Http.logEnd(a.kafkaBootstrap());
        long errorsBefore = meter(PUT_ERRORS);
        assertThat(same("PUT", url(NS, id), "", Map.of()).path("code").asInt()).isEqualTo(400);
        assertThat(meter(PUT_ERRORS)).as("both paths meter the resource's errors").isEqualTo(errorsBefore + 2);
        same("PUT", url(NS, id), " \n ", Map.of());
        assertThat(same("PUT", url(NS, id), "{\"items\": [", Map.of()).path("message").asText()).startsWith("request body is not valid JSON");
        assertThat(both("PUT", url(NS, id), "{\"items\": [ {\"key\": " + "7".repeat(1 << 16) + "x", Map.of())[0].raw().headers()
                .firstValue("Connection")).as("a body the parser left part-way ends its connection").hasValue("close");
        same("PUT", url(NS, id), "{\"items\": []}", Map.of());
        same("PUT", url(NS, id), "null", Map.of());
        same("PUT", url(NS, id), "{\"items\": [{\"key\": \"***\", \"value\": \"AA==\"}]}", Map.of());
        same("PUT", url(NS, id), "{\"items\": [{\"key\": 7}]}", Map.of());
        same("PUT", url(NS, id), items("k", "v"), Map.of(IdempotencyToken.HEADER, "not-a-token"));
        same("PUT", url(NS, id), items("k", "v"), Map.of("Meridian-Deadline-Ms", "soon"));
        same("PUT", url(NS, "x".repeat(5000)), items("k", "v"), Map.of());
        same("PUT", url("Not-A-Name", id), items("k", "v"), Map.of());
        same("PUT", url("meridian_internal", id), items("k", "v"), Map.of());
        same("PUT", url(NS, id), "{\"items\":[{\"key\":\"" + b64("k") + "\",\"value\":\""
                + Base64.getEncoder().encodeToString(new byte[2 * 1024 * 1024]) + "\"}]}", Map.of());
        same("PUT", url(NS, id), items("k", "v"), Http.as(cluster, ClusterCredentials.READER));
        same("GET", url(NS, id), null, Map.of("Meridian-Deadline-Ms", "0"));
        same("GET", url(NS, id), null, Map.of("Meridian-Deadline-Ms", "-5"));
        same("GET", url(NS, id), null, Map.of(SessionToken.HEADER, "garbage"));
        same("GET", url(NS, id), null, Map.of(SessionToken.HEADER, "region-a:0:99999999,@1"));
        same("GET", url(NS, id), null, Http.as(cluster, ClusterCredentials.PEER));
        // nothing of the above was written
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("mutation log end offsets").isEqualTo(logBefore);
        Http.Answer read = Http.send("GET", url(NS, id), null);
        assertThat(read.status()).isEqualTo(404);
    }

    static final String PUT_ERRORS = "io.meridian.server.data.RecordsResource.put-items-errors.exceptions";

    static long meter(String name) throws Exception {
        return Http.anonymous("GET", a.serverAdminUrl() + "/metrics", null).json().path("meters").path(name).path("count").asLong(-1);
    }

    static long timer(String name) throws Exception {
        return Http.anonymous("GET", a.serverAdminUrl() + "/metrics", null).json().path("timers").path(name).path("count").asLong(-1);
    }

    @Test
    void bothPathsCountInTheResourcesTimers() throws Exception {
        String put = "io.meridian.server.data.RecordsResource.put-items";
        long calls = timer(put);
        long totals = timer(put + ".total");
        both("PUT", url(NS, "timed"), items("k", "v"), Map.of());
        assertThat(timer(put)).isEqualTo(calls + 2);
        assertThat(timer(put + ".total")).isEqualTo(totals + 2);
    }

    /** Headers sent twice: Jersey joins or refuses them, so the direct path leaves such requests to it. */
    @Test
    void repeatedHeadersGoToJersey() throws Exception {
        long before = directServed();
        java.net.http.HttpRequest twice = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url(NS, "twice")))
                .header("Authorization", Http.appAuthorizationFor(url(NS, "twice")))
                .header("Content-Type", "application/json").header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(items("k", "v"))).build();
        int status = Http.CLIENT.send(twice, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
        assertThat(status).as("Jersey's answer to two Content-Types").isNotEqualTo(200);
        java.net.http.HttpRequest traced = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url(NS, "twice")))
                .header("Authorization", Http.appAuthorizationFor(url(NS, "twice")))
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").GET().build();
        assertThat(Http.CLIENT.send(traced, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
        assertThat(directServed()).as("neither was the direct path's").isEqualTo(before);
        assertThat(Http.send("GET", url(NS, "twice"), null).status()).as("nothing written").isEqualTo(404);
    }

    /**
     * The router's health probe and plan poll (server {@code routing.DirectRouter}) answer alike both ways, for every kind
     * of caller: the plan to anyone, the health to peers and operators, a 403 to an application; what the direct path does
     * not take goes to Jersey.
     */
    @Test
    void routerHealthAndPlanAnswerAlike() throws Exception {
        String health = a.serverUrl() + "/v1/router/health";
        String plan = a.serverUrl() + "/v1/router/plan";
        Http.Answer[] anyone = routerBoth(PLAN_METER, plan, Map.of(), j -> j);
        assertThat(anyone[0].status()).isEqualTo(200);
        assertThat(anyone[0].json().path("regions").size()).as("the plan names every region").isEqualTo(cluster.regions().size());
        assertThat(routerBoth(PLAN_METER, plan, Http.as(cluster, ClusterCredentials.READER), j -> j)[0].status()).isEqualTo(200);
        assertThat(routerBoth(HEALTH_METER, health, Map.of(), j -> j)[0].status()).as("an application may not probe health")
                .isEqualTo(403);
        for (String principal : java.util.List.of(ClusterCredentials.PEER, ClusterCredentials.OPERATOR)) {
            Http.Answer[] answers = routerBoth(HEALTH_METER, health, Http.as(cluster, principal), DirectRecordsIT::stableHealth);
            JsonNode direct = answers[0].json();
            assertThat(answers[0].status()).isEqualTo(200);
            assertThat(direct.path("clockMillis").asLong()).isPositive();
            assertThat(direct.path("observations").size()).as("the observer's view").isPositive();
            assertThat(fieldNames(direct)).isEqualTo(fieldNames(answers[1].json()));
        }
        // what the direct path does not take: answers only Jersey gives (it never answers 406, 401 or 405)
        assertThat(Http.send("GET", plan, null, Map.of("Accept", "text/plain")).status()).isEqualTo(406);
        Http.Answer refused = Http.send("GET", health, null, Map.of("Authorization", "Basic " + b64("peer:not-the-secret")));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.raw().headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"meridian\"");
        assertThat(Http.send("POST", plan, "{}", Http.operator(cluster)).status()).as("no such method").isEqualTo(405);
    }

    static final String PLAN_METER = "meridian.api.direct-router.plan";
    static final String HEALTH_METER = "meridian.api.direct-router.health";

    static java.util.List<String> fieldNames(JsonNode json) {
        java.util.List<String> names = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A health answer without what moves between two calls: the time and the observations' ages. */
    static JsonNode stableHealth(JsonNode json) {
        ObjectNode copy = json.deepCopy();
        copy.remove(java.util.List.of("clockMillis", "observations"));
        return copy;
    }

    /**
     * {@code GET url} once plainly and once via Jersey; returns the pair once the plain one alone counted in {@code meter}
     * (the Jersey one not at all) and both answered alike: status, {@code stable} of the JSON, and the headers {@link #both}
     * compares. The router's meters also move with the other regions' health probes (every second), and a health answer's
     * alerts may change between two calls, so a pair that either fell into is sent again, for up to two minutes.
     */
    static Http.Answer[] routerBoth(String meter, String url, Map<String, String> headers,
            java.util.function.UnaryOperator<JsonNode> stable) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
        String last = "no pair sent";
        for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
            long before = meter(meter);
            Http.Answer direct = Http.send("GET", url, null, headers);
            long mid = meter(meter);
            Map<String, String> jerseyHeaders = new HashMap<>(headers);
            jerseyHeaders.putAll(VIA_JERSEY);
            Http.Answer jersey = Http.send("GET", url, null, jerseyHeaders);
            long after = meter(meter);
            if (mid - before != 1 || after != mid) {
                last = "attempt " + attempt + ": " + meter + " moved by " + (mid - before) + " and " + (after - mid);
                continue; // a probe arrived in between: which path served which is not known
            }
            if (direct.status() != jersey.status() || !stable.apply(direct.json()).equals(stable.apply(jersey.json()))) {
                last = "attempt " + attempt + ": " + direct.status() + " " + direct.body() + " / " + jersey.status() + " " + jersey.body();
                continue;
            }
            for (String h : java.util.List.of("Content-Type", "Retry-After", "Connection", SessionToken.HEADER)) {
                assertThat(direct.raw().headers().firstValue(h).map(String::toLowerCase)).as(h)
                        .isEqualTo(jersey.raw().headers().firstValue(h).map(String::toLowerCase));
            }
            return new Http.Answer[] {direct, jersey};
        }
        throw new AssertionError("for two minutes no pair of " + url + " was served once each way and answered alike; last: " + last);
    }

    @Test
    void whatTheDirectPathDoesNotTakeGoesToJerseyUnchanged() throws Exception {
        long before = directServed();
        Map<String, String> wrong = Map.of("Authorization", "Basic " + b64("app:not-the-secret"));
        Http.Answer refused = Http.send("PUT", url(NS, "w"), items("k", "v"), wrong);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.raw().headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"meridian\"");
        assertThat(Http.anonymous("GET", url(NS, "w"), null).status()).isEqualTo(401);
        Http.Answer keyed = Http.send("GET", url(NS, "w") + "?key=" + b64("k"), null); // a keyed read answers the keys it found
        assertThat(keyed.status()).isEqualTo(200);
        assertThat(keyed.json().path("items").size()).isZero();
        assertThat(Http.send("GET", url(NS, "w%41"), null).status()).isEqualTo(404);
        assertThat(Http.send("GET", url(NS, "w"), null, Map.of("Accept", "text/plain")).status()).isEqualTo(406);
        assertThat(Http.send("DELETE", url(NS, "w"), null).status()).isEqualTo(200);
        assertThat(directServed()).as("none of these was the direct path's").isEqualTo(before);
    }
}
