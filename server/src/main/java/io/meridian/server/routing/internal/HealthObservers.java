package io.meridian.server.routing.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.RegionId;
import io.meridian.core.wire.HealthObservation;
import io.meridian.core.wire.RegionHealthReport;
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
    private final Map<RegionId, List<String>> urls; // region -> its server instances' base URLs (own region: the siblings)
    private final Supplier<String> ownProblems; // null when healthy, else what fails
    private final String authorization; // this server's peer credentials
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final ObjectMapper json = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final Map<RegionId, HealthObservation> mine = new ConcurrentHashMap<>();
    private final Map<RegionId, Received> others = new ConcurrentHashMap<>();
    private final Map<RegionId, Long> planVersions = new ConcurrentHashMap<>();
    /** Per region: recent {its clock minus ours, round trip, when} samples (ms), newest last. */
    private final Map<RegionId, java.util.Deque<long[]>> clockSamples = new ConcurrentHashMap<>();

    private record Received(long atMillis, Map<RegionId, HealthObservation> observations) {
    }

    /**
     * What an observer watches.
     *
     * @param self this server's region
     * @param regions every region, this one included (a region without instances here is never probed: no report)
     * @param instances every region's server instances; the own region's entry lists this server's siblings (it is
     *     one region: down only when none of them serves)
     */
    public record Scope(RegionId self, List<RegionId> regions, Map<RegionId, List<String>> instances) {
        public Scope {
            regions = List.copyOf(regions);
            instances = Map.copyOf(instances);
        }
    }

    /**
     * @param ownProblems null while this server can serve, else what stops it
     * @param authorization this server's peer credentials (an {@code Authorization} header value)
     */
    public HealthObservers(Scope scope, Supplier<String> ownProblems, String authorization, Clock clock) {
        this.authorization = authorization;
        this.self = scope.self();
        this.regions = scope.regions();
        this.urls = scope.instances();
        this.ownProblems = ownProblems;
        this.clock = clock;
    }

    /**
     * One round: probe every instance of every region and fetch the other observers' views (in parallel, bounded by
     * timeouts). A region is healthy when any of its instances is: one instance down is no reason to evacuate a
     * region that still serves.
     */
    public void round() {
        long now = clock.millis();
        long sentAt = clock.millis();
        Map<RegionId, List<CompletableFuture<HttpResponse<String>>>> probes = new HashMap<>();
        urls.forEach((region, list) -> {
            for (String url : list) {
                probes.computeIfAbsent(region, k -> new java.util.ArrayList<>()).add(get(url + "/v1/router/health"));
            }
        });
        String own = ownProblems.get();
        if (own != null && anyHealthy(probes.getOrDefault(self, List.of()), self)) {
            own = null; // this instance cannot serve, a sibling can: the region serves
        }
        record(self, own, now);
        probes.forEach((region, list) -> {
            if (region.equals(self)) {
                return;
            }
            List<String> problems = new java.util.ArrayList<>();
            boolean healthy = false;
            for (CompletableFuture<HttpResponse<String>> f : list) {
                try {
                    HttpResponse<String> r = f.join();
                    java.util.Optional<RegionHealthReport> answer = parse(r.body()); // once: plan version, clock, view
                    long receivedAt = clock.millis();
                    answer.ifPresent(a -> {
                        notePlanVersion(region, a);
                        noteClock(region, a, sentAt, receivedAt);
                        if (!a.observations().isEmpty()) { // an answer without the observer's view keeps the last one
                            others.put(region, new Received(receivedAt, a.observations()));
                        }
                    });
                    if (r.statusCode() == 200) {
                        healthy = true;
                    } else {
                        problems.add("health " + r.statusCode() + ": " + abbreviate(r.body()));
                    }
                } catch (RuntimeException e) {
                    problems.add("unreachable: " + (e.getCause() != null ? e.getCause() : e));
                }
            }
            record(region, healthy ? null : String.join("; ", problems), now);
        });
    }

    private boolean anyHealthy(List<CompletableFuture<HttpResponse<String>>> list, RegionId region) {
        boolean healthy = false;
        for (CompletableFuture<HttpResponse<String>> f : list) {
            try {
                HttpResponse<String> r = f.join();
                parse(r.body()).ifPresent(a -> notePlanVersion(region, a)); // a sibling may know a newer plan than this instance
                healthy |= r.statusCode() == 200;
            } catch (RuntimeException e) {
                // a sibling that does not answer
            }
        }
        return healthy;
    }

    /**
     * A health answer, typed; empty when it is not one (a proxy's error page, an error body without a level): its
     * view (observations, plan version, clock) does not count this round.
     */
    private java.util.Optional<RegionHealthReport> parse(String body) {
        try {
            RegionHealthReport r = json.readValue(body, RegionHealthReport.class);
            return r.level() == null ? java.util.Optional.empty() : java.util.Optional.of(r);
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    private void notePlanVersion(RegionId region, RegionHealthReport answer) {
        planVersions.put(region, answer.planVersion());
    }

    void noteClock(RegionId region, String body, long sentAt, long receivedAt) {
        parse(body).ifPresent(a -> noteClock(region, a, sentAt, receivedAt));
    }

    private void noteClock(RegionId region, RegionHealthReport answer, long sentAt, long receivedAt) {
        long theirs = answer.clockMillis();
        if (theirs > 0) {
            java.util.Deque<long[]> samples = clockSamples.computeIfAbsent(region, k -> new java.util.concurrent.ConcurrentLinkedDeque<>());
            samples.addLast(new long[] {theirs - (sentAt + receivedAt) / 2, receivedAt - sentAt, receivedAt});
            while (samples.size() > CLOCK_SAMPLES) {
                samples.pollFirst();
            }
        }
    }

    static final int CLOCK_SAMPLES = 20;

    /**
     * This server's clock minus the median of every region's clock (its own included, so two regions cannot outvote
     * a third by averaging); 0 when no other region answered lately. Positive: ahead. NTP's way against a loaded
     * machine: per region the sample with the shortest round trip of the last {@value #CLOCK_SAMPLES} probes, whose
     * error is at most half that round trip; the estimate is shrunk toward zero by that error, so slow answers never
     * make a good clock look skewed.
     */
    public long clockSkewMillis() {
        long now = clock.millis();
        List<long[]> best = new java.util.ArrayList<>();
        best.add(new long[] {0, 0});
        clockSamples.forEach((r, samples) -> samples.stream().filter(x -> now - x[2] <= 4 * STALE.toMillis())
                .min(java.util.Comparator.comparingLong(x -> x[1])).ifPresent(x -> best.add(new long[] {x[0], x[1] / 2})));
        if (best.size() == 1) {
            return 0;
        }
        best.sort(java.util.Comparator.comparingLong(x -> x[0]));
        long[] median = best.get(best.size() / 2);
        if (best.size() % 2 == 0 && Math.abs(best.get(best.size() / 2 - 1)[0]) < Math.abs(median[0])) {
            median = best.get(best.size() / 2 - 1); // two in the middle: the one nearer this clock (never blame it by a tie)
        }
        long skew = -median[0];
        long error = median[1];
        return Long.signum(skew) * Math.max(0, Math.abs(skew) - error);
    }

    /** The region whose last health answer reported the highest plan version, with that version. */
    public java.util.Optional<Map.Entry<RegionId, Long>> newestPlan() {
        return planVersions.entrySet().stream().max(Map.Entry.comparingByValue()).map(e -> Map.entry(e.getKey(), e.getValue()));
    }

    private CompletableFuture<HttpResponse<String>> get(String url) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).header("Authorization", authorization).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    private void record(RegionId region, String problem, long now) {
        boolean healthy = problem == null;
        if (!healthy && !mine.containsKey(region)) {
            // never seen healthy yet (the cluster is starting, or this observer just started): no report, so a
            // region that is still coming up is not failed and evacuated before it ever served
            return;
        }
        mine.compute(region, (k, old) -> old != null && old.healthy() == healthy
                ? new HealthObservation(healthy, old.sinceMillis(), healthy ? "" : problem)
                : new HealthObservation(healthy, now, healthy ? "" : problem));
    }

    /** What this region's observer sees, by region. */
    public Map<RegionId, HealthObservation> observations() {
        return Map.copyOf(mine);
    }

    /** Every observer's view that is fresh: observer → target → observation. */
    public Map<RegionId, Map<RegionId, HealthObservation>> all() {
        Map<RegionId, Map<RegionId, HealthObservation>> out = new HashMap<>();
        out.put(self, observations());
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
        Map<RegionId, Map<RegionId, HealthObservation>> all = all();
        Map<RegionId, HealthModel.Verdict> out = new HashMap<>();
        long now = clock.millis();
        for (RegionId r : regions) {
            out.put(r, HealthModel.verdict(r, regions, all, now, failAfter.toMillis()));
        }
        return out;
    }
}
