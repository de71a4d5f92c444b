package io.meridian.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of a key-range read. Pass {@link #nextPageToken()} to the next call to continue; it is empty
 * on the last page. Immutable.
 */
public record Page(List<Item> items, Optional<String> nextPageToken) {
    public Page {
        items = List.copyOf(items);
    }
}
