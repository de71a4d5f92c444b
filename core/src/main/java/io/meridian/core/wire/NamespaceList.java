package io.meridian.core.wire;

import java.util.List;

/** {@code GET /v1/namespaces}: the namespaces the caller may read. */
public record NamespaceList(List<NamespaceJson> namespaces) {

    public NamespaceList {
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }
}
