package io.meridian.server.api;

import com.codahale.metrics.annotation.Timed;
import io.meridian.replicator.Replicator;
import io.meridian.replicator.SourceStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /v1/replication}: this region's appliers, one entry per source region. */
@Path("/v1/replication")
@Produces(MediaType.APPLICATION_JSON)
public final class ReplicationResource {

    /** One source region, as JSON. */
    public record Source(String source, int assignedPartitions, long lagOffsets, long lagMillis,
            long lastAppliedTimestamp, long applied, long deadLetters, List<String> held, String lastError, boolean caughtUp) {
    }

    /** The body. */
    public record Status(String region, List<Source> sources) {
    }

    private final String region;
    private final Replicator replicator;

    public ReplicationResource(String region, Replicator replicator) {
        this.region = region;
        this.replicator = replicator;
    }

    @GET
    @Timed(name = "replication-status")
    public Status status() {
        return new Status(region, replicator.status().stream().map(ReplicationResource::toJson).toList());
    }

    /**
     * {@code POST /v1/replication/delays}: per source, timestamp→applied delay percentiles (µs) since the
     * previous call, which starts a new interval (for benchmarks). POST because it resets.
     */
    @jakarta.ws.rs.POST
    @Path("/delays")
    public List<Delays> takeDelays() {
        return replicator.takeDelays().stream().map(d -> new Delays(d.source().name(), d.count(), d.p50(), d.p99(), d.p999(),
                d.max())).toList();
    }

    /** Delay percentiles of one source in µs, as JSON. */
    public record Delays(String source, long count, long p50, long p99, long p999, long max) {
    }

    public static Source toJson(SourceStatus s) {
        return new Source(s.source().name(), s.assignedPartitions(), s.lagOffsets(), s.lagMillis(),
                s.lastAppliedTimestampMicros(), s.applied(), s.deadLetters(), s.paused(), s.lastError(), s.caughtUp());
    }
}
