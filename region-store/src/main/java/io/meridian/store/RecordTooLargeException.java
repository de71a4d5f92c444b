package io.meridian.store;

import io.meridian.core.MeridianException;

/** A whole-record read of a record larger than the read's bound: nothing was returned; read it in pages instead. */
public final class RecordTooLargeException extends MeridianException {

    private static final long serialVersionUID = 1L;

    private final long maxBytes;

    public RecordTooLargeException(String namespace, String id, long maxBytes) {
        super("record '" + id + "' of namespace '" + namespace + "' holds more than " + maxBytes + " bytes of keys and values,"
                + " more than one whole-record read returns: read it in pages (GET ...?pageBytes=N, then pageToken; the client's"
                + " items(...))");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
