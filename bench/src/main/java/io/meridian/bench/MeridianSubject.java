package io.meridian.bench;

import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Meridian through its client library: puts into the write region's server, whole-record reads (the
 * cache on, as the namespace's default) through a client homed in each read region. Every client has
 * the one endpoint of its region and one attempt, so an error is counted, never hidden by a retry in
 * another region. Namespace {@code bench_visibility}. Thread-safe.
 */
public final class MeridianSubject implements VisibilityBenchmark.Subject {

    static final String NAMESPACE = "bench_visibility";
    private static final Bytes KEY = Bytes.utf8("v");
    private final RegionId writeRegion;
    private final Map<RegionId, MeridianClient> clients = new LinkedHashMap<>();
    private final Map<String, Long> processes;

    /** {@code serverUrls}: one server per region; the first is written into. */
    public MeridianSubject(Map<RegionId, String> serverUrls, BasicCredentials operator, Map<String, Long> processes) {
        this.processes = Map.copyOf(processes);
        this.writeRegion = serverUrls.keySet().iterator().next();
        serverUrls.forEach((r, url) -> clients.put(r, MeridianClient.builder().homeRegion(r).endpoint(r, URI.create(url))
                .credentials(operator.user(), operator.secret()).maxAttempts(1).build()));
        try (MeridianClient admin = MeridianClient.builder().homeRegion(writeRegion)
                .endpoint(writeRegion, URI.create(serverUrls.get(writeRegion))).followRoutingPlan(Duration.ZERO)
                .operator(operator.user(), operator.secret()).build()) {
            admin.createNamespace(NAMESPACE);
        }
    }

    @Override
    public String name() {
        return "meridian";
    }

    @Override
    public RegionId writeRegion() {
        return writeRegion;
    }

    @Override
    public List<RegionId> readRegions() {
        return clients.keySet().stream().filter(r -> !r.equals(writeRegion)).toList();
    }

    @Override
    public CompletionStage<?> write(String id, Bytes value) {
        return clients.get(writeRegion).putAsync(NAMESPACE, id, Map.of(KEY, value));
    }

    @Override
    public CompletionStage<Boolean> visible(RegionId region, String id, Bytes value) {
        return clients.get(region).getAsync(NAMESPACE, id).handle((record, error) -> {
            if (error == null) {
                return record.value(KEY).map(value::equals).orElse(false);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof MeridianClientException.NotFound) {
                return false;
            }
            throw new CompletionException(cause);
        });
    }

    @Override
    public Map<String, Long> processes() {
        return processes;
    }

    @Override
    public void close() {
        clients.values().forEach(MeridianClient::close);
    }
}
