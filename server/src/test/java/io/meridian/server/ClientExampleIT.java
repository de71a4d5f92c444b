package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.junit.LocalClusterExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example of {@code docs/client.md}, compiled and run against the shared cluster.
 * {@link ClientExampleDocTest} checks the document shows exactly the code between the markers.
 */
@ExtendWith(LocalClusterExtension.class)
class ClientExampleIT {

    @Test
    void theDocumentedExampleRuns(LocalCluster cluster) {
        String regionAUrl = cluster.regions().get(0).serverUrl();
        String regionBUrl = cluster.regions().get(1).serverUrl();
        io.meridian.localcluster.ClusterCredentials credentials = io.meridian.localcluster.ClusterCredentials.of(cluster.directory());
        List<String> out = Example.run(regionAUrl, regionBUrl, credentials.app(), credentials.operator());
        assertThat(out).containsExactly("name = Ada", "written at timestamp > 0: true", "items after delete: [name]",
                "missing record: NotFound");
    }

    /** The code shown in docs/client.md. */
    static final class Example {
        static List<String> run(String regionAUrl, String regionBUrl, String appSecret, String operatorPassword) {
            java.util.List<String> out = new java.util.ArrayList<>();
            // example:start
            io.meridian.client.MeridianClient client = io.meridian.client.MeridianClient.builder()
                    .homeRegion("region-a")                        // calls go here first
                    .endpoint("region-a", regionAUrl)              // e.g. http://127.0.0.1:19080
                    .endpoint("region-b", regionBUrl)              // fall-back when region-a does not answer
                    .requestTimeout(java.time.Duration.ofSeconds(5))
                    .maxAttempts(3)                                // retries reuse the write's idempotency token
                    .credentials("app", appSecret)                 // a principal with read/write on the namespace
                    .operator("operator", operatorPassword)        // sent only for namespace admin
                    .build();

            client.createNamespace("profiles");                    // every region; idempotent

            io.meridian.client.WriteResult written = client.put("profiles", "user-42", java.util.Map.of(
                    io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Ada"),
                    io.meridian.core.Bytes.utf8("city"), io.meridian.core.Bytes.utf8("London")));

            io.meridian.client.Record profile = client.get("profiles", "user-42");
            out.add("name = " + profile.text("name").orElse("?"));
            out.add("written at timestamp > 0: " + (written.timestamp() > 0));

            client.mutate("profiles", "user-42", io.meridian.client.RecordChange.builder()
                    .delete("city")
                    .build());
            out.add("items after delete: " + client.get("profiles", "user-42").items().stream()
                    .map(i -> i.key().toUtf8()).toList());

            try {
                client.get("profiles", "nobody");
            } catch (io.meridian.client.MeridianClientException.NotFound e) {
                out.add("missing record: NotFound");
            }

            client.putAsync("profiles", "user-43", java.util.Map.of(
                            io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Grace")))
                    .thenAccept(w -> System.out.println("async write acknowledged by " + w.region()))
                    .toCompletableFuture().join();
            // example:end
            return out;
        }
    }
}
