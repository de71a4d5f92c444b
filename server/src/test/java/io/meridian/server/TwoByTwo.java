package io.meridian.server;

/**
 * The classes that need two server instances per region share one private cluster of two regions with two instances
 * each, started once instead of once per class (about a minute each on two cores). The module's class orderer
 * (junit-platform.properties) runs them first, one after the other, before the shared three-region cluster starts; the
 * first ask for any other cluster stops it. Each leaves it as it found it ({@link ClusterHygiene#restore}).
 */
final class TwoByTwo {

    static final String KEY = "two-regions-two-instances";
    /** Nothing destructive: first. */
    static final int CONDITIONAL_WRITES = 1;
    /** Kills an instance and restores it, evacuates and restores a region. */
    static final int CACHE = 2;
    /** Slows and cuts links, evacuates a region: last. */
    static final int SESSIONS = 3;

    private TwoByTwo() { }
}
