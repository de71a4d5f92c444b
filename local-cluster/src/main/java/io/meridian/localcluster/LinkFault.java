package io.meridian.localcluster;

import io.meridian.core.RegionId;
import java.time.Duration;
import java.util.Objects;

/**
 * The state of the cross-region link between two regions of an embedded cluster: whether it is cut
 * and how much round-trip delay it adds (the figure quoted between cloud regions, e.g. ~70 ms across a
 * continent). A link carries both directions (each region's appliers reading
 * the other region's Kafka); a fault applies to both.
 *
 * @param a     the region that sorts first
 * @param b     the other region
 * @param cut   how the link is cut, {@link Cut#NONE} when it carries traffic
 * @param delay added round-trip latency, half of it in each direction (zero when none)
 */
public record LinkFault(RegionId a, RegionId b, Cut cut, Duration delay) {

    /** How a cut link behaves. */
    public enum Cut {
        /** Traffic flows. */
        NONE,
        /**
         * Bytes stop flowing both ways and new connections are accepted but never answered, as when
         * packets are dropped: clients only notice through their own timeouts. Bytes already sent
         * are delivered after the heal, as TCP retransmission would.
         */
        BLACKHOLE,
        /** Open connections are reset (TCP RST) and new ones are reset at once, as with a firewall reject. */
        RESET;

        /** The lower-case name used on the command line. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public LinkFault {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(cut, "cut");
        Objects.requireNonNull(delay, "delay");
        if (a.name().compareTo(b.name()) >= 0) {
            throw new IllegalArgumentException("link regions must be distinct and in name order: " + a + ", " + b);
        }
    }

    /** Whether this link is healthy: not cut and no added delay. */
    public boolean clear() {
        return cut == Cut.NONE && delay.isZero();
    }
}
