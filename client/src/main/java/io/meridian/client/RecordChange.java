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
 * Immutable once built.
 */
public final class RecordChange {

    final Map<Bytes, Bytes> puts;
    /** Per put key its TTL in seconds; absent: the namespace's default. */
    final Map<Bytes, Integer> ttls;
    final List<Bytes> deletes;
    final boolean deleteRecord;

    private RecordChange(Builder b) {
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
