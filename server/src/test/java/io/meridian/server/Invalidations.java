package io.meridian.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.core.RegionId;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.ServerEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/** Waits on the cache invalidations of a region's server instances (tests that count cache hits and misses). */
final class Invalidations {

    private Invalidations() { }

    /**
     * Until every instance of the region has received every invalidation any of them sent, for a second: a write
     * invalidates its key more than once in its region (the writer at once, then the announcement's echo), so counting
     * reads starts once those landed.
     */
    static void awaitSettled(LocalCluster cluster, RegionId region) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).during(Duration.ofSeconds(1)).until(() -> {
            long sent = 0;
            List<Long> received = new ArrayList<>();
            for (ServerEndpoints s : cluster.region(region).servers()) {
                JsonNode m = Http.send("GET", s.url() + "/v1/cache", null, Http.operator(cluster)).json().path("invalidationMessages");
                sent += m.path("sent").asLong();
                received.add(m.path("received").asLong());
            }
            long total = sent;
            return sent > 0 && received.stream().allMatch(r -> r == total);
        });
    }
}
