package io.meridian.drills;

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
import java.util.concurrent.locks.LockSupport;

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

    private void run(MeridianClient c, Random random) {
        String home = c.homeRegion().name();
        long period = 1_000_000_000L / ratePerRegion;
        long next = System.nanoTime();
        for (long i = 0; !stop.get(); i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the load, not waiting for a result
            }
            next += period;
            String id = "rec-" + random.nextInt(RECORDS);
            String key = "k" + random.nextInt(KEYS);
            int dice = random.nextInt(100);
            long start = System.currentTimeMillis();
            sent.incrementAndGet();
            try {
                if (dice < 70) {
                    String value = home + "-" + i;
                    WriteResult w = c.put(namespace, id, Map.of(Bytes.utf8(key), Bytes.utf8(value)));
                    history.add(new History.Op(start, System.currentTimeMillis(), home, w.region().name(), History.Kind.PUT,
                            id, key, value, w.timestamp(), true, null));
                } else if (dice < 80) {
                    WriteResult w = c.deleteItems(namespace, id, List.of(Bytes.utf8(key)));
                    history.add(new History.Op(start, System.currentTimeMillis(), home, w.region().name(),
                            History.Kind.DELETE, id, key, null, w.timestamp(), true, null));
                } else {
                    try {
                        c.get(namespace, id);
                    } catch (MeridianClientException.NotFound e) {
                        // an empty record is an answer
                    }
                    history.add(new History.Op(start, System.currentTimeMillis(), home, null, History.Kind.READ, id, null,
                            null, 0, true, null));
                }
            } catch (MeridianClientException e) {
                History.Kind kind = dice < 70 ? History.Kind.PUT : dice < 80 ? History.Kind.DELETE : History.Kind.READ;
                history.add(new History.Op(start, System.currentTimeMillis(), home, null, kind, id, key, null, 0, false,
                        e.getMessage()));
            }
        }
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
