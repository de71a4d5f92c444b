package io.meridian.client;

import io.meridian.core.Bytes;
import java.util.List;
import java.util.Optional;

/** The items of one record, in key order (unsigned bytes). Immutable. */
public record Record(String namespace, String id, List<Item> items) {

    public Record {
        items = List.copyOf(items);
    }

    /** The value of item {@code key}, if the record has it. */
    public Optional<Bytes> value(Bytes key) {
        return items.stream().filter(i -> i.key().equals(key)).map(Item::value).findFirst();
    }

    /** The value of the item whose key is the UTF-8 of {@code key}, decoded as UTF-8. */
    public Optional<String> text(String key) {
        return value(Bytes.utf8(key)).map(Bytes::toUtf8);
    }
}
