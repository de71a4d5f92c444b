package io.meridian.drills;

import io.meridian.bench.OpenLoop;
import io.meridian.client.MeridianClient;
import io.meridian.client.MeridianClientException;
import io.meridian.client.WriteResult;
import io.meridian.core.BasicCredentials;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The drill's workload: one client homed in every region, following the routing plan, each sending
 * at a fixed rate: 70 % puts of unique values, 10 % item deletes, 20 % reads, over records and items
 * that every region writes (overlap on purpose). Every operation is recorded in the {@link History}.
 * Seeded. Thread-safe to start and stop once.
 */
public final class Workload implements AutoCloseable {

    static final int RECORDS = 100;
    static final int KEYS = 3;

    private final String namespace;
    private final History history;
    private final int ratePerRegion;
    private final long seed;
    private final List<MeridianClient> clients = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();

    /** How much load, and the seed of its choices. */
    public record Load(int ratePerRegion, long seed) {
    }

    /**
     * @param regions region → server URL
     * @param credentials the service principal the clients write as
     */
    public Workload(Map<RegionId, String> regions, String namespace, History history, Load load, BasicCredentials credentials) {
        this.namespace = namespace;
        this.history = history;
        this.ratePerRegion = load.ratePerRegion();
        this.seed = load.seed();
        for (RegionId home : regions.keySet()) {
            MeridianClient.Builder b = MeridianClient.builder().homeRegion(home).requestTimeout(Duration.ofSeconds(3))
                    .connectTimeout(Duration.ofSeconds(1)).maxAttempts(6).followRoutingPlan(Duration.ofMillis(500))
                    .credentials(credentials.user(), credentials.secret());
            regions.forEach((r, url) -> b.endpoint(r, URI.create(url)));
            clients.add(b.build());
        }
    }

    public void start() {
        int index = 0;
        for (MeridianClient c : clients) {
            Random random = new Random(seed + index++);
            Thread t = new Thread(() -> run(c, random), "drill-workload-" + c.homeRegion());
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** This client's load: issued by the one open-loop generator, one operation at a time (a sequential history). */
    private void run(MeridianClient c, Random random) {
        long[] i = {0};
        OpenLoop.until(stop::get, ratePerRegion, 1, intended -> {
            sent.incrementAndGet();
            return new OpenLoop.Send(next(c, random, i[0]++), null);
        }, null);
    }

    /** One operation, recorded in the history when it completes; the stage completes after that, never exceptionally. */
    private CompletionStage<?> next(MeridianClient c, Random random, long i) {
        String home = c.homeRegion().name();
        String id = "rec-" + random.nextInt(RECORDS);
        String key = "k" + random.nextInt(KEYS);
        int dice = random.nextInt(100);
        long start = System.currentTimeMillis();
        if (dice < 70) {
            String value = home + "-" + i;
            return c.putAsync(namespace, id, Map.of(Bytes.utf8(key), Bytes.utf8(value)))
                    .handle((w, e) -> write(History.Kind.PUT, start, home, id, key, value, w, e));
        }
        if (dice < 80) {
            return c.deleteItemsAsync(namespace, id, List.of(Bytes.utf8(key)))
                    .handle((w, e) -> write(History.Kind.DELETE, start, home, id, key, null, w, e));
        }
        return c.getAsync(namespace, id).handle((r, e) -> {
            Throwable cause = unwrap(e);
            boolean ok = cause == null || cause instanceof MeridianClientException.NotFound; // an empty record is an answer
            history.add(new History.Op(start, System.currentTimeMillis(), home, null, History.Kind.READ, id,
                    ok ? null : key, null, 0, ok, ok ? null : cause.getMessage()));
            return null;
        });
    }

    private Void write(History.Kind kind, long start, String home, String id, String key, String value, WriteResult w,
            Throwable e) {
        Throwable cause = unwrap(e);
        History.Op op = cause == null
                ? new History.Op(start, System.currentTimeMillis(), home, w.region().name(), kind, id, key, value, w.timestamp(),
                        true, null)
                : new History.Op(start, System.currentTimeMillis(), home, null, kind, id, key, null, 0, false, cause.getMessage());
        history.add(op);
        return null;
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    public long sent() {
        return sent.get();
    }

    @Override
    public void close() {
        stop.set(true);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clients.forEach(MeridianClient::close);
    }
}
