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
    final List<Bytes> deletes;
    final boolean deleteRecord;

    private RecordChange(Builder b) {
        this.puts = Collections.unmodifiableMap(new LinkedHashMap<>(b.puts));
        this.deletes = List.copyOf(b.deletes);
        this.deleteRecord = b.deleteRecord;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder of {@link RecordChange}; not thread-safe. */
    public static final class Builder {
        private final Map<Bytes, Bytes> puts = new LinkedHashMap<>();
        private final List<Bytes> deletes = new ArrayList<>();
        private boolean deleteRecord;

        public Builder put(Bytes key, Bytes value) {
            Limits.checkKey(key);
            Limits.checkValue(value);
            puts.put(key, value);
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
