package io.meridian.replicator;

import io.meridian.core.Mutation;
import io.meridian.core.RegionId;
import io.meridian.replicator.internal.DeadLetters;
import io.meridian.replicator.internal.SourceApplier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The appliers of one region: for every source region (this region included) one consumer of that
 * region's mutation log, in consumer group {@code meridian-applier-<region>}, applying each mutation to
 * this region's store with its own timestamp and committing offsets only after the apply succeeded.
 * Several instances of a region share the partitions through the group.
 *
 * <p>Malformed messages go to the dead-letter topic in this region's Kafka (with the source topic,
 * partition, offset and the error) and consumption continues; a mutation whose namespace does not exist
 * here yet, or whose schema version is newer than this code, holds its partition (never skipped) and is
 * retried every few seconds. Thread-safe; {@link #start()} once, {@link #close()} once.
 */
public final class Replicator implements AutoCloseable {

    /** Called after each mutation is applied here (metrics, the clock). Must be thread-safe and quick. */
    @FunctionalInterface
    public interface Listener {
        void applied(RegionId source, Mutation mutation, long applyDelayMicros);
    }

    /**
     * Told of positions this region has applied: for partitions of {@code source}'s log, the offset below which every
     * mutation is in this region's store and its cache invalidation acknowledged (after each batch, and the committed
     * positions when partitions are assigned). Sessions wait on them. Must be thread-safe and quick.
     */
    @FunctionalInterface
    public interface PositionListener {
        void applied(RegionId source, Map<Integer, Long> next);

        /** A partition's position went back (a log gap: the log was truncated or recreated); nothing by default. */
        default void reset(RegionId source, int partition, long offset) {
        }
    }

    /**
     * Told when an applier's position jumps past mutations it never read: the source log no longer holds them
     * (retention deleted them while this region was away, or the group's committed offsets expired). The region
     * then misses data and needs a repair or a rebuild; implementations record that durably. Thread-safe.
     */
    @FunctionalInterface
    public interface GapListener {
        void gap(RegionId source, int partition, long fromOffset, long toOffset, String why);
    }

    /**
     * Where each source's "last seen fully applied" time is kept, so the gc_grace guard (G6) survives restarts: a
     * server restarted during a long partition must not believe it was caught up a moment ago.
     */
    public interface CaughtUpStore {
        /** The last time {@code source} was seen caught up, if recorded. */
        java.util.OptionalLong load(RegionId source);

        /** Records it (called at most every {@value io.meridian.replicator.internal.SourceApplier#CAUGHT_UP_SAVE_MS} ms). */
        void save(RegionId source, long millis);

        /** A store made of its two operations. */
        static CaughtUpStore of(java.util.function.Function<RegionId, java.util.OptionalLong> load,
                java.util.function.ObjLongConsumer<RegionId> save) {
            return new CaughtUpStore() {
                @Override
                public java.util.OptionalLong load(RegionId source) {
                    return load.apply(source);
                }

                @Override
                public void save(RegionId source, long millis) {
                    save.accept(source, millis);
                }
            };
        }
    }

    private final Builder config;
    private final List<SourceApplier> appliers = new ArrayList<>();
    /** The appliers as last started, read without the lock on the read path (copied on every change). */
    private volatile List<SourceApplier> appliersView = List.of();
    private final DeadLetters deadLetters;
    private boolean running;

    private Replicator(Builder b) {
        this.config = b;
        this.deadLetters = new DeadLetters(b.localBootstrap, b.deadLetterTopic, b.region);
        appliers.addAll(newAppliers());
        appliersView = List.copyOf(appliers);
    }

    private List<SourceApplier> newAppliers() {
        List<SourceApplier> out = new ArrayList<>();
        SourceApplier.Shared shared = new SourceApplier.Shared(config.region, config.topic, config.target, config.listener,
                config.maxInFlight, config.gaps, config.caughtUp, config.positions);
        for (Map.Entry<RegionId, String> source : config.sources.entrySet()) {
            out.add(new SourceApplier(shared, source.getKey(), source.getValue(), deadLetters,
                    source.getKey().equals(config.region) ? config.localApplies : null));
        }
        return out;
    }

    /**
     * Stops every applier (they leave the consumer group; in-flight applies finish, applied offsets are committed),
     * e.g. while an operator rebuilds this region and sets the group's positions. {@link #resume()} starts new
     * ones from the group's committed positions.
     */
    public synchronized void pause() {
        if (running) {
            appliersView = List.of(); // a paused instance answers no request for positions
            appliers.forEach(SourceApplier::close);
            running = false;
        }
    }

    /** Starts appliers again after {@link #pause()}. */
    public synchronized void resume() {
        if (!running) {
            appliers.clear();
            appliers.addAll(newAppliers());
            appliersView = List.copyOf(appliers);
            appliers.forEach(SourceApplier::start);
            running = true;
        }
    }

    /** Whether the appliers run. */
    public synchronized boolean running() {
        return running;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts one applier thread per source. */
    public synchronized void start() {
        appliers.forEach(SourceApplier::start);
        running = true;
    }

    /** A snapshot per source region, in source order. */
    public synchronized List<SourceStatus> status() {
        return appliers.stream().map(SourceApplier::status).toList();
    }

    /** Per source, what this instance's appliers have applied (partition → next offset); for re-announcing. */
    public Map<RegionId, Map<Integer, Long>> appliedPositions() {
        Map<RegionId, Map<Integer, Long>> out = new LinkedHashMap<>();
        appliersView.forEach(a -> out.put(a.source(), a.appliedPositions()));
        return out;
    }

    /** How many partitions {@code source}'s log has, as this instance's applier last saw; 0 when not known. */
    public int partitionCount(RegionId source) {
        for (SourceApplier a : appliersView) {
            if (a.source().equals(source)) {
                return a.topicPartitions();
            }
        }
        return 0;
    }

    /** Delay percentiles of one source since the previous call, in microseconds. */
    public record Delays(RegionId source, long count, long p50, long p99, long p999, long max) {
    }

    /**
     * Per source, the delays from each applied mutation's timestamp to its apply here, recorded since the
     * previous call (so a benchmark can take one interval). The timestamp is taken before the origin's
     * append, so this bounds acknowledged→applied from above by the origin's write latency.
     */
    public synchronized List<Delays> takeDelays() {
        return appliers.stream().map(a -> {
            org.HdrHistogram.Histogram h = a.takeDelays();
            return new Delays(a.source(), h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue());
        }).toList();
    }

    /** Stops the appliers (in-flight applies finish; uncommitted work is re-read by whoever consumes next). */
    @Override
    public synchronized void close() {
        appliers.forEach(SourceApplier::close);
        running = false;
        deadLetters.close();
    }

    /** Builder; each setter checks its argument. Not thread-safe. */
    public static final class Builder {
        private RegionId region;
        private final Map<RegionId, String> sources = new LinkedHashMap<>();
        private String localBootstrap;
        private String topic = LogNames.MUTATIONS;
        private String deadLetterTopic = LogNames.DEAD_LETTERS;
        private ApplyTarget target;
        private Listener listener = (s, m, d) -> { };
        private int maxInFlight = 256;
        private GapListener gaps = (s, p, f, t, w) -> { };
        private PositionListener positions = (s, n) -> { };
        private LocalApplies localApplies;
        private CaughtUpStore caughtUp = new CaughtUpStore() {
            @Override
            public java.util.OptionalLong load(RegionId source) {
                return java.util.OptionalLong.empty();
            }

            @Override
            public void save(RegionId source, long millis) { }
        };

        private Builder() { }

        /** The region applied into. */
        public Builder region(RegionId region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /** A source region and its Kafka bootstrap servers; include this region itself. */
        public Builder source(RegionId source, String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers of " + source + " missing");
            }
            sources.put(Objects.requireNonNull(source, "source"), bootstrapServers);
            return this;
        }

        /** This region's Kafka (for the dead-letter topic). */
        public Builder localBootstrap(String bootstrapServers) {
            this.localBootstrap = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        public Builder target(ApplyTarget target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The own log's records this process's write path already applied: its applier of the own log skips them
         * (see {@link LocalApplies} for why that is safe). Without it, every record is applied.
         */
        public Builder localApplies(LocalApplies applies) {
            this.localApplies = Objects.requireNonNull(applies, "applies");
            return this;
        }

        /** Told of log gaps (positions that jumped past unread mutations). */
        public Builder gaps(GapListener gaps) {
            this.gaps = Objects.requireNonNull(gaps, "gaps");
            return this;
        }

        /** Told of applied positions (sessions). */
        public Builder positions(PositionListener positions) {
            this.positions = Objects.requireNonNull(positions, "positions");
            return this;
        }

        /** Durable "last caught up" times per source (the gc_grace guard across restarts). */
        public Builder caughtUp(CaughtUpStore store) {
            this.caughtUp = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Applies in flight per source at once (back-pressure on consumption); at least 1. */
        public Builder maxInFlight(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1");
            }
            this.maxInFlight = max;
            return this;
        }

        public Replicator build() {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(localBootstrap, "localBootstrap");
            if (sources.isEmpty()) {
                throw new IllegalStateException("no source regions");
            }
            return new Replicator(this);
        }
    }
}
