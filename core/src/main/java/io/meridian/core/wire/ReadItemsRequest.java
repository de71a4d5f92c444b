package io.meridian.core.wire;

import java.util.List;

/**
 * Body of {@code POST /v1/namespaces/{ns}/records/{id}/read}: the keys (base64) of the items to read. In the body, not the
 * URL, so a long list is bounded by the 4 MiB request limit rather than the HTTP server's 8 KiB of request headers.
 */
public record ReadItemsRequest(List<String> keys) {
}
