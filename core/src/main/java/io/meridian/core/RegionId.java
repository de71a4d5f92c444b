package io.meridian.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of a region, such as {@code region-a}.
 *
 * <p>A region name is 1 to 32 characters of lower-case letters, digits and '-', starting with a
 * letter. It appears in Kafka consumer group names, Cassandra data-centre names and file paths,
 * so anything else is refused at construction. Immutable and thread-safe.
 *
 * @param name the validated region name
 */
public record RegionId(String name) implements Comparable<RegionId> {

    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9-]{0,31}");

    /** Largest number of regions that get a default name ({@code region-a} … {@code region-z}). */
    public static final int MAX_DEFAULT_REGIONS = 26;

    public RegionId {
        Objects.requireNonNull(name, "region name");
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid region name '" + name
                    + "': expected 1-32 characters of a-z, 0-9 and '-', starting with a letter");
        }
    }

    /**
     * Returns the region with this name, or throws {@link IllegalArgumentException} naming the problem. In JSON a
     * region is its name, also as a map key.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static RegionId of(String name) {
        return new RegionId(name);
    }

    /**
     * Returns the default name of the region at {@code index} (0 → {@code region-a}).
     *
     * @throws IllegalArgumentException if index is outside 0..25
     */
    public static RegionId defaultName(int index) {
        if (index < 0 || index >= MAX_DEFAULT_REGIONS) {
            throw new IllegalArgumentException("region index " + index + " outside 0.." + (MAX_DEFAULT_REGIONS - 1));
        }
        return new RegionId("region-" + (char) ('a' + index));
    }

    @Override
    public int compareTo(RegionId o) {
        return name.compareTo(o.name);
    }

    /** The name; in JSON the whole value. */
    @Override
    @JsonValue
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
