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
                "missing record: NotFound", "items read in pages: 1", "puts metered: true", "create refused: the record exists",
                "read in the session: Edsger");
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
            // every call metered by operation, region and outcome (any Micrometer registry)
            io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            io.meridian.client.MeridianClient observed = io.meridian.client.MeridianClient.builder()
                    .homeRegion("region-a").endpoint("region-a", regionAUrl).endpoint("region-b", regionBUrl)
                    .credentials("app", appSecret)
                    .listener(new io.meridian.client.MicrometerMetrics(registry))
                    .build();

            // one call's options: a deadline for all its attempts, and the caller's W3C trace (logged where it is applied)
            io.meridian.client.CallOptions options = io.meridian.client.CallOptions.defaults()
                    .withDeadline(java.time.Duration.ofSeconds(5))
                    .withTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            try {
                observed.put("profiles", "user-44", java.util.Map.of(
                        io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Barbara")), options);
            } catch (io.meridian.client.MeridianClientException.Unavailable e) {
                // not answered in time: e.outcomeUnknown() says whether it may have landed; retry with e.token()
                observed.put("profiles", "user-44", java.util.Map.of(
                        io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Barbara")),
                        options.withIdempotencyToken(e.token().orElseThrow()));
            }

            int items = 0;
            for (io.meridian.client.Item item : observed.items("profiles", "user-44")) { // a page at a time
                items++;
            }
            out.add("items read in pages: " + items);
            out.add("puts metered: " + (registry.get("meridian.client.calls").tag("operation", "put").timers().stream()
                    .mapToLong(io.micrometer.core.instrument.Timer::count).sum() > 0));
            // a conditional write: create the record only if it does not exist yet
            try {
                client.mutate("profiles", "user-42", io.meridian.client.RecordChange.builder()
                        .ifRecordAbsent().put("name", "Someone else").build());
            } catch (io.meridian.client.MeridianClientException.ConditionFailed e) {
                out.add("create refused: the record exists");
            }
            // a session: its reads see its own writes from any server of any region, or wait, or fail
            io.meridian.client.Session session = new io.meridian.client.Session();
            io.meridian.client.CallOptions inSession = io.meridian.client.CallOptions.defaults().withSession(session);
            client.put("profiles", "user-45", java.util.Map.of(
                    io.meridian.core.Bytes.utf8("name"), io.meridian.core.Bytes.utf8("Edsger")), inSession);
            String carried = session.token();                      // e.g. kept in the end user's web session
            io.meridian.client.Session resumed = io.meridian.client.Session.resume(carried); // on another host
            out.add("read in the session: " + observed.get("profiles", "user-45",
                    io.meridian.client.CallOptions.defaults().withSession(resumed)).text("name").orElse("?"));
            observed.close();
            client.close();
            // example:end
            return out;
        }
    }
}
