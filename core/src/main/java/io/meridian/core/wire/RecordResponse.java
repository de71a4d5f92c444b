package io.meridian.core.wire;

import java.util.List;

/**
 * A record's items (all, chosen keys, or one page of a key range) in key order. {@code nextPageToken}
 * is set when a range read has more items.
 */
public record RecordResponse(String namespace, String id, List<ItemJson> items, String nextPageToken) {
}
