package io.meridian.server.routing.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.RegionId;
import io.meridian.core.wire.ReplicationStatus;
import io.meridian.router.RegionRouter;
import io.meridian.server.Peers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The restore gate's question, "has this region caught up?", answered from every instance of the region: this
 * instance's replication status typed and in process, the others' fetched from their {@code /v1/replication} as
 * peers and read into the same type; a region is as far as its slowest instance ({@link CatchUpGate}).
 */
public final class RegionCatchUp implements RegionRouter.CatchUp {

    private final RegionId self;
    private final Peers peers;
    private final HttpClient http;
    private final Supplier<ReplicationStatus> ownStatus;
    private final long maxLagMillis;
    /** A newer peer may answer with more fields: they are ignored, not a failure of the gate. */
    private final ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** {@code ownStatus}: null when replication is disabled here (this region can then never be judged caught up). */
    public RegionCatchUp(RegionId self, Peers peers, HttpClient http, Supplier<ReplicationStatus> ownStatus, long maxLagMillis) {
        this.self = self;
        this.peers = peers;
        this.http = http;
        this.ownStatus = ownStatus;
        this.maxLagMillis = maxLagMillis;
    }

    @Override
    public Optional<String> notCaughtUp(RegionId target, Set<RegionId> ignoring) {
        if (target.equals(self) && ownStatus == null) {
            return Optional.of("replication is disabled in " + self);
        }
        List<CatchUpGate.Instance> instances = new ArrayList<>();
        if (target.equals(self)) {
            instances.add(CatchUpGate.Instance.of("this instance", ownStatus.get()));
        }
        for (String url : target.equals(self) ? peers.siblings() : peers.of(target.name())) {
            instances.add(fetch(url));
        }
        return CatchUpGate.notCaughtUp(instances, ignoring, maxLagMillis);
    }

    private CatchUpGate.Instance fetch(String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/replication"))
                    .header("Authorization", peers.authorization()).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? CatchUpGate.Instance.of(url, json.readValue(r.body(), ReplicationStatus.class))
                    : CatchUpGate.Instance.failed(url, "HTTP " + r.statusCode());
        } catch (Exception e) {
            return CatchUpGate.Instance.failed(url, e.toString());
        }
    }
}
