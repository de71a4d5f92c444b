package io.meridian.replicator;

import io.meridian.replicator.internal.Producers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka transport of cache invalidation among the server instances of one region (the policy, what to drop
 * when, is the cache tier's {@code Invalidation}): {@link #announce} sends a record's name on the region's
 * invalidation topic and completes when the region's Kafka acknowledged it ({@code acks=all}: the own applier skips
 * a local write only once its announcement is acknowledged, so it must survive a leader change). Every instance reads
 * the whole topic (no consumer group: each gets every message, from the end at start-up, its cache being empty
 * then) and hands each name to its receiver; when the topic cannot be read, it is told to drop everything (it cannot
 * know what it missed).
 *
 * <p>The topic also carries applied positions (sessions, docs/consistency.md): an applier announces, after a batch's
 * invalidations were acknowledged, the offsets below which it applied each partition of a source's log. The topic has
 * one partition, so an instance that reads a position has already dropped every record applied below it. A starting
 * instance asks for them ({@code R}); every instance answers with its appliers' positions. A position that went back
 * (a log gap) is reset ({@code X <region> ...}; {@code X *} forgets all). All are records without a key (value
 * {@code P <region> <partition>=<offset>;...}, {@code X ...} or {@code R}), which a server without sessions ignores.
 * They are sent from a thread of their own (at most {@value #MAX_PENDING_CONTROL} waiting; more are dropped, which
 * only delays a session), never blocking a request or the listener.
 * Thread-safe.
 */
public final class InvalidationTopic implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InvalidationTopic.class);
    private static final byte SEPARATOR = 0;

    private final String topic;
    private volatile BiConsumer<String, String> changed;
    private volatile Runnable lost;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder sendFailures = new LongAdder();
    private final AtomicBoolean running = new AtomicBoolean();
    static final int MAX_PENDING_CONTROL = 1024;
    private volatile BiConsumer<io.meridian.core.RegionId, Map<Integer, Long>> positions = (r, p) -> { };
    private volatile BiConsumer<io.meridian.core.RegionId, Map<Integer, Long>> reset = (r, p) -> { };
    private volatile Runnable forgetAll = () -> { };
    /** Sends control records: producer.send can block up to max.block.ms while the broker is away. */
    private final java.util.concurrent.ThreadPoolExecutor control = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
            java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.ArrayBlockingQueue<>(MAX_PENDING_CONTROL), r -> {
                Thread t = new Thread(r, "meridian-positions-out");
                t.setDaemon(true);
                return t;
            }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
    private volatile Runnable positionsWanted = () -> { };
    private Thread listener;

    public InvalidationTopic(String bootstrap, String topic, String clientId) {
        this.topic = topic;
        // durable: the own applier skips a local write once its announcement is acknowledged, so an acknowledged
        // announcement must not be lost to a leader change (nothing would send it again)
        Properties p = Producers.durable(bootstrap, clientId + "-invalidations-out");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-invalidations-in");
        // a fetch is answered as soon as an announcement arrives: a long wait only saves empty fetches at idle
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5_000);
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static byte[] key(String namespace, String id) {
        byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] i = id.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[ns.length + 1 + i.length];
        System.arraycopy(ns, 0, k, 0, ns.length);
        k[ns.length] = SEPARATOR;
        System.arraycopy(i, 0, k, ns.length + 1, i.length);
        return k;
    }

    /** Announces that the record changed; completes when the region's Kafka acknowledged the announcement. */
    public CompletableFuture<Void> announce(String namespace, String id) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key(namespace, id), new byte[0]), (md, e) -> {
                if (e == null) {
                    sent.increment();
                    done.complete(null);
                } else {
                    sendFailures.increment();
                    done.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            sendFailures.increment();
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Announces applied positions of {@code source}'s log (partition → offset below which all is applied and
     * announced); to be called only after the invalidations of what they cover were acknowledged.
     */
    public void announcePositions(io.meridian.core.RegionId source, Map<Integer, Long> next) {
        if (next.isEmpty()) {
            return;
        }
        StringBuilder v = new StringBuilder("P ").append(source.name()).append(' ');
        next.forEach((p, o) -> v.append(p).append('=').append(o).append(';'));
        sendControl(v.toString());
    }

    /**
     * Resets positions of {@code source}'s partitions on every instance to what is given (a log that went back); a null
     * source forgets every position of every log.
     */
    public void resetPositions(io.meridian.core.RegionId source, Map<Integer, Long> positions) {
        if (source == null) {
            sendControl("X *");
            return;
        }
        StringBuilder v = new StringBuilder("X ").append(source.name()).append(' ');
        positions.forEach((p, o) -> v.append(p).append('=').append(o).append(';'));
        sendControl(v.toString());
    }

    /** Asks every instance of the region to announce its appliers' positions. */
    public void requestPositions() {
        sendControl("R");
    }

    /**
     * Sends a control record from the control thread. Announcements and requests may be dropped when the queue is full
     * (counted in {@code sendFailures}; a later one covers them); a reset ({@code X}) never is: it is queued even past
     * the bound and sent again until the broker takes it, since positions only grow otherwise.
     */
    private void sendControl(String value) {
        if (value.startsWith("X")) {
            enqueueReset(new Control(value, () -> sendResetNow(value)));
            return;
        }
        int before = control.getQueue().size();
        control.execute(new Control(value, () -> sendNow(value)));
        if (before >= MAX_PENDING_CONTROL) {
            sendFailures.increment(); // dropped by the discard policy
        }
    }

    /** A control record's send, tagged with its value (a full queue makes room for a reset by dropping the others). */
    private record Control(String value, Runnable send) implements Runnable {
        @Override
        public void run() {
            send.run();
        }

        boolean droppable() {
            return !value.startsWith("X");
        }
    }

    /**
     * Queues a reset past the bound if need be: announcements and requests make room for it (later ones cover them);
     * when only resets fill the queue, waits for room (the broker is away: the caller, an applier, cannot go on anyway).
     */
    private void enqueueReset(Control reset) {
        java.util.concurrent.BlockingQueue<Runnable> q = control.getQueue();
        control.prestartCoreThread();
        try {
            while (!q.offer(reset)) {
                int before = q.size();
                q.removeIf(r -> r instanceof Control c && c.droppable());
                sendFailures.add(Math.max(0, before - q.size()));
                if (q.offer(reset)) {
                    return;
                }
                if (q.offer(reset, 1, java.util.concurrent.TimeUnit.SECONDS)) {
                    return;
                }
                if (!running.get() || control.isShutdown()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendNow(String value) {
        try {
            producer.send(new ProducerRecord<>(topic, null, value.getBytes(StandardCharsets.US_ASCII)), (md, e) -> {
                if (e != null) {
                    sendFailures.increment();
                    LOG.debug("could not send '{}' on {}: {}", value, topic, e.toString());
                }
            });
        } catch (RuntimeException e) {
            sendFailures.increment();
            LOG.debug("could not send '{}' on {}: {}", value, topic, e.toString());
        }
    }

    /**
     * Sends a reset and waits for the broker to take it, again every second until it does (or this closes): on the one
     * control thread, so no announcement queued after it can reach the topic before it.
     */
    private void sendResetNow(String value) {
        while (!control.isShutdown()) {
            try {
                producer.send(new ProducerRecord<>(topic, null, value.getBytes(StandardCharsets.US_ASCII)))
                        .get(30, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                sendFailures.increment();
                LOG.warn("could not send the position reset '{}' on {}: {}; again in 1 s", value, topic, e.toString());
                try {
                    Thread.sleep(1_000); // the broker is away: nothing behind it may go first
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Where announced positions go ({@code positions}) and who answers a request for them ({@code wanted}); set before
     * {@link #start}.
     */
    public void onPositions(BiConsumer<io.meridian.core.RegionId, Map<Integer, Long>> positions,
            BiConsumer<io.meridian.core.RegionId, Map<Integer, Long>> reset, Runnable forgetAll, Runnable wanted) {
        this.positions = positions;
        this.reset = reset;
        this.forgetAll = forgetAll;
        this.positionsWanted = wanted;
    }

    /**
     * Starts reading the topic (every partition, from its end) on a daemon thread: each announced record goes to
     * {@code changed}; {@code lost} runs when announcements may have been missed (drop everything).
     */
    public synchronized void start(BiConsumer<String, String> changed, Runnable lost) {
        this.changed = changed;
        this.lost = lost;
        running.set(true);
        listener = new Thread(this::listen, "meridian-invalidations");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen() {
        List<TopicPartition> partitions = null;
        while (running.get() && partitions == null) {
            try {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                        .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position); // positioned now: the answers to this request come after it
                requestPositions();
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("invalidation topic {} not readable yet ({}); dropping the whole cache and retrying", topic,
                        e.toString());
                lost.run();
                partitions = null;
            }
        }
        while (running.get()) {
            try {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    byte[] k = r.key();
                    if (k == null) {
                        control(r.value());
                        continue;
                    }
                    int sep = indexOf(k);
                    if (sep < 0) {
                        continue; // not ours
                    }
                    changed.accept(new String(k, 0, sep, StandardCharsets.UTF_8),
                            new String(k, sep + 1, k.length - sep - 1, StandardCharsets.UTF_8));
                    received.increment();
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("reading invalidations failed ({}); dropping the whole cache", e.toString());
                lost.run();
            }
        }
    }

    /** A position announcement or a request for them; anything else is ignored (a newer server's message). */
    private void control(byte[] value) {
        if (value == null || value.length == 0) {
            return;
        }
        String v = new String(value, StandardCharsets.US_ASCII);
        try {
            if (v.equals("R")) {
                positionsWanted.run();
            } else if (v.equals("X *")) {
                forgetAll.run();
            } else if (v.startsWith("P ") || v.startsWith("X ")) {
                String[] parts = v.split(" ", 3);
                Map<Integer, Long> next = new java.util.HashMap<>();
                for (String e : parts[2].split(";")) {
                    int eq = e.indexOf('=');
                    if (eq > 0) {
                        next.put(Integer.parseInt(e.substring(0, eq)), Long.parseLong(e.substring(eq + 1)));
                    }
                }
                (v.startsWith("P ") ? positions : reset).accept(io.meridian.core.RegionId.of(parts[1]), next);
            }
        } catch (RuntimeException e) {
            LOG.debug("ignoring control message '{}' on {}: {}", io.meridian.core.Limits.printable(v), topic, e.toString());
        }
    }

    private static int indexOf(byte[] k) {
        if (k == null) {
            return -1;
        }
        for (int i = 0; i < k.length; i++) {
            if (k[i] == SEPARATOR) {
                return i;
            }
        }
        return -1;
    }

    /** Counters for the API and metrics: received, sent, send failures. */
    public Map<String, Long> counters() {
        return Map.of("received", received.sum(), "sent", sent.sum(), "sendFailures", sendFailures.sum());
    }

    @Override
    public synchronized void close() {
        running.set(false);
        consumer.wakeup();
        if (listener != null) {
            try {
                listener.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        control.shutdownNow();
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
    }
}
