package io.meridian.server.data;

import io.meridian.core.Bytes;
import io.meridian.core.Limits;
import io.meridian.core.Operation;
import io.meridian.core.wire.ItemJson;
import io.meridian.server.ApiException;
import java.util.ArrayList;
import java.util.List;

/** Turns wire JSON into checked domain values; every failure names the field and the rule. */
final class WireConversions {

    private WireConversions() { }

    static Bytes base64(String field, String value) {
        if (value == null) {
            throw ApiException.badRequest(field + " is missing");
        }
        try {
            return Bytes.fromBase64(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field + " is not valid base64: " + e.getMessage());
        }
    }

    static Bytes key(String field, String base64) {
        return Limits.checkKey(base64(field, base64));
    }

    /** Puts from items; checks every limit, and the request total against {@link Limits#MAX_REQUEST_BYTES}. */
    static List<Operation> puts(List<ItemJson> items, long[] total) {
        List<Operation> ops = new ArrayList<>();
        if (items == null) {
            return ops;
        }
        for (int i = 0; i < items.size(); i++) {
            ItemJson item = items.get(i);
            if (item == null) {
                throw ApiException.badRequest("items[" + i + "] is null");
            }
            Bytes key = key("items[" + i + "].key", item.key());
            Bytes value = Limits.checkValue(base64("items[" + i + "].value", item.value()));
            int ttl;
            try {
                ttl = Limits.checkTtl("items[" + i + "].ttlSeconds", item.ttlSeconds() == null ? 0 : item.ttlSeconds());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            total[0] += key.size() + value.size();
            checkTotal(total[0]);
            ops.add(new Operation.Put(key, value, ttl));
        }
        return ops;
    }

    static void checkTotal(long bytes) {
        if (bytes > Limits.MAX_REQUEST_BYTES) {
            throw new Limits.LimitExceededException("request carries more than " + Limits.MAX_REQUEST_BYTES
                    + " bytes of keys and values (4 MiB limit)");
        }
    }

    static String namespace(String ns) {
        try {
            return Limits.checkNamespace(ns);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** A mutate's condition; 400 when it names nothing or an item twice, or has a bad key or a negative timestamp. */
    static io.meridian.core.Condition condition(io.meridian.core.wire.ConditionJson json) {
        java.util.Map<Bytes, Long> items = new java.util.LinkedHashMap<>();
        List<ItemJson> listed = json.items() == null ? List.of() : json.items();
        for (int i = 0; i < listed.size(); i++) {
            ItemJson item = listed.get(i);
            if (item == null) {
                throw new IllegalArgumentException("condition.items[" + i + "] is null");
            }
            Bytes key = key("condition.items[" + i + "].key", item.key());
            if (items.put(key, item.timestamp() == null ? io.meridian.core.Condition.ABSENT : item.timestamp()) != null) {
                throw new IllegalArgumentException("condition.items names key " + item.key() + " twice");
            }
        }
        return new io.meridian.core.Condition(Boolean.TRUE.equals(json.recordAbsent()), items);
    }

    static ItemJson toJson(io.meridian.store.StoredItem item) {
        return new ItemJson(item.key().toBase64(), item.value().toBase64(), item.writeTimeMicros(),
                item.ttlSeconds() > 0 ? item.ttlSeconds() : null);
    }
}
