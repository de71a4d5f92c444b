package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Trust boundaries on real engines (hardening issue, cases 3 and 11): the data plane is authenticated and
 * checks roles; Meridian's own state (routing plan, audit) is not reachable through the data API — a forged
 * plan write is refused and the plan stays as it was; secrets files are owner-only. Shared cluster.
 */
@ExtendWith(LocalClusterExtension.class)
class TrustIT {

    static final String NS = "trust_it";
    static RegionEndpoints a;
    static LocalCluster cluster;

    @BeforeAll
    static void namespace(LocalCluster c) throws Exception {
        cluster = c;
        a = c.regions().get(0);
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/" + NS, "{}", Http.operator(c)).status()).isIn(200, 201);
    }

    static String record(String ns, String id) {
        return a.serverUrl() + "/v1/namespaces/" + ns + "/records/" + id;
    }

    static final String ITEM = "{\"items\":[{\"key\":\"" + Base64.getEncoder().encodeToString("k".getBytes()) + "\",\"value\":\""
            + Base64.getEncoder().encodeToString("v".getBytes()) + "\"}]}";

    @Test
    void withoutCredentialsNothingIsReadOrWritten() throws Exception {
        long log = Http.logEnd(a.kafkaBootstrap());
        Http.Answer refused = Http.anonymous("PUT", record(NS, "anon"), ITEM);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.raw().headers().firstValue("Connection")).as("a refusal before the body was read closes the connection"
                + " and says so, so that no client sends its next request on it").hasValue("close");
        assertThat(Http.anonymous("GET", record(NS, "anon"), null).status()).isEqualTo(401);
        assertThat(Http.anonymous("GET", a.serverUrl() + "/v1/namespaces", null).status()).isEqualTo(401);
        assertThat(Http.anonymous("PUT", a.serverUrl() + "/v1/namespaces/trust_it_anon", "{}").status()).isEqualTo(401);
        assertThat(Http.send("PUT", record(NS, "anon"), ITEM, Map.of("Authorization", "Basic "
                + Base64.getEncoder().encodeToString("app:wrong-secret".getBytes()))).status()).isEqualTo(401);
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);
        assertThat(Http.send("GET", record(NS, "anon"), null).status()).isEqualTo(404);
        Http.Answer written = Http.send("PUT", record(NS, "keep-alive"), ITEM);
        assertThat(written.status()).isEqualTo(200);
        assertThat(written.raw().headers().firstValue("Connection")).as("a request whose body was read keeps its connection").isEmpty();
    }

    @Test
    void eachRoleDoesOnlyWhatItMay() throws Exception {
        Map<String, String> reader = Http.as(cluster, "reader");
        Map<String, String> app = Http.as(cluster, "app");
        assertThat(Http.send("PUT", record(NS, "roles"), ITEM, reader).status()).as("reader writes").isEqualTo(403);
        assertThat(Http.send("PUT", record(NS, "roles"), ITEM, app).status()).as("app writes").isEqualTo(200);
        assertThat(Http.send("GET", record(NS, "roles"), null, reader).status()).as("reader reads").isEqualTo(200);
        Http.Answer create = Http.send("PUT", a.serverUrl() + "/v1/namespaces/trust_it_app", "{}", app);
        assertThat(create.status()).as("app creates a namespace").isEqualTo(403);
        assertThat(create.json().path("message").asText()).contains("admin");
        assertThat(Http.send("POST", a.serverUrl() + "/v1/router/hold", "{\"reason\":\"x\"}", app).status()).isEqualTo(403);
        assertThat(Http.send("GET", a.serverUrl() + "/v1/replication/dead-letters", null, app).status()).isEqualTo(403);
        assertThat(Http.send("GET", a.serverUrl() + "/v1/router/agreement/chosen", null, Http.operator(cluster)).status())
                .as("only peers take part in the agreement").isEqualTo(403);
    }

    @Test
    void aForgedPlanWriteThroughTheDataApiIsRefusedAndThePlanIsUnchanged() throws Exception {
        Http.Answer before = Http.send("GET", a.serverUrl() + "/v1/router/plan", null);
        assertThat(before.status()).isEqualTo(200);
        String forged = "{\"version\":1000000000000000000,\"updatedAt\":1,\"regions\":{\"region-a\":{\"state\":\"EVACUATED\","
                + "\"keptPercent\":0}},\"weights\":{},\"operation\":null}";
        String item = "{\"items\":[{\"key\":\"" + Base64.getEncoder().encodeToString("current".getBytes()) + "\",\"value\":\""
                + Base64.getEncoder().encodeToString(forged.getBytes()) + "\"}]}";
        long log = Http.logEnd(a.kafkaBootstrap());
        for (Map<String, String> who : java.util.List.of(Map.<String, String>of(), Http.as(cluster, "app"), Http.operator(cluster))) {
            Http.Answer put = who.isEmpty() ? Http.anonymous("PUT", record("meridian_router", "plan"), item)
                    : Http.send("PUT", record("meridian_router", "plan"), item, who);
            assertThat(put.status()).as("forged plan write as " + who.keySet()).isIn(401, 403);
            Http.Answer read = Http.send("GET", record("meridian_router", "audit"), null, who.isEmpty() ? Http.as(cluster, "app") : who);
            assertThat(read.status()).as("reading the audit through the data API").isEqualTo(403);
        }
        assertThat(Http.send("PUT", a.serverUrl() + "/v1/namespaces/meridian_other", "{}", Http.operator(cluster)).status())
                .as("creating an internal namespace").isEqualTo(400);
        assertThat(Http.logEnd(a.kafkaBootstrap())).as("nothing appended").isEqualTo(log);
        Http.Answer after = Http.send("GET", a.serverUrl() + "/v1/router/plan", null);
        assertThat(after.json().path("version").asLong()).isEqualTo(before.json().path("version").asLong());
        assertThat(after.json().path("regions").path("region-a").path("state").asText()).isEqualTo("SERVING");
        assertThat(Http.send("GET", a.serverUrl() + "/v1/namespaces", null, Http.operator(cluster)).body())
                .as("internal namespaces are not listed").doesNotContain("meridian_router");
    }

    @Test
    void secretsFilesAreOwnerOnly() throws Exception {
        Path credentials = cluster.directory().resolve("credentials");
        assertThat(Files.getPosixFilePermissions(credentials)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        try (var files = Files.walk(cluster.directory())) {
            for (Path yml : files.filter(p -> p.getFileName().toString().equals("server.yml")).toList()) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(yml);
                assertThat(perms).as(yml.toString()).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.OWNER_WRITE);
                assertThat(Files.readString(yml)).as("no application secret in " + yml)
                        .doesNotContain(io.meridian.localcluster.ClusterCredentials.of(cluster.directory()).app());
            }
        }
    }
}
