package io.meridian.localcluster.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The fault proxy of an embedded cluster: one process per cluster that every cross-region connection
 * goes through (an applier of region C reading region S's Kafka connects to the route {@code S→C}).
 * Each route listens on its own port and forwards to a Kafka listener of S that advertises this
 * port, so the Kafka client's later connections (after metadata) come back through the route too.
 *
 * <p>Per link (both routes between two regions) it can add round-trip delay (half each way), cut (blackhole or reset)
 * and heal, as told by {@link FaultControl}'s file, which it reads every 50 ms. Delay is a delay line:
 * each chunk is due {@code delay} after it was read, so back-to-back chunks are not delayed
 * cumulatively. Memory is bounded: 64 chunks of 16 KiB per direction per connection; a full queue
 * stops reading, which pushes back on the sender through TCP. JDK only; run as
 * {@code java -cp <this jar> io.meridian.localcluster.internal.FaultProxy DIR source:consumer:listen:target ...}.
 */
public final class FaultProxy {

    private static final int CHUNK = 16 * 1024;
    private static final int QUEUE_CHUNKS = 64;
    private static final long POLL_MS = 50;

    private final Path dir;
    private final List<Route> routes;

    private FaultProxy(Path dir, List<Route> routes) {
        this.dir = dir;
        this.routes = routes;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: FaultProxy DIR source:consumer:listenPort:targetPort ...");
            System.exit(2);
        }
        List<Route> routes = new ArrayList<>();
        for (String spec : Arrays.asList(args).subList(1, args.length)) {
            String[] p = spec.split(":");
            routes.add(new Route(p[0], p[1], Integer.parseInt(p[2]), Integer.parseInt(p[3])));
        }
        new FaultProxy(Path.of(args[0]), routes).run();
    }

    private void run() throws IOException, InterruptedException {
        for (Route r : routes) {
            r.listen();
        }
        log("listening: " + routes);
        long appliedGeneration = -1;
        while (true) {
            FaultControl.Wanted wanted = null;
            try {
                wanted = FaultControl.read(dir); // a few hundred bytes, read every poll: no reliance on mtimes
            } catch (IOException | RuntimeException e) {
                log("cannot read " + dir.resolve(FaultControl.FILE) + " (will retry): " + e);
            }
            if (wanted != null && wanted.generation() != appliedGeneration) {
                for (Route r : routes) {
                    FaultControl.Link l = wanted.link(r.source, r.consumer);
                    r.set(l.cut(), l.delayMs());
                }
                FaultControl.markApplied(dir, wanted.generation());
                appliedGeneration = wanted.generation();
            }
            Thread.sleep(POLL_MS); // polling a file another process writes: nothing to wait on
        }
    }

    static void log(String line) {
        System.out.println(Instant.now() + " fault-proxy: " + line);
        System.out.flush();
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Closes with a TCP RST rather than a FIN. */
    static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // closing below anyway
        }
        closeQuietly(s);
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /** One direction of the proxy: connections from consumer region C to region S's Kafka. */
    static final class Route {
        final String source;
        final String consumer;
        final int listenPort;
        final int targetPort;
        final Set<Conn> connections = ConcurrentHashMap.newKeySet();
        private final Object gate = new Object();
        private volatile String cut = "none";
        private volatile long delayNanos;

        Route(String source, String consumer, int listenPort, int targetPort) {
            this.source = source;
            this.consumer = consumer;
            this.listenPort = listenPort;
            this.targetPort = targetPort;
        }

        @Override
        public String toString() {
            return source + "->" + consumer + " " + listenPort + "->" + targetPort;
        }

        void listen() throws IOException {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 64);
            daemon("accept " + this, () -> {
                while (true) {
                    try {
                        Socket client = server.accept();
                        client.setTcpNoDelay(true);
                        if (cut.equals("reset")) {
                            reset(client);
                        } else {
                            daemon("connect " + this, () -> connect(client));
                        }
                    } catch (IOException e) {
                        log(this + " accept failed: " + e);
                    }
                }
            });
        }

        void set(String newCut, long delayMs) {
            long nanos = TimeUnit.MILLISECONDS.toNanos(delayMs) / 2; // a round trip: half each way
            if (newCut.equals(cut) && nanos == delayNanos) {
                return;
            }
            log(this + ": cut=" + newCut + " delayMs=" + delayMs + " (" + connections.size() + " connections)");
            delayNanos = nanos;
            synchronized (gate) {
                cut = newCut;
                gate.notifyAll();
            }
            if (newCut.equals("reset")) {
                connections.forEach(Conn::reset);
            }
        }

        /** Blocks while the route is blackholed; returns false when it is (or becomes) reset. */
        boolean awaitPassable() {
            synchronized (gate) {
                while (cut.equals("blackhole")) {
                    try {
                        gate.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                return !cut.equals("reset");
            }
        }

        private void connect(Socket client) {
            if (!awaitPassable()) {
                reset(client);
                return;
            }
            Socket upstream = new Socket();
            try {
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
            } catch (IOException e) {
                reset(client); // the target is down: the client sees what it would see without the proxy
                closeQuietly(upstream);
                return;
            }
            Conn conn = new Conn(this, client, upstream);
            connections.add(conn);
            conn.start();
        }
    }

    /** A proxied connection: two pumps, each a reader into a bounded delay line and a writer out of it. */
    static final class Conn {
        private static final byte[] EOF = new byte[0];
        private final Route route;
        private final Socket client;
        private final Socket upstream;
        private final AtomicBoolean closed = new AtomicBoolean();
        private int halvesOpen = 2;

        Conn(Route route, Socket client, Socket upstream) {
            this.route = route;
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }

        private void pump(Socket from, Socket to, String direction) {
            BlockingQueue<Chunk> line = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
            daemon("read " + direction + " " + route, () -> {
                try (InputStream in = from.getInputStream()) {
                    while (true) {
                        byte[] buf = new byte[CHUNK];
                        int n = in.read(buf);
                        long due = System.nanoTime() + route.delayNanos;
                        if (n < 0) {
                            line.put(new Chunk(EOF, 0, due));
                            return;
                        }
                        line.put(new Chunk(buf, n, due));
                    }
                } catch (IOException | InterruptedException e) {
                    close();
                }
            });
            daemon("write " + direction + " " + route, () -> {
                try {
                    OutputStream out = to.getOutputStream();
                    while (!closed.get()) {
                        Chunk c = line.poll(1, TimeUnit.SECONDS);
                        if (c == null) {
                            continue;
                        }
                        long wait;
                        while ((wait = c.due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        if (!route.awaitPassable()) {
                            return; // reset: the route closed the sockets already
                        }
                        if (c.data == EOF) {
                            to.shutdownOutput();
                            halfClosed();
                            return;
                        }
                        out.write(c.data, 0, c.length);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    close();
                }
            });
        }

        private synchronized void halfClosed() {
            if (--halvesOpen == 0) {
                close();
            }
        }

        void reset() {
            if (closed.compareAndSet(false, true)) {
                route.connections.remove(this);
                FaultProxy.reset(client);
                FaultProxy.reset(upstream);
            }
        }

        void close() {
            if (closed.compareAndSet(false, true)) {
                route.connections.remove(this);
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }
    }

    private record Chunk(byte[] data, int length, long due) {
    }
}
