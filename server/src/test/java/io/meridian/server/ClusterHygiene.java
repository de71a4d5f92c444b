package io.meridian.server;

import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LinkFault;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Brings the module's shared cluster back to the state every test starts from, after a test that breaks it on
 * purpose: every process running and thawed, every link healed, no routing operation in progress, every region
 * serving, no open dead letter, no repair flag. Destructive tests call it when they end (also on failure).
 */
final class ClusterHygiene {

    private ClusterHygiene() { }

    static void restore(LocalCluster cluster) throws Exception {
        for (RegionEndpoints r : cluster.regions()) {
            for (Component c : Component.values()) {
                try {
                    cluster.thaw(r.region(), c);
                } catch (RuntimeException notRunning) {
                    // started below
                }
            }
            if (cluster.status(r.region(), Component.CASSANDRA) == EngineStatus.DOWN
                    || cluster.status(r.region(), Component.KAFKA) == EngineStatus.DOWN
                    || cluster.status(r.region(), Component.SERVER) != EngineStatus.UP) {
                cluster.start(r.region());
            }
        }
        for (LinkFault l : cluster.links()) {
            if (l.cut() != LinkFault.Cut.NONE || !l.delay().isZero()) {
                cluster.heal(l.a(), l.b());
            }
        }
        String via = cluster.regions().get(0).serverUrl();
        Http.send("POST", via + "/v1/router/abort", "{\"reason\":\"test hygiene\"}", Http.operator(cluster)); // 409 when none
        for (RegionEndpoints r : cluster.regions()) {
            Http.send("POST", r.serverUrl() + "/v1/replication/dead-letters/discard", "{\"reason\":\"test hygiene\"}", Http.operator(cluster));
            Http.send("POST", r.serverUrl() + "/v1/replication/needs-repair/clear", "{\"reason\":\"test hygiene\"}", Http.operator(cluster));
        }
        for (RegionEndpoints r : cluster.regions()) {
            String region = r.region().name();
            Awaitility.await(region + " serving again").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                String state = Http.send("GET", via + "/v1/router/plan", null).json().path("regions").path(region).path("state").asText();
                if ("SERVING".equals(state)) {
                    return true;
                }
                Http.send("POST", via + "/v1/router/restore", "{\"region\":\"" + region + "\",\"steps\":[100],\"reason\":\"test hygiene\"}",
                        Http.operator(cluster));
                return false;
            });
        }
    }
}
