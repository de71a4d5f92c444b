package io.meridian.server.api;

import io.meridian.core.Limits;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * Refuses request bodies larger than the 4 MiB request limit can need in JSON (base64 grows data by
 * 4/3, plus field names): 413 before anything is read. The exact limit on keys and values is checked
 * after decoding.
 */
@Provider
@PreMatching
public final class RequestSizeFilter implements ContainerRequestFilter {

    /** 4 MiB of data in base64 plus room for JSON structure. */
    public static final long MAX_BODY_BYTES = Limits.MAX_REQUEST_BYTES / 3 * 4 + 1024 * 1024;

    @Override
    public void filter(ContainerRequestContext ctx) {
        int length = ctx.getLength();
        if (length > MAX_BODY_BYTES) {
            ctx.abortWith(ErrorMappers.respond(413, "request body is " + length + " bytes; the limit is " + MAX_BODY_BYTES
                    + " bytes of JSON (4 MiB of keys and values)", false, 0, null));
        } else if (length < 0 && ctx.hasEntity()) {
            ctx.setEntityStream(new BoundedInputStream(ctx.getEntityStream(), MAX_BODY_BYTES));
        }
    }

    /** Fails the read once more than {@code max} bytes arrived (chunked bodies). */
    static final class BoundedInputStream extends java.io.FilterInputStream {
        private final long max;
        private long count;

        BoundedInputStream(java.io.InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws java.io.IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws java.io.IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            count += n;
            if (count > max) {
                throw new Limits.LimitExceededException("request body exceeds " + max + " bytes of JSON (4 MiB of keys and values)");
            }
        }
    }
}
