package io.meridian.client;

import io.meridian.core.Bytes;
import io.meridian.core.Limits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts and deletes of one record, applied atomically by {@link MeridianClient#mutate}. Build with
 * {@link #builder()}; each method checks its argument. With {@link Builder#deleteRecord()} every item
 * written before the change is removed first, so {@code deleteRecord().put(...)} replaces a record.
 * With a condition ({@link Builder#ifRecordAbsent()}, {@link Builder#ifAbsent}, {@link Builder#ifVersion}) the change is
 * applied only if it holds in the region that accepts it; else the call fails with
 * {@link MeridianClientException.ConditionFailed} and nothing is written. Immutable once built.
 */
public final class RecordChange {

    final Map<Bytes, Bytes> puts;
    /** Per put key its TTL in seconds; absent: the namespace's default. */
    final Map<Bytes, Integer> ttls;
    final List<Bytes> deletes;
    final boolean deleteRecord;
    final boolean ifRecordAbsent;
    /** Per conditioned key its expected version: a timestamp (µs), or 0 for absent. */
    final Map<Bytes, Long> expected;

    private RecordChange(Builder b) {
        this.ifRecordAbsent = b.ifRecordAbsent;
        this.expected = Collections.unmodifiableMap(new LinkedHashMap<>(b.expected));
        this.puts = Collections.unmodifiableMap(new LinkedHashMap<>(b.puts));
        this.ttls = Map.copyOf(b.ttls);
        this.deletes = List.copyOf(b.deletes);
        this.deleteRecord = b.deleteRecord;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link RecordChange}; not thread-safe. */
    public static final class Builder {
        private final Map<Bytes, Bytes> puts = new LinkedHashMap<>();
        private final Map<Bytes, Integer> ttls = new LinkedHashMap<>();
        private final List<Bytes> deletes = new ArrayList<>();
        private boolean deleteRecord;
        private boolean ifRecordAbsent;
        private final Map<Bytes, Long> expected = new LinkedHashMap<>();

        /** Only if the record has no item (create, not overwrite). */
        public Builder ifRecordAbsent() {
            this.ifRecordAbsent = true;
            return this;
        }

        /** Only if the record has no item {@code key}. */
        public Builder ifAbsent(Bytes key) {
            expected.put(Limits.checkKey(key), 0L);
            return this;
        }

        public Builder ifAbsent(String key) {
            return ifAbsent(Bytes.utf8(key));
        }

        /**
         * Only if item {@code key} exists at version {@code timestamp}: the {@link Item#timestamp()} a read gave, or the
         * {@link WriteResult#timestamp()} of the write that set it ("only if unchanged since").
         */
        public Builder ifVersion(Bytes key, long timestamp) {
            if (timestamp <= 0) {
                throw new IllegalArgumentException("a version is a write timestamp (µs), positive: " + timestamp + " (ifAbsent for none)");
            }
            expected.put(Limits.checkKey(key), timestamp);
            return this;
        }

        public Builder ifVersion(String key, long timestamp) {
            return ifVersion(Bytes.utf8(key), timestamp);
        }

        public Builder put(Bytes key, Bytes value) {
            Limits.checkKey(key);
            Limits.checkValue(value);
            puts.put(key, value);
            ttls.remove(key);
            return this;
        }

        /**
         * A put whose item expires {@code ttl} after the write (whole seconds, at least 1 s, at most
         * {@value Limits#MAX_TTL_SECONDS} s): in every region, as Cassandra's TTL of the cell.
         */
        public Builder put(Bytes key, Bytes value, java.time.Duration ttl) {
            if (java.util.Objects.requireNonNull(ttl, "ttl").getNano() != 0 || ttl.getSeconds() < 1) {
                throw new IllegalArgumentException("ttl must be a whole number of seconds, at least 1 s: " + ttl);
            }
            int seconds = Limits.checkTtl("ttl", ttl.getSeconds());
            put(key, value);
            ttls.put(key, seconds);
            return this;
        }

        public Builder put(String key, String value) {
            return put(Bytes.utf8(key), Bytes.utf8(value));
        }

        public Builder delete(Bytes key) {
            deletes.add(Limits.checkKey(key));
            return this;
        }

        public Builder delete(String key) {
            return delete(Bytes.utf8(key));
        }

        public Builder deleteRecord() {
            this.deleteRecord = true;
            return this;
        }

        public RecordChange build() {
            if (puts.isEmpty() && deletes.isEmpty() && !deleteRecord) {
                throw new IllegalArgumentException("a record change needs at least one put or delete");
            }
            return new RecordChange(this);
        }
    }
}
