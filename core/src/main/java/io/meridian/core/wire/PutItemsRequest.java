package io.meridian.core.wire;

import java.util.List;

/** Body of {@code PUT /v1/namespaces/{ns}/records/{id}}: the items to set. */
public record PutItemsRequest(List<ItemJson> items) {
}
