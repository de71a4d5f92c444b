package io.meridian.server.internal.router;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.RegionId;
import io.meridian.router.HealthModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * This region's observer and its view of the others'. Every second: probe every region's health
 * ({@code GET /v1/router/health} of one server per region; this region's own checks directly) and
 * keep, per region, healthy/unhealthy with the time it has been so; and fetch every other region's
 * observations ({@code GET /v1/router/observations}). Reports older than {@link #STALE} are dropped:
 * an observer that cannot be reached does not count. An observer reports on a region only once it
 * has seen it healthy: a region still starting is not failed (and evacuated) before it ever served.
 * Thread-safe.
 */
public final class HealthObservers {

    static final Duration STALE = Duration.ofSeconds(5);
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private final RegionId self;
    private final List<RegionId> regions;
    private final Map<String, String> urls; // region -> one server's base URL (other regions)
    private final Supplier<String> ownProblems; // null when healthy, else what fails
    private final String authorization; // this server's peer credentials
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, HealthModel.Observation> mine = new ConcurrentHashMap<>();
    private final Map<String, Received> others = new ConcurrentHashMap<>();

    private record Received(long atMillis, Map<String, HealthModel.Observation> observations) {
    }

    public HealthObservers(RegionId self, List<RegionId> regions, Map<String, String> urls, Supplier<String> ownProblems,
            String authorization, Clock clock) {
        this.authorization = authorization;
        this.self = self;
        this.regions = List.copyOf(regions);
        this.urls = Map.copyOf(urls);
        this.ownProblems = ownProblems;
        this.clock = clock;
    }

    /** One round: probe every region and fetch the other observers' views (in parallel, bounded by timeouts). */
    public void round() {
        long now = clock.millis();
        record(self.name(), ownProblems.get(), now);
        Map<String, CompletableFuture<HttpResponse<String>>> probes = new HashMap<>();
        Map<String, CompletableFuture<HttpResponse<String>>> views = new HashMap<>();
        urls.forEach((region, url) -> {
            probes.put(region, get(url + "/v1/router/health"));
            views.put(region, get(url + "/v1/router/observations"));
        });
        probes.forEach((region, f) -> {
            String problem;
            try {
                HttpResponse<String> r = f.join();
                problem = r.statusCode() == 200 ? null : "health " + r.statusCode() + ": " + abbreviate(r.body());
            } catch (RuntimeException e) {
                problem = "unreachable: " + (e.getCause() != null ? e.getCause() : e);
            }
            record(region, problem, now);
        });
        views.forEach((region, f) -> {
            try {
                HttpResponse<String> r = f.join();
                if (r.statusCode() == 200) {
                    others.put(region, new Received(clock.millis(), json.readValue(r.body(),
                            new TypeReference<Map<String, HealthModel.Observation>>() { })));
                }
            } catch (Exception e) {
                // that observer does not count until it answers again
            }
        });
    }

    private CompletableFuture<HttpResponse<String>> get(String url) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).header("Authorization", authorization).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    private void record(String region, String problem, long now) {
        boolean healthy = problem == null;
        if (!healthy && !mine.containsKey(region)) {
            // never seen healthy yet (the cluster is starting, or this observer just started): no report, so a
            // region that is still coming up is not failed and evacuated before it ever served
            return;
        }
        mine.compute(region, (k, old) -> old != null && old.healthy() == healthy
                ? new HealthModel.Observation(healthy, old.sinceMillis(), healthy ? "" : problem)
                : new HealthModel.Observation(healthy, now, healthy ? "" : problem));
    }

    /** What this region's observer sees, by region. */
    public Map<String, HealthModel.Observation> observations() {
        return Map.copyOf(mine);
    }

    /** Every observer's view that is fresh: observer → target → observation. */
    public Map<String, Map<String, HealthModel.Observation>> all() {
        Map<String, Map<String, HealthModel.Observation>> out = new HashMap<>();
        out.put(self.name(), observations());
        long now = clock.millis();
        others.forEach((observer, r) -> {
            if (now - r.atMillis() <= STALE.toMillis()) {
                out.put(observer, r.observations());
            }
        });
        return out;
    }

    /** The verdict on every region. */
    public Map<RegionId, HealthModel.Verdict> verdicts(Duration failAfter) {
        Map<String, Map<String, HealthModel.Observation>> all = all();
        Map<RegionId, HealthModel.Verdict> out = new HashMap<>();
        long now = clock.millis();
        for (RegionId r : regions) {
            out.put(r, HealthModel.verdict(r, regions, all, now, failAfter.toMillis()));
        }
        return out;
    }
}
