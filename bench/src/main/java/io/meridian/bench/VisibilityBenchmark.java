package io.meridian.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How fast a write into one region becomes visible in the others, for any replicated store (a
 * {@link Subject}): Meridian through its client, and Cassandra's own multi-DC replication as the
 * baseline, measured by the same code one after the other.
 *
 * <p>Method. Open loop: writes of fresh ids are issued at a fixed rate at intended times
 * {@code start + i/rate}, write latency counts from the intended time (no coordinated omission). Every
 * acknowledged write is then watched in each other region: a poller per region re-reads every pending
 * write at most every {@code pollInterval} (a bounded number of reads in flight per region; a write
 * whose previous read has not answered is not read again) until the read returns the value. Its
 * ack→visible latency is the time from the write's acknowledgement to the answer of the read that saw
 * it (so a slow read counts against the store, for both stores alike). Each rate has an unrecorded
 * warm-up at the same rate. CPU-seconds of every process of the store and of this JVM are taken over each
 * phase; the store's idle CPU is measured first with nothing running and subtracted per write. A
 * closed-loop phase ({@code closedConcurrency} writers back to back, no readers) gives the highest write
 * rate. With a profile directory, every process is recorded by Java Flight Recorder during each phase
 * and the top frames are summarised into the result.
 */
public final class VisibilityBenchmark {

    /** A replicated store under test: writes go into one region, reads into the others. Thread-safe. */
    public interface Subject extends AutoCloseable {
        /** Short name for the output ({@code native}, {@code meridian}). */
        String name();

        /** The region written into. */
        RegionId writeRegion();

        /** The regions where each write is watched until visible. */
        List<RegionId> readRegions();

        /** Writes {@code value} as item {@code v} of record {@code id}; completes when acknowledged. */
        CompletionStage<?> write(String id, Bytes value);

        /** Reads record {@code id} in {@code region}: completes with whether it holds {@code value}. */
        CompletionStage<Boolean> visible(RegionId region, String id, Bytes value);

        /** The store's processes (label → pid) whose CPU is measured. */
        Map<String, Long> processes();

        @Override
        void close();
    }

    /**
     * What to run. {@code profileDir} null: no profiling (recording costs CPU, so profiled runs are not the
     * measured ones). {@code overload} zero: no overload phase.
     */
    public record Settings(List<Integer> rates, Duration duration, Duration warmup, Duration idle, int valueBytes,
            Duration pollInterval, int maxPollsInFlight, Duration visibilityTimeout, int closedConcurrency,
            Duration closedDuration, long seed, Path profileDir, Duration overload, Duration settledIdleAfter) {

        /** The same settings without the overload phase. */
        public Settings withoutOverload() {
            return new Settings(rates, duration, warmup, idle, valueBytes, pollInterval, maxPollsInFlight, visibilityTimeout,
                    closedConcurrency, closedDuration, seed, profileDir, Duration.ZERO, settledIdleAfter);
        }
    }

    /** Offered load of the overload phase, as a multiple of the closed loop's sustained writes/s. */
    static final double OVERLOAD_FACTOR = 2.0;
    /** Load after the overload phase (at the lowest rate), to see how fast latency returns to normal. */
    static final Duration RECOVERY = Duration.ofSeconds(20);
    /** How long the overload phase watches an acknowledged write (its replication backlog drains after the load). */
    static final Duration OVERLOAD_VISIBILITY = Duration.ofMinutes(5);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SELF = "bench";

    private final Subject subject;
    private final Settings s;
    private final PrintStream progress;
    private final Random random;
    private final Profiler profiler;

    private VisibilityBenchmark(Subject subject, Settings s, PrintStream progress) {
        this.subject = subject;
        this.s = s;
        this.progress = progress;
        this.random = new Random(s.seed());
        this.profiler = s.profileDir() == null ? null : new Profiler(s.profileDir().resolve(subject.name()));
    }

    /** Measures one store: idle CPU, each fixed rate with readers, and the closed-loop maximum. Returns JSON. */
    public static ObjectNode measure(Subject subject, Settings settings, PrintStream progress) throws InterruptedException {
        return new VisibilityBenchmark(subject, settings, progress).run();
    }

    private ObjectNode run() throws InterruptedException {
        ObjectNode out = JSON.createObjectNode();
        out.put("system", subject.name());
        out.put("writeRegion", subject.writeRegion().name());
        out.putPOJO("readRegions", subject.readRegions().stream().map(RegionId::name).toList());
        // the lowest rate: a store that cannot sustain the highest would start every later phase with a backlog
        int warmRate = s.rates().stream().mapToInt(Integer::intValue).min().orElse(50);
        Duration jitWarm = s.warmup().multipliedBy(2).plusSeconds(10);
        progress.printf("[%s] warming up %d s at %d/s with readers (not recorded)%n", subject.name(), jitWarm.toSeconds(), warmRate);
        openLoop(warmRate, jitWarm, false);
        awaitQuiet(pids());

        Map<String, Long> pids = pids();
        CpuMeter.Usage idle = idle("idle", pids, out);

        com.fasterxml.jackson.databind.node.ArrayNode steps = out.putArray("rates");
        for (int rate : s.rates()) {
            openLoop(rate, s.warmup(), false);
            String phase = "rate-" + rate;
            profile(phase, pids);
            Step step = openLoop(rate, s.duration(), true);
            step.json().set("profile", profileDone(phase));
            addCpu(step.json(), step.usage(), idle, step.json().path("writes").path("acknowledged").asLong());
            steps.add(step.json());
        }
        ObjectNode closed = closedLoop(idle, pids);
        out.set("closedLoop", closed);
        if (!s.settledIdleAfter().isZero()) {
            // the idle above follows the warm-up by seconds (its flushes, compactions and compilations still running);
            // this one is the cluster left alone for a while, as a new user's idle cluster is. Before the overload phase,
            // which only Meridian has: both systems have done the same work when it is measured
            boolean quiet = awaitQuiet(pids);
            progress.printf("[%s] left alone for %d s before the settled idle%n", subject.name(), s.settledIdleAfter().toSeconds());
            long until = System.nanoTime() + s.settledIdleAfter().toNanos();
            for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
                LockSupport.parkNanos(left); // a measured quiet period, not a test wait
            }
            idle("settledIdle", pids, out);
            ObjectNode settled = (ObjectNode) out.path("settledIdle");
            settled.put("quietBeforeIt", quiet); // false: the load's background work had not settled within 90 s
            settled.put("leftAloneSeconds", s.settledIdleAfter().toSeconds());
        }
        if (!s.overload().isZero()) {
            awaitQuiet(pids);
            profile("overload", pids);
            ObjectNode overload = overload(closed.path("writesPerSecond").asDouble(), steps, warmRate, idle);
            overload.set("profile", profileDone("overload"));
            out.set("overload", overload);
        }
        return out;
    }

    /** Measures the idle CPU of every process for {@code s.idle()} with nothing running, into {@code out.name}. */
    private CpuMeter.Usage idle(String name, Map<String, Long> pids, ObjectNode out) {
        progress.printf("[%s] %s for %d s%n", subject.name(), name, s.idle().toSeconds());
        profile(name, pids);
        CpuMeter idleMeter = new CpuMeter(pids);
        idleMeter.start();
        LockSupport.parkNanos(s.idle().toNanos());
        CpuMeter.Usage idle = idleMeter.usage();
        ObjectNode idleJson = out.putObject(name);
        idleJson.set("profile", profileDone(name));
        Map<String, Double> idleCores = new LinkedHashMap<>();
        idle.cpuSeconds().forEach((k, v) -> idleCores.put(k, round(v / idle.wallSeconds(), 3)));
        idleJson.put("machineBusyPercent", idle.machineBusyPercent());
        idleJson.put("storeCores", round(storeCores(idle), 3));
        idleJson.putPOJO("processCores", idleCores);
        progress.printf("[%s] %s: store %.3f cores, machine %.1f %% busy%n", subject.name(), name, storeCores(idle),
                idle.machineBusyPercent());
        return idle;
    }

    private Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>(subject.processes());
        pids.put(SELF, ProcessHandle.current().pid());
        return pids;
    }

    /** CPU cores used by the store's processes (this JVM excluded) over the usage interval. */
    private static double storeCores(CpuMeter.Usage u) {
        double sum = 0;
        for (Map.Entry<String, Double> e : u.cpuSeconds().entrySet()) {
            if (!e.getKey().equals(SELF)) {
                sum += e.getValue();
            }
        }
        return u.wallSeconds() <= 0 ? 0 : sum / u.wallSeconds();
    }

    /**
     * Adds the phase's CPU to {@code step}: cores per process, and CPU-milliseconds per write of the store
     * and of the client (this JVM), each with its idle rate over the same time subtracted.
     */
    private static void addCpu(ObjectNode step, CpuMeter.Usage u, CpuMeter.Usage idle, long writes) {
        ObjectNode c = step.putObject("cpu");
        c.put("machineBusyPercent", u.machineBusyPercent());
        c.put("wallSeconds", round(u.wallSeconds(), 2));
        ObjectNode cores = c.putObject("processCores");
        u.cpuSeconds().forEach((k, v) -> cores.put(k, round(v / u.wallSeconds(), 3)));
        double store = 0;
        double storeIdle = 0;
        for (Map.Entry<String, Double> e : u.cpuSeconds().entrySet()) {
            if (!e.getKey().equals(SELF)) {
                store += e.getValue();
                storeIdle += idle.cpuSeconds().getOrDefault(e.getKey(), 0.0) / idle.wallSeconds() * u.wallSeconds();
            }
        }
        double client = u.cpuSeconds().getOrDefault(SELF, 0.0);
        double clientIdle = idle.cpuSeconds().getOrDefault(SELF, 0.0) / idle.wallSeconds() * u.wallSeconds();
        c.put("storeCores", round(store / u.wallSeconds(), 3));
        c.put("clientCores", round(client / u.wallSeconds(), 3));
        c.put("storeCpuMsPerWrite", writes == 0 ? 0 : round(1000 * (store - storeIdle) / writes, 3));
        c.put("clientCpuMsPerWrite", writes == 0 ? 0 : round(1000 * (client - clientIdle) / writes, 3));
    }

    /** The machine's busy share (percent) over {@code length}, with nothing of the benchmark running. */
    public static double machineBusyPercent(Duration length) {
        CpuMeter m = new CpuMeter(Map.of());
        m.start();
        LockSupport.parkNanos(length.toNanos());
        return m.usage().machineBusyPercent();
    }

    /**
     * Meridian against the baseline from two {@link #measure} results: per rate and for the closed loop, the
     * ratio meridian ÷ native of each figure (above 1: Meridian is slower or costs more), and the idle CPU
     * difference in cores.
     */
    public static ObjectNode compare(ObjectNode nat, ObjectNode mer) {
        ObjectNode out = JSON.createObjectNode();
        out.put("idleStoreCoresNative", nat.path("idle").path("storeCores").asDouble());
        out.put("idleStoreCoresMeridian", mer.path("idle").path("storeCores").asDouble());
        out.put("idleExtraCores", round(mer.path("idle").path("storeCores").asDouble()
                - nat.path("idle").path("storeCores").asDouble(), 3));
        if (nat.has("settledIdle") && mer.has("settledIdle")) {
            out.put("settledIdleStoreCoresNative", nat.path("settledIdle").path("storeCores").asDouble());
            out.put("settledIdleStoreCoresMeridian", mer.path("settledIdle").path("storeCores").asDouble());
            out.put("settledIdleExtraCores", round(mer.path("settledIdle").path("storeCores").asDouble()
                    - nat.path("settledIdle").path("storeCores").asDouble(), 3));
        }
        com.fasterxml.jackson.databind.node.ArrayNode rates = out.putArray("rates");
        for (int i = 0; i < Math.min(nat.path("rates").size(), mer.path("rates").size()); i++) {
            var n = nat.path("rates").get(i);
            var m = mer.path("rates").get(i);
            ObjectNode r = rates.addObject();
            r.put("rate", n.path("rate").asInt());
            r.put("writeErrorsNative", n.path("writes").path("errors").asLong());
            r.put("writeErrorsMeridian", m.path("writes").path("errors").asLong());
            for (String q : List.of("p50Ms", "p99Ms")) {
                r.put("ackToVisible" + q.substring(0, q.length() - 2) + "Ratio", ratio(m.path("ackToVisible").path("everywhere").path(q),
                        n.path("ackToVisible").path("everywhere").path(q)));
                r.put("write" + q.substring(0, q.length() - 2) + "Ratio", ratio(m.path("writes").path(q), n.path("writes").path(q)));
            }
            r.put("storeCpuPerWriteRatio", ratio(m.path("cpu").path("storeCpuMsPerWrite"), n.path("cpu").path("storeCpuMsPerWrite")));
            r.put("allCpuPerWriteRatio", ratio(sum(m.path("cpu"), "storeCpuMsPerWrite", "clientCpuMsPerWrite"),
                    sum(n.path("cpu"), "storeCpuMsPerWrite", "clientCpuMsPerWrite")));
            if (nat.has("settledIdle") && mer.has("settledIdle")) {
                // the same with the settled idle subtracted instead of the first one (which follows the warm-up by seconds)
                r.put("allCpuPerWriteRatioSettledIdle", ratio(cpuPerWrite(m, mer.path("settledIdle")), cpuPerWrite(n, nat.path("settledIdle"))));
            }
        }
        out.put("closedLoopWritesPerSecondRatio", ratio(mer.path("closedLoop").path("writesPerSecond"),
                nat.path("closedLoop").path("writesPerSecond")));
        out.put("closedLoopP99Ratio", ratio(mer.path("closedLoop").path("p99Ms"), nat.path("closedLoop").path("p99Ms")));
        return out;
    }

    /**
     * CPU ms per acknowledged write of a rate step, store and client, with {@code idle}'s rates subtracted (recomputed from
     * the step's cores and wall time, so that another idle measurement than the one of the run can be subtracted).
     */
    static double cpuPerWrite(com.fasterxml.jackson.databind.JsonNode step, com.fasterxml.jackson.databind.JsonNode idle) {
        com.fasterxml.jackson.databind.JsonNode cpu = step.path("cpu");
        long writes = step.path("writes").path("acknowledged").asLong();
        double wall = cpu.path("wallSeconds").asDouble();
        double store = cpu.path("storeCores").asDouble() - idle.path("storeCores").asDouble();
        double client = cpu.path("clientCores").asDouble() - idle.path("processCores").path(SELF).asDouble();
        return writes == 0 ? 0 : round(1000 * (store + client) * wall / writes, 3);
    }

    private static double ratio(com.fasterxml.jackson.databind.JsonNode a, com.fasterxml.jackson.databind.JsonNode b) {
        return ratio(a.asDouble(), b.asDouble());
    }

    private static double ratio(double a, double b) {
        return b <= 0 ? -1 : round(a / b, 2);
    }

    private static double sum(com.fasterxml.jackson.databind.JsonNode n, String a, String b) {
        return n.path(a).asDouble() + n.path(b).asDouble();
    }

    // ------------------------------------------------------------------ open loop with readers

    /** One acknowledged write being watched in every read region. */
    private static final class Pending {
        final String id;
        final Bytes value;
        final long intendedNanos;
        final long ackNanos;
        final boolean recorded;
        final AtomicInteger regionsLeft;
        final AtomicLong lastVisibleNanos = new AtomicLong();

        Pending(String id, Bytes value, long intendedNanos, long ackNanos, boolean recorded, int regions) {
            this.id = id;
            this.value = value;
            this.intendedNanos = intendedNanos;
            this.ackNanos = ackNanos;
            this.recorded = recorded;
            this.regionsLeft = new AtomicInteger(regions);
        }
    }

    /** A pending write as one region's poller sees it. */
    private static final class Watch {
        final Pending write;
        volatile boolean inFlight;
        long lastPollNanos;

        Watch(Pending write) {
            this.write = write;
        }
    }

    /** Everything one open-loop phase records. */
    private final class Phase {
        final boolean recorded;
        final Recorder writes = new Recorder(3);
        final Map<RegionId, Recorder> ackToVisible = new LinkedHashMap<>();
        final Recorder ackToVisibleEverywhere = new Recorder(3);
        final Recorder intendedToVisibleEverywhere = new Recorder(3);
        final Map<RegionId, Set<Watch>> watching = new LinkedHashMap<>();
        final Map<RegionId, AtomicLong> notVisible = new LinkedHashMap<>();
        final AtomicLong writeErrors = new AtomicLong();
        final Set<String> errorSamples = ConcurrentHashMap.newKeySet();
        /** Up to five distinct kinds of the errors a server answered (status and the message's start). */
        final Set<String> answeredErrorSamples = ConcurrentHashMap.newKeySet();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong polls = new AtomicLong();
        final AtomicLong pollErrors = new AtomicLong();
        final Set<String> pollErrorSamples = ConcurrentHashMap.newKeySet();
        final Recorder errorsFromSend = new Recorder(3);
        /**
         * The control of {@link #errorsFromSend}: right after each refusal, on the same thread, the time of a failure that
         * has no code of Meridian's in it (an exception, a failed future, its callback). On a saturated machine both
         * include this JVM's pauses and the scheduler's preemptions between the two clock reads; what the refusals take
         * beyond the control is the client's.
         */
        final Recorder controlFromSend = new Recorder(3);
        /** Of {@link #errorsFromSend}: the client's own refusals (nothing sent), and the errors that came back from a server. */
        final Recorder refusedBeforeSending = new Recorder(3);
        final Recorder answeredErrors = new Recorder(3);
        final Windows windows;
        final Duration visibilityTimeout;
        volatile boolean writing = true;
        volatile long startNanos;
        double sendSeconds;
        CpuMeter.Usage usage;

        Phase(boolean recorded, Windows windows, Duration visibilityTimeout) {
            this.recorded = recorded;
            this.windows = windows;
            this.visibilityTimeout = visibilityTimeout;
            for (RegionId r : subject.readRegions()) {
                ackToVisible.put(r, new Recorder(3));
                watching.put(r, ConcurrentHashMap.newKeySet());
                notVisible.put(r, new AtomicLong());
            }
        }

        void acknowledged(Pending p) {
            acknowledged.incrementAndGet();
            for (Set<Watch> w : watching.values()) {
                w.add(new Watch(p));
            }
        }

        /** A write's outcome into the per-second window of its intended send time (when this phase keeps windows). */
        void window(long intendedNanos, long answeredNanos, boolean ok) {
            if (windows != null) {
                windows.record(intendedNanos - startNanos, answeredNanos - intendedNanos, ok);
            }
        }

        boolean drained() {
            return watching.values().stream().allMatch(Set::isEmpty);
        }

        /** One region's poller: until the phase is over and nothing is pending. */
        void poll(RegionId region) {
            Set<Watch> pending = watching.get(region);
            Semaphore inFlight = new Semaphore(s.maxPollsInFlight());
            long interval = s.pollInterval().toNanos();
            long timeout = visibilityTimeout.toNanos();
            while (writing || !pending.isEmpty()) {
                long now = System.nanoTime();
                for (Watch w : pending) {
                    if (now - w.write.ackNanos > timeout) {
                        pending.remove(w);
                        notVisible.get(region).incrementAndGet();
                        continue;
                    }
                    if (w.inFlight || (w.lastPollNanos != 0 && now - w.lastPollNanos < interval)) {
                        continue;
                    }
                    if (!inFlight.tryAcquire()) {
                        break;
                    }
                    w.inFlight = true;
                    w.lastPollNanos = now;
                    polls.incrementAndGet();
                    CompletionStage<Boolean> read;
                    try {
                        read = subject.visible(region, w.write.id, w.write.value);
                    } catch (RuntimeException e) {
                        read = CompletableFuture.failedFuture(e);
                    }
                    read.whenComplete((visible, error) -> {
                        long at = System.nanoTime();
                        inFlight.release();
                        if (error != null) {
                            pollErrors.incrementAndGet();
                            if (pollErrorSamples.size() < 5) {
                                pollErrorSamples.add(String.valueOf(error));
                            }
                        } else if (visible && pending.remove(w)) {
                            seen(region, w.write, at);
                        }
                        w.inFlight = false;
                    });
                }
                LockSupport.parkNanos(Math.max(200_000, interval / 4));
            }
        }

        private void seen(RegionId region, Pending p, long at) {
            p.lastVisibleNanos.accumulateAndGet(at, Math::max);
            if (!p.recorded) {
                return;
            }
            ackToVisible.get(region).recordValue(Math.max(1, (at - p.ackNanos) / 1000));
            if (p.regionsLeft.decrementAndGet() == 0) {
                long last = p.lastVisibleNanos.get();
                ackToVisibleEverywhere.recordValue(Math.max(1, (last - p.ackNanos) / 1000));
                intendedToVisibleEverywhere.recordValue(Math.max(1, (last - p.intendedNanos) / 1000));
            }
        }
    }

    /** A recorded open-loop phase: its JSON and the CPU used over it. */
    private record Step(ObjectNode json, CpuMeter.Usage usage) {
    }

    /**
     * Writes at {@code rate}/s for {@code length} with every write watched in every read region, until every
     * watched write was seen or timed out; returns the step when {@code recorded}, else null.
     */
    private Step openLoop(int rate, Duration length, boolean recorded) throws InterruptedException {
        Phase phase = new Phase(recorded, null, s.visibilityTimeout());
        long sent = load(phase, List.of(new OpenLoop.Segment(rate, length)));
        return recorded ? new Step(report(phase, rate, sent), phase.usage) : null;
    }

    /**
     * Writes at each segment's rate, one after the other, with every write watched in every read region, until every
     * watched write was seen or timed out. Returns how many writes were sent; the phase holds what was measured.
     */
    private long load(Phase phase, List<OpenLoop.Segment> segments) throws InterruptedException {
        boolean recorded = phase.recorded;
        List<Thread> pollers = new ArrayList<>();
        for (RegionId r : subject.readRegions()) {
            Thread t = new Thread(() -> phase.poll(r), "bench-poller-" + r);
            t.setDaemon(true);
            t.start();
            pollers.add(t);
        }
        CpuMeter cpu = new CpuMeter(pids());
        cpu.start();
        long t0 = System.nanoTime();
        phase.startNanos = t0;
        long sent = OpenLoop.run(segments, 4096, intended -> {
            byte[] bytes = new byte[s.valueBytes()];
            String id;
            synchronized (random) {
                random.nextBytes(bytes);
                id = Long.toHexString(random.nextLong());
            }
            Bytes value = Bytes.wrap(bytes);
            long sentAt = System.nanoTime();
            CompletionStage<?> w = subject.write(id, value).whenComplete((ok, error) -> {
                long at = System.nanoTime();
                if (error == null) {
                    phase.acknowledged(new Pending(id, value, intended, at, recorded, subject.readRegions().size()));
                } else if (recorded) {
                    long micros = Math.max(1, (at - sentAt) / 1000);
                    phase.errorsFromSend.recordValue(micros); // how fast a refusal came
                    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    boolean notSent = cause instanceof io.meridian.client.MeridianClientException.Unavailable u && u.attempts() == 0;
                    (notSent ? phase.refusedBeforeSending : phase.answeredErrors).recordValue(micros);
                    if (!notSent && phase.answeredErrorSamples.size() < 5) {
                        String m = String.valueOf(cause.getMessage()).replaceAll("records/[0-9a-f]+", "records/…");
                        phase.answeredErrorSamples.add(cause.getClass().getSimpleName() + ": " + m.substring(0, Math.min(160, m.length())));
                    }
                    long controlAt = System.nanoTime();
                    CompletableFuture.failedFuture(new IllegalStateException("control")).whenComplete((x, e) ->
                            phase.controlFromSend.recordValue(Math.max(1, (System.nanoTime() - controlAt) / 1000)));
                }
                phase.window(intended, at, error == null);
            });
            return new OpenLoop.Send(w, recorded ? phase.writes : null);
        }, phase.writeErrors, phase.errorSamples);
        phase.sendSeconds = (System.nanoTime() - t0) / 1e9;
        phase.writing = false;
        for (Thread t : pollers) {
            t.join();
        }
        phase.usage = cpu.usage();
        return sent;
    }

    /** A recorded phase as JSON (and a progress line): writes, ack→visible per region and everywhere, polls. */
    private ObjectNode report(Phase phase, int rate, long sent) {
        double sendSeconds = phase.sendSeconds;
        CpuMeter.Usage usage = phase.usage;
        ObjectNode step = JSON.createObjectNode();
        step.put("rate", rate);
        ObjectNode w = step.putObject("writes");
        Histogram wh = phase.writes.getIntervalHistogram();
        w.put("sent", sent);
        w.put("acknowledged", phase.acknowledged.get());
        w.put("errors", phase.writeErrors.get());
        w.put("achievedRate", round(phase.acknowledged.get() / sendSeconds, 1));
        latencies(w, wh);
        w.putPOJO("errorSamples", List.copyOf(phase.errorSamples));
        w.putPOJO("answeredErrorSamples", List.copyOf(phase.answeredErrorSamples));
        if (phase.writeErrors.get() > 0) {
            Histogram refusals = phase.errorsFromSend.getIntervalHistogram(); // from the send, not the intended time
            latencies(w.putObject("errorAnsweredAfter"), refusals);
            w.put("errorsAnsweredWithin50msPercent", within50msPercent(refusals));
            for (var kind : Map.of("refusedBeforeSending", phase.refusedBeforeSending, "answeredErrors", phase.answeredErrors).entrySet()) {
                Histogram h = kind.getValue().getIntervalHistogram();
                ObjectNode k = w.putObject(kind.getKey());
                latencies(k, h);
                k.put("within50msPercent", within50msPercent(h));
            }
            Histogram control = phase.controlFromSend.getIntervalHistogram();
            latencies(w.putObject("controlAnsweredAfter"), control);
            w.put("controlWithin50msPercent", within50msPercent(control));
        }
        ObjectNode v = step.putObject("ackToVisible");
        phase.ackToVisible.forEach((region, rec) -> {
            ObjectNode r = v.putObject(region.name());
            latencies(r, rec.getIntervalHistogram());
            r.put("notVisibleWithinTimeout", phase.notVisible.get(region).get());
        });
        latencies(v.putObject("everywhere"), phase.ackToVisibleEverywhere.getIntervalHistogram());
        latencies(step.putObject("intendedToVisibleEverywhere"), phase.intendedToVisibleEverywhere.getIntervalHistogram());
        ObjectNode p = step.putObject("polls");
        p.put("issued", phase.polls.get());
        p.put("perSecond", round(phase.polls.get() / usage.wallSeconds(), 1));
        p.put("errors", phase.pollErrors.get());
        p.putPOJO("errorSamples", List.copyOf(phase.pollErrorSamples));
        progress.printf("[%s] %d/s: write p50 %.2f p99 %.2f ms, errors %d; ack->visible everywhere p50 %.2f p99 %.2f ms;"
                        + " polls %.0f/s; machine %.1f %% busy%n", subject.name(), rate, w.path("p50Ms").asDouble(),
                w.path("p99Ms").asDouble(), phase.writeErrors.get(), v.path("everywhere").path("p50Ms").asDouble(),
                v.path("everywhere").path("p99Ms").asDouble(), p.path("perSecond").asDouble(), usage.machineBusyPercent());
        return step;
    }

    // ------------------------------------------------------------------ closed loop

    private ObjectNode closedLoop(CpuMeter.Usage idle, Map<String, Long> pids) throws InterruptedException {
        runClosed(Duration.ofSeconds(5), null, null); // unrecorded: the pool and the JIT settle at this concurrency
        profile("closed-loop", pids);
        Recorder latency = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        CpuMeter cpu = new CpuMeter(pids);
        cpu.start();
        long completed = runClosed(s.closedDuration(), latency, errors);
        CpuMeter.Usage usage = cpu.usage();
        ObjectNode out = JSON.createObjectNode();
        out.put("concurrency", s.closedConcurrency());
        out.put("writes", completed);
        out.put("errors", errors.get());
        out.put("writesPerSecond", round(completed / usage.wallSeconds(), 1));
        latencies(out, latency.getIntervalHistogram());
        out.set("profile", profileDone("closed-loop"));
        addCpu(out, usage, idle, completed);
        progress.printf("[%s] closed loop x%d: %.0f writes/s, p99 %.2f ms, errors %d, machine %.1f %% busy%n", subject.name(),
                s.closedConcurrency(), out.path("writesPerSecond").asDouble(), out.path("p99Ms").asDouble(), errors.get(),
                usage.machineBusyPercent());
        return out;
    }

    /** {@code closedConcurrency} writers, each sending its next write when the previous answered. */
    private long runClosed(Duration length, Recorder latency, AtomicLong errors) throws InterruptedException {
        long end = System.nanoTime() + length.toNanos();
        AtomicLong completed = new AtomicLong();
        CompletableFuture<?>[] lanes = new CompletableFuture<?>[s.closedConcurrency()];
        for (int i = 0; i < lanes.length; i++) {
            CompletableFuture<Void> lane = new CompletableFuture<>();
            lanes[i] = lane;
            next(end, lane, latency, errors, completed);
        }
        CompletableFuture.allOf(lanes).join();
        return completed.get();
    }

    private void next(long end, CompletableFuture<Void> lane, Recorder latency, AtomicLong errors, AtomicLong completed) {
        if (System.nanoTime() >= end) {
            lane.complete(null);
            return;
        }
        byte[] bytes = new byte[s.valueBytes()];
        String id;
        synchronized (random) {
            random.nextBytes(bytes);
            id = Long.toHexString(random.nextLong());
        }
        long t0 = System.nanoTime();
        CompletionStage<?> w;
        try {
            w = subject.write(id, Bytes.wrap(bytes));
        } catch (RuntimeException e) {
            w = CompletableFuture.failedFuture(e);
        }
        w.whenComplete((ok, error) -> {
            if (latency != null) {
                if (error == null) {
                    latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    completed.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
            }
            next(end, lane, latency, errors, completed);
        });
    }

    // ------------------------------------------------------------------ overload

    /** Per second of intended send time: write latency of the acknowledged writes (from the intended time) and errors. */
    static final class Windows {
        final Recorder[] latency;
        final AtomicLong[] errors;

        Windows(int seconds) {
            latency = new Recorder[seconds];
            errors = new AtomicLong[seconds];
            for (int i = 0; i < seconds; i++) {
                latency[i] = new Recorder(3);
                errors[i] = new AtomicLong();
            }
        }

        void record(long sinceStartNanos, long latencyNanos, boolean ok) {
            int second = (int) Math.min(latency.length - 1, Math.max(0, sinceStartNanos / 1_000_000_000L));
            if (ok) {
                latency[second].recordValue(Math.max(1, latencyNanos / 1000));
            } else {
                errors[second].incrementAndGet();
            }
        }

        /**
         * Seconds after {@code from} until every later second's p99 stays at or below {@code thresholdMs} without
         * errors; -1 when the last second is still above it.
         */
        static int recovery(List<double[]> perSecond, int from, double thresholdMs) {
            int recovered = -1;
            for (int i = perSecond.size() - 1; i >= from; i--) {
                double[] w = perSecond.get(i);
                if (w[1] > thresholdMs || w[2] > 0) {
                    break;
                }
                recovered = i - from;
            }
            return recovered;
        }
    }

    /**
     * Past capacity: {@value #OVERLOAD_FACTOR} × the closed loop's sustained writes/s for {@code overload} seconds, with
     * the readers, straight followed by {@link #RECOVERY} at the lowest rate. Reports what was refused and how fast
     * (from the send), that every acknowledged write became visible everywhere, the processes' resident memory, and how
     * many seconds after the load dropped latency was back to normal: every later second's p99 within
     * max(2 × the lowest rate's p99, that + 20 ms), without errors.
     */
    private ObjectNode overload(double sustained, com.fasterxml.jackson.databind.node.ArrayNode steps, int lowRate,
            CpuMeter.Usage idle) throws InterruptedException {
        int rate = (int) Math.max(1, Math.min(20_000, Math.round(OVERLOAD_FACTOR * sustained)));
        int overSeconds = (int) s.overload().toSeconds();
        double normalP99 = 0;
        for (var st : steps) {
            if (st.path("rate").asInt() == lowRate) {
                normalP99 = st.path("writes").path("p99Ms").asDouble();
            }
        }
        double threshold = Math.max(2 * normalP99, normalP99 + 20);
        progress.printf("[%s] overload: %d writes/s (%.1f x the sustained %.0f/s) for %d s, then %d/s for %d s%n", subject.name(),
                rate, OVERLOAD_FACTOR, sustained, overSeconds, lowRate, RECOVERY.toSeconds());
        Windows windows = new Windows(overSeconds + (int) RECOVERY.toSeconds() + 1);
        // watched until visible however long the backlog takes to drain (5 min at most): not visible then is lost
        Phase phase = new Phase(true, windows, OVERLOAD_VISIBILITY);
        ResidentMemory memory = new ResidentMemory(subject.processes());
        memory.start();
        long sent;
        try {
            sent = load(phase, List.of(new OpenLoop.Segment(rate, s.overload()), new OpenLoop.Segment(lowRate, RECOVERY)));
        } finally {
            memory.stop();
        }
        ObjectNode out = report(phase, rate, sent);
        out.put("sustainedWritesPerSecond", round(sustained, 1));
        out.put("overloadSeconds", overSeconds);
        out.put("recoveryRate", lowRate);
        long errors = phase.writeErrors.get();
        out.put("errorsAnsweredWithin50msPercent", errors == 0 ? 100.0 : out.path("writes").path("errorsAnsweredWithin50msPercent").asDouble());
        out.put("controlWithin50msPercent", errors == 0 ? 100.0 : out.path("writes").path("controlWithin50msPercent").asDouble());
        long notVisible = phase.notVisible.values().stream().mapToLong(AtomicLong::get).sum();
        out.put("acknowledgedNotVisibleEverywhere", notVisible); // within OVERLOAD_VISIBILITY of its acknowledgement
        out.put("visibilityTimeoutSeconds", OVERLOAD_VISIBILITY.toSeconds());
        List<double[]> perSecond = new ArrayList<>();
        com.fasterxml.jackson.databind.node.ArrayNode ws = out.putArray("perSecond");
        for (int i = 0; i < windows.latency.length; i++) {
            Histogram h = windows.latency[i].getIntervalHistogram();
            double[] w = {h.getTotalCount(), OpenLoop.ms(h.getValueAtPercentile(99)), windows.errors[i].get()};
            perSecond.add(w);
            ObjectNode o = ws.addObject();
            o.put("second", i);
            o.put("acknowledged", (long) w[0]);
            o.put("p99Ms", w[1]);
            o.put("errors", (long) w[2]);
        }
        out.put("normalP99Ms", normalP99);
        out.put("recoveredP99ThresholdMs", round(threshold, 2));
        int recovered = Windows.recovery(perSecond, overSeconds, threshold);
        out.put("recoverySeconds", recovered); // -1: not back to normal within the recovery load
        out.put("firstSecondAfterDropP99Ms", perSecond.get(Math.min(perSecond.size() - 1, overSeconds))[1]);
        out.putPOJO("residentMemoryMb", memory.peaks());
        addCpu(out, phase.usage, idle, phase.acknowledged.get());
        progress.printf("[%s] overload: %d refused (%.1f %% answered within 50 ms; the control %.1f %%; %d by the client, %.1f %% of"
                        + " them within 50 ms; %d answered by a server, %.1f %% within 50 ms), %d not visible everywhere,"
                        + " back to normal %s; peak resident memory %s MB%n", subject.name(), errors,
                out.path("errorsAnsweredWithin50msPercent").asDouble(), out.path("controlWithin50msPercent").asDouble(),
                out.path("writes").path("refusedBeforeSending").path("count").asLong(),
                out.path("writes").path("refusedBeforeSending").path("within50msPercent").asDouble(),
                out.path("writes").path("answeredErrors").path("count").asLong(),
                out.path("writes").path("answeredErrors").path("within50msPercent").asDouble(),
                notVisible, recovered < 0 ? "never within " + RECOVERY.toSeconds() + " s" : recovered + " s after the load dropped",
                memory.peaks());
        return out;
    }

    /** Samples the processes' resident memory (Linux {@code /proc/<pid>/status}) every second; keeps each one's peak. */
    static final class ResidentMemory {
        private final Map<String, Long> pids;
        private final Map<String, Long> peakKb = new ConcurrentHashMap<>();
        private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-rss");
            t.setDaemon(true);
            return t;
        });

        ResidentMemory(Map<String, Long> pids) {
            this.pids = Map.copyOf(pids);
        }

        void start() {
            timer.scheduleAtFixedRate(this::sample, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }

        void stop() {
            timer.shutdownNow();
            sample();
        }

        private void sample() {
            pids.forEach((name, pid) -> ProcessMemory.residentKb(pid).ifPresent(kb -> peakKb.merge(name, kb, Math::max)));
        }

        /** Peak resident memory per process, MB, in name order. */
        Map<String, Long> peaks() {
            Map<String, Long> out = new java.util.TreeMap<>();
            peakKb.forEach((k, v) -> out.put(k, v / 1024));
            return out;
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * After a load phase, until background work (applier backlogs, flushes, compaction) has settled: two
     * consecutive 3-second windows whose store CPU differs by less than 0.05 cores, 90 s at most.
     */
    private boolean awaitQuiet(Map<String, Long> pids) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        double previous = -1;
        while (System.nanoTime() < deadline) {
            CpuMeter m = new CpuMeter(pids);
            m.start();
            LockSupport.parkNanos(Duration.ofSeconds(3).toNanos()); // a measurement window, not a test wait
            double cores = storeCores(m.usage());
            if (previous >= 0 && Math.abs(cores - previous) < 0.05) {
                progress.printf("[%s] settled at %.3f cores%n", subject.name(), cores);
                return true;
            }
            previous = cores;
        }
        progress.printf("[%s] did not settle within 90 s (last window %.3f cores)%n", subject.name(), previous);
        return false;
    }

    private void profile(String phase, Map<String, Long> pids) {
        if (profiler != null) {
            profiler.start(phase, pids);
        }
    }

    private ObjectNode profileDone(String phase) {
        return profiler == null ? null : profiler.stop(phase);
    }

    /** The share (percent) of {@code h}'s values (µs) up to 50 ms; 100 when it has none (nothing was late). */
    static double within50msPercent(Histogram h) {
        return h.getTotalCount() == 0 ? 100.0 : round(100.0 * h.getCountBetweenValues(0, 50_000) / h.getTotalCount(), 2);
    }

    static void latencies(ObjectNode into, Histogram h) {
        into.put("count", h.getTotalCount());
        into.put("p50Ms", OpenLoop.ms(h.getValueAtPercentile(50)));
        into.put("p99Ms", OpenLoop.ms(h.getValueAtPercentile(99)));
        into.put("p999Ms", OpenLoop.ms(h.getValueAtPercentile(99.9)));
        into.put("maxMs", OpenLoop.ms(h.getMaxValue()));
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
