package io.meridian.core;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a session has seen, as positions in the regions' mutation logs: for a partition of a region's log, the offset
 * below which every mutation must be visible to the session's next read of a record of that partition
 * (docs/consistency.md, "Sessions"). A write adds its own position (offset + 1) and its timestamp: the session's
 * next write is stamped after it, whichever host makes it. Sent in the header {@value #HEADER} as
 * {@code region-a:3:120,region-b:0:7,@1795667623542485} (region, partition, offset; {@code @} the highest write
 * timestamp, µs, which servers ignore). Immutable and thread-safe.
 */
public final class SessionToken {

    /** The request and answer header. */
    public static final String HEADER = "Meridian-Session";
    /**
     * The answer header of a server that honoured a request's session ({@code true}): an answer without it came from a
     * server that ignores sessions (older than them) and may be older than the session.
     */
    public static final String SATISFIED_HEADER = "Meridian-Session-Satisfied";
    /**
     * At most one entry per partition of each region's log the session wrote to; more is an error. Bounded so that a
     * token fits a request header (8 KiB on the servers' defaults: about 20 bytes an entry).
     */
    public static final int MAX_ENTRIES = 320;
    private static final int MAX_PARTITION = 1 << 20;
    /** Year 2262 in µs: beyond it a write timestamp is an error (and arithmetic on it would overflow). */
    static final long MAX_TIMESTAMP = 1L << 62;
    private static final SessionToken EMPTY = new SessionToken(Map.of(), 0);

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
    private final long timestamp;

    private SessionToken(Map<Position, Long> entries, long timestamp) {
        this.entries = entries;
        this.timestamp = timestamp;
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
        return new SessionToken(Collections.unmodifiableMap(copy), 0);
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
        long ts = 0;
        for (String entry : header.split(",", -1)) {
            String e = entry.trim();
            if (e.startsWith("@")) {
                try {
                    ts = Math.max(ts, Long.parseLong(e.substring(1)));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(HEADER + " timestamp must be @<µs>; got '" + Limits.printable(e) + "'");
                }
                if (ts < 0 || ts > MAX_TIMESTAMP) {
                    throw new IllegalArgumentException(HEADER + " timestamp must be within 0.." + MAX_TIMESTAMP + " µs");
                }
                continue;
            }
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
        return new SessionToken(Collections.unmodifiableMap(out), ts);
    }

    /** Position → offset. */
    public Map<Position, Long> entries() {
        return entries;
    }

    /** Whether it holds no position (a timestamp alone asks nothing of a read). */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The highest write timestamp (µs) of the session, 0 when none. */
    public long timestamp() {
        return timestamp;
    }

    /** This token with {@code timestamp} if it is higher. */
    public SessionToken withTimestamp(long timestamp) {
        return timestamp <= this.timestamp ? this : new SessionToken(entries, timestamp);
    }

    /** The offset required of {@code position}, or -1 when none. */
    public long offset(Position position) {
        return entries.getOrDefault(position, -1L);
    }

    /** Both tokens' positions, the higher offset where both have one. */
    public SessionToken merge(SessionToken other) {
        if (other == this) {
            return this;
        }
        if (other.entries.isEmpty()) {
            return withTimestamp(other.timestamp);
        }
        if (entries.isEmpty()) {
            return other.withTimestamp(timestamp);
        }
        boolean grows = other.timestamp > timestamp;
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
        return new SessionToken(Collections.unmodifiableMap(m), Math.max(timestamp, other.timestamp));
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
        if (timestamp > 0) {
            s.append(s.length() > 0 ? "," : "").append('@').append(timestamp);
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionToken t && t.entries.equals(entries) && t.timestamp == timestamp;
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 31 + Long.hashCode(timestamp);
    }
}
