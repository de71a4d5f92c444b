package io.meridian.replicator;

import io.meridian.core.RegionId;

/**
 * The names Meridian gives its Kafka topics and consumer groups: defaults of the configuration
 * ({@code kafka.topic}, {@code replication.deadLetterTopic}, {@code cache.invalidationTopic}) and the groups whose
 * committed positions are the appliers' and the dead-letter queue's state. One place, so operator tools
 * ({@code meridian rebuild}) and servers never disagree.
 */
public final class LogNames {

    /** Every mutation that originated in a region, in that region's Kafka. */
    public static final String MUTATIONS = "meridian.mutations";
    /** Mutations an applier could not apply, in the applying region's Kafka. */
    public static final String DEAD_LETTERS = "meridian.deadletters";
    /** Cache invalidations among the server instances of one region. */
    public static final String INVALIDATIONS = "meridian.invalidations";

    private LogNames() { }

    /** The consumer group of a region's appliers (on every source's log): its committed offsets are applied ones. */
    public static String applierGroup(RegionId region) {
        return "meridian-applier-" + region.name();
    }

    /** The consumer group whose committed offset on the dead-letter topic marks what is resolved. */
    public static String deadLetterGroup(RegionId region) {
        return "meridian-deadletters-" + region.name();
    }
}
