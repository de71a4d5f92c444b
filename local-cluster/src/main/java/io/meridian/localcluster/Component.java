package io.meridian.localcluster;

import java.util.Locale;

/** A process of a region that local-cluster starts and stops. */
public enum Component {
    CASSANDRA,
    KAFKA,
    /** Meridian's regional server (Dropwizard), started after the region's engines answer. */
    SERVER;

    /** Whether this is one of the storage engines (as opposed to Meridian's own server). */
    public boolean isEngine() {
        return this != SERVER;
    }

    /** The lower-case name used on the command line and in {@code cluster.json}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a command-line component name.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code label} is not one
     */
    public static Component parse(String label) {
        for (Component c : values()) {
            if (c.label().equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown component '" + label + "': expected cassandra, kafka or server");
    }
}
