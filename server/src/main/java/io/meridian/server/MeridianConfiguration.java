package io.meridian.server;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.util.Duration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed configuration of one regional server (YAML, validated at start-up; environment variables
 * may be substituted with {@code ${VAR:-default}}). Every field has a documented default except the
 * region and the engines' addresses. See {@code docs/operations.md} for a complete file.
 */
public class MeridianConfiguration extends Configuration {

    /** This server's region, e.g. {@code region-a}; also the Cassandra local data centre by default. */
    @NotEmpty
    @Pattern(regexp = "[a-z][a-z0-9-]{0,31}")
    @JsonProperty
    public String region;

    /**
     * The region's slot in every timestamp's low bits (0..31); distinct per region, the same for
     * every server of a region.
     */
    @Min(0)
    @Max(31)
    @JsonProperty
    public int regionSlot;

    @Valid
    @NotNull
    @JsonProperty
    public CassandraSettings cassandra = new CassandraSettings();

    @Valid
    @NotNull
    @JsonProperty
    public KafkaSettings kafka = new KafkaSettings();

    @Valid
    @NotNull
    @JsonProperty
    public WriteSettings writes = new WriteSettings();

    @Valid
    @NotNull
    @JsonProperty
    public ReplicationSettings replication = new ReplicationSettings();

    @Valid
    @NotNull
    @JsonProperty
    public CacheSettings cache = new CacheSettings();

    @Valid
    @NotNull
    @JsonProperty
    public RouterSettings router = new RouterSettings();

    @Valid
    @NotNull
    @JsonProperty
    public AuthSettings auth = new AuthSettings();

    @Valid
    @NotNull
    @JsonProperty
    public FaultSettings faults = new FaultSettings();

    /** Crash points for failure tests and drills ({@code POST /tasks/failpoint} on the admin port). */
    public static class FaultSettings {
        /** Whether failpoints may be armed; never in production. */
        @JsonProperty
        public boolean enabled;
    }

    /**
     * Base URLs of the server instances of every region ({@code region-b: [http://host:port, ...]}; a single URL is
     * accepted too). The router probes every instance (a region is down only when none serves), judges catch-up
     * from all of them, and namespace admin fans out to one per region. The own region's entry lists this server's
     * sibling instances.
     */
    @NotNull
    @JsonProperty
    public Map<String, List<String>> peers = new LinkedHashMap<>();

    /**
     * Key that signs page tokens (HMAC-SHA256). Must be the same in every server of every region so a
     * token works anywhere; set it in production (e.g. {@code ${MERIDIAN_PAGE_TOKEN_SECRET}}).
     */
    @NotEmpty
    @JsonProperty
    public String pageTokenSecret = "meridian-dev-page-token-secret";

    /** Cassandra connection. */
    public static class CassandraSettings {
        /** {@code host:port} of the region's nodes. */
        @NotEmpty
        @JsonProperty
        public List<String> contactPoints = List.of("127.0.0.1:9042");

        /** The driver's local DC; defaults to the region name. */
        @JsonProperty
        public String localDatacenter;

        @NotEmpty
        @Pattern(regexp = "[a-z][a-z0-9_]{0,47}")
        @JsonProperty
        public String keyspace = io.meridian.store.StoreSchema.DEFAULT_KEYSPACE;

        /** Replication factor of the keyspace in this region's DC (3 in production rings; 1 locally). */
        @Min(1)
        @JsonProperty
        public int replicationFactor = 1;

        @NotNull
        @JsonProperty
        public Duration requestTimeout = Duration.seconds(5);
    }

    /** Kafka connection and the mutation log topic. */
    public static class KafkaSettings {
        @NotEmpty
        @JsonProperty
        public String bootstrapServers = "127.0.0.1:9092";

        @NotEmpty
        @JsonProperty
        public String topic = io.meridian.replicator.LogNames.MUTATIONS;

        /** Partitions of the topic when the server creates it (the unit of applier parallelism). */
        @Min(1)
        @JsonProperty
        public int partitions = 8;

        @Min(1)
        @JsonProperty
        public short replicationFactor = 1;

        /** How long an append may take before the write is answered 503 (the producer's delivery timeout). */
        @NotNull
        @JsonProperty
        public Duration appendTimeout = Duration.seconds(10);
    }

    /** The appliers: which regions' mutation logs this region applies. */
    public static class ReplicationSettings {
        /** Off only for tests of the write path alone. */
        @JsonProperty
        public boolean enabled = true;

        /**
         * Kafka bootstrap servers of every region's mutation log, this region's included
         * ({@code region-b: "host:port"}). Empty: only this region's own log (from {@code kafka.bootstrapServers}).
         */
        @NotNull
        @JsonProperty
        public Map<String, String> sources = new LinkedHashMap<>();

        /** Dead-letter topic in this region's Kafka. */
        @NotEmpty
        @JsonProperty
        public String deadLetterTopic = io.meridian.replicator.LogNames.DEAD_LETTERS;

        /** The namespace tables' gc_grace_seconds (Cassandra's default, 10 days). */
        @Min(1)
        @JsonProperty
        public long gcGraceSeconds = 864_000;

        /**
         * Replication lag beyond this fraction of gc_grace is critical (guarantee G6): a tombstone may be
         * purged before the delete reaches the lagging region.
         */
        @jakarta.validation.constraints.DecimalMin("0.01")
        @jakarta.validation.constraints.DecimalMax("1.0")
        @JsonProperty
        public double maxLagFractionOfGcGrace = 0.5;

        /** Applies in flight per source region. */
        @Min(1)
        @JsonProperty
        public int maxInFlightApplies = 256;
    }

    @Valid
    @NotNull
    @JsonProperty
    public ReadSettings reads = new ReadSettings();

    /** Read limits. */
    public static class ReadSettings {
        /** Reads in flight at once in this server; past it a read is answered 503 with Retry-After at once. */
        @Min(1)
        @JsonProperty
        public int maxInFlight = 64;

        /**
         * The most bytes of keys and values one whole-record read returns (default 4 MiB, what one write may carry);
         * a larger record is answered 422 (reason {@code record-too-large}) and is read in pages.
         */
        @Min(1)
        @JsonProperty
        public long maxRecordBytes = io.meridian.core.Limits.MAX_REQUEST_BYTES;

        /**
         * How long a read waits, at most, for this server to have applied what the caller's session has seen (header
         * {@code Meridian-Session}) before it answers 503 {@code session-not-satisfied} (the client tries another region);
         * the caller's deadline bounds it too. Default 1 s.
         */
        @NotNull
        @JsonProperty
        public Duration maxSessionWait = Duration.seconds(1);

        /**
         * Requests waiting for their session at once in this server (apart from {@code maxInFlight}: a waiting request
         * does not hold a read's place); past it a request that would wait is answered 503 {@code session-not-satisfied}
         * at once.
         */
        @Min(1)
        @JsonProperty
        public int maxSessionWaiters = 64;

        /** Of {@code maxSessionWaiters}, how many one caller (principal) may hold: a flood of one never stops the others. */
        @Min(1)
        @JsonProperty
        public int maxSessionWaitersPerCaller = 32;
    }

    /** Write-path limits. */
    public static class WriteSettings {
        /** Appends in flight at once; past it a write is answered 503 with Retry-After. */
        @Min(1)
        @JsonProperty
        public int maxInFlightAppends = 64;

        /** How far ahead of this server's clock a client's idempotency token may be. */
        @NotNull
        @JsonProperty
        public Duration maxTokenAhead = Duration.seconds(1);

        /**
         * How old a client's idempotency token may be; must stay well below {@code replication.gcGraceSeconds} (a
         * retry under an old timestamp could resurrect data deleted since). Default 1 hour.
         */
        @NotNull
        @JsonProperty
        public Duration maxTokenAge = Duration.hours(1);

        /**
         * How far this server's clock may be from the median of the regions' clocks (estimated from the observers'
         * probes) before it refuses writes with 503 and reports clock skew. Default 500 ms.
         */
        @NotNull
        @JsonProperty
        public Duration maxClockSkew = Duration.milliseconds(500);
    }

    /**
     * The record cache of this server (cache-tier). A namespace is cached when this is enabled and the
     * namespace's own {@code cacheEnabled} is true, for the namespace's {@code cacheTtlSeconds}.
     */
    public static class CacheSettings {
        /** Whether this server caches at all. */
        @JsonProperty
        public boolean enabled = true;

        /** Bytes each namespace's cache may hold (keys, values, per-entry overhead). */
        @Min(0)
        @JsonProperty
        public long maxWeightBytes = 64L * 1024 * 1024;

        /** Per-namespace overrides of {@link #maxWeightBytes}. */
        @NotNull
        @JsonProperty
        public Map<String, Long> namespaceMaxWeightBytes = new LinkedHashMap<>();

        /** Records larger than this (keys + values) are read from Cassandra every time. */
        @Min(0)
        @JsonProperty
        public long maxRecordBytes = 64 * 1024;

        /** How long a not-found is cached (a write to the record removes it at once). */
        @NotNull
        @JsonProperty
        public Duration negativeTtl = Duration.seconds(5);

        /**
         * Topic in this region's Kafka on which every apply (local write or replicated) announces the record
         * it changed, so that every server instance of the region drops it.
         */
        @NotEmpty
        @JsonProperty
        public String invalidationTopic = io.meridian.replicator.LogNames.INVALIDATIONS;
    }

    /** The region router hosted by this server (region-router). */
    public static class RouterSettings {
        /** Whether this server runs a router (observer, plan, operator API). */
        @JsonProperty
        public boolean enabled = true;

        /** How long a majority of the other regions' observers must see a region unhealthy before it is failed. */
        @NotNull
        @JsonProperty
        public Duration failAfter = Duration.seconds(5);

        /** How long a region must be healthy (by a majority) before it may be restored. */
        @NotNull
        @JsonProperty
        public Duration healthyFor = Duration.seconds(5);

        /** Default evacuation and restore steps (percent of the region's traffic moved). */
        @NotNull
        @JsonProperty
        public java.util.List<Integer> steps = java.util.List.of(25, 50, 100);

        /** Default time between steps. */
        @NotNull
        @JsonProperty
        public Duration bake = Duration.seconds(10);

        /** Evacuate a failed region automatically (straight to 100 %). */
        @JsonProperty
        public boolean automaticFailover = true;

        /** A region has caught up when every source's lag is below this (and nothing is held or dead-lettered). */
        @NotNull
        @JsonProperty
        public Duration maxCatchUpLag = Duration.seconds(1);
    }

    /**
     * Who may call this server (HTTP Basic on every {@code /v1} endpoint): principals by name, each with a secret
     * and what it may do. Every region must have the same principals (namespace creation fans out with the
     * caller's credentials; peers call each other as {@link #peer}).
     */
    public static class AuthSettings {
        /** The principals, by name. */
        @Valid
        @NotNull
        @JsonProperty
        public Map<String, PrincipalSettings> principals = new LinkedHashMap<>();

        /** The credentials this server presents to other servers (a principal with role {@code peer}). */
        @Valid
        @JsonProperty
        public PeerCredentials peer;

        /**
         * Allow credentials over plain HTTP on an application connector bound to a non-loopback address. Off: such
         * a configuration does not start (use an {@code https} connector, see docs/deployment.md).
         */
        @JsonProperty
        public boolean allowPlaintextOffLoopback;
    }

    /** One principal: exactly one of {@code secret} and {@code secretSha256}, and its roles and namespaces. */
    public static class PrincipalSettings {
        /** The secret itself (for development; prefer {@link #secretSha256}). */
        @JsonProperty
        public String secret;

        /** SHA-256 of the secret, 64 hex digits. */
        @Pattern(regexp = "[0-9a-fA-F]{64}")
        @JsonProperty
        public String secretSha256;

        /** {@code admin}, {@code operator}, {@code peer}. */
        @NotNull
        @JsonProperty
        public java.util.Set<io.meridian.server.auth.Caller.Role> roles = java.util.Set.of();

        /** Data access per namespace ({@code "*"}: every namespace): {@code [read]} or {@code [read, write]}. */
        @NotNull
        @JsonProperty
        public Map<String, java.util.Set<io.meridian.server.auth.Caller.Access>> namespaces = new LinkedHashMap<>();
    }

    /** A user name and secret this server sends. */
    public static class PeerCredentials {
        @NotEmpty
        @JsonProperty
        public String user;

        @NotEmpty
        @JsonProperty
        public String secret;
    }
}
