package io.meridian.core;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a session has seen, as positions in the regions' mutation logs: for a partition of a region's log, the offset
 * below which every mutation must be visible to the session's next read of a record of that partition
 * (docs/consistency.md, "Sessions"). A write adds its own position (offset + 1); a read adds what the answering
 * server had applied of the record's partitions. Sent in the header {@value #HEADER} as
 * {@code region-a:3:120,region-b:0:7} (region, partition, offset). Immutable and thread-safe.
 */
public final class SessionToken {

    /** The request and answer header. */
    public static final String HEADER = "Meridian-Session";
    /** More entries than any deployment has log partitions (regions × partitions per log): a bigger token is an error. */
    public static final int MAX_ENTRIES = 4096;
    private static final int MAX_PARTITION = 1 << 20;
    private static final SessionToken EMPTY = new SessionToken(Map.of());

    /** A partition of a region's mutation log. */
    public record Position(RegionId region, int partition) implements Comparable<Position> {
        public Position {
            Objects.requireNonNull(region, "region");
            if (partition < 0) {
                throw new IllegalArgumentException("partition must not be negative: " + partition);
            }
        }

        @Override
        public int compareTo(Position o) {
            int c = region.compareTo(o.region);
            return c != 0 ? c : Integer.compare(partition, o.partition);
        }
    }

    private final Map<Position, Long> entries;

    private SessionToken(Map<Position, Long> entries) {
        this.entries = entries;
    }

    public static SessionToken empty() {
        return EMPTY;
    }

    /** A token of these entries (offsets must not be negative). */
    public static SessionToken of(Map<Position, Long> entries) {
        if (entries.isEmpty()) {
            return EMPTY;
        }
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("a session token holds at most " + MAX_ENTRIES + " positions, not " + entries.size());
        }
        Map<Position, Long> copy = new HashMap<>();
        entries.forEach((p, o) -> {
            if (o < 0) {
                throw new IllegalArgumentException("offset must not be negative: " + p + " " + o);
            }
            copy.put(Objects.requireNonNull(p, "position"), o);
        });
        return new SessionToken(Collections.unmodifiableMap(copy));
    }

    /** The token of one position. */
    public static SessionToken of(RegionId region, int partition, long offset) {
        return of(Map.of(new Position(region, partition), offset));
    }

    /**
     * Reads a header value; blank or null is the empty token.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static SessionToken parse(String header) {
        if (header == null || header.isBlank()) {
            return EMPTY;
        }
        if (header.length() > MAX_ENTRIES * 64) {
            throw new IllegalArgumentException(HEADER + " is too long (" + header.length() + " characters)");
        }
        Map<Position, Long> out = new HashMap<>();
        for (String entry : header.split(",", -1)) {
            String e = entry.trim();
            int a = e.indexOf(':');
            int b = e.lastIndexOf(':');
            if (a <= 0 || b <= a + 1 || b == e.length() - 1) {
                throw new IllegalArgumentException(HEADER + " entries are region:partition:offset; got '" + Limits.printable(e) + "'");
            }
            RegionId region = RegionId.of(e.substring(0, a));
            int partition;
            long offset;
            try {
                partition = Integer.parseInt(e.substring(a + 1, b));
                offset = Long.parseLong(e.substring(b + 1));
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException(HEADER + " partition and offset must be whole numbers; got '" + Limits.printable(e) + "'");
            }
            if (partition < 0 || partition > MAX_PARTITION || offset < 0) {
                throw new IllegalArgumentException(HEADER + " partition within 0.." + MAX_PARTITION + " and offset not negative; got '"
                        + Limits.printable(e) + "'");
            }
            out.merge(new Position(region, partition), offset, Math::max);
            if (out.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException(HEADER + " holds at most " + MAX_ENTRIES + " positions");
            }
        }
        return new SessionToken(Collections.unmodifiableMap(out));
    }

    /** Position → offset. */
    public Map<Position, Long> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The offset required of {@code position}, or -1 when none. */
    public long offset(Position position) {
        return entries.getOrDefault(position, -1L);
    }

    /** Both tokens' positions, the higher offset where both have one. */
    public SessionToken merge(SessionToken other) {
        if (other.isEmpty() || other == this) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        boolean grows = false;
        for (Map.Entry<Position, Long> e : other.entries.entrySet()) {
            if (e.getValue() > offset(e.getKey())) {
                grows = true;
                break;
            }
        }
        if (!grows) {
            return this;
        }
        Map<Position, Long> m = new HashMap<>(entries);
        other.entries.forEach((p, o) -> m.merge(p, o, Math::max));
        if (m.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("a session token holds at most " + MAX_ENTRIES + " positions");
        }
        return new SessionToken(Collections.unmodifiableMap(m));
    }

    /** The header value: entries in region and partition order. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(entries).forEach((p, o) -> {
            if (s.length() > 0) {
                s.append(',');
            }
            s.append(p.region().name()).append(':').append(p.partition()).append(':').append(o);
        });
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionToken t && t.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }
}
