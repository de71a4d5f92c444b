package io.meridian.store;

import io.meridian.core.MeridianException;

/**
 * A read whose items hold more than the read's bound: nothing was returned. A whole-record read is read in pages instead;
 * a read of chosen keys asks for fewer.
 */
public final class RecordTooLargeException extends MeridianException {

    private static final long serialVersionUID = 1L;

    private final long maxBytes;

    public RecordTooLargeException(String namespace, String id, long maxBytes) {
        super("the items read of record '" + id + "' of namespace '" + namespace + "' hold more than " + maxBytes + " bytes of"
                + " keys and values, more than one read returns: read the record in pages (GET ...?pageBytes=N, then pageToken;"
                + " the client's items(...)), or ask for fewer keys");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
