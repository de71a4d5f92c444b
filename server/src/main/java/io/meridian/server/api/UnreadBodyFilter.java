package io.meridian.server.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.IOException;

/**
 * Says {@code Connection: close} on an answer given before the request's body was read (a 401 from the
 * authentication filter, a 413 from {@link RequestSizeFilter}).
 *
 * <p>Jetty closes such a connection after answering, because the unread body would otherwise be taken for
 * the next request; but without this header its answer looks keep-alive, so a pooling client (the JDK's
 * {@code HttpClient}, our own client) may send its next request on the closing connection and get no bytes
 * back ("header parser received no bytes"), an outcome it cannot tell from a lost write. With the header the
 * client knows not to reuse it. A body an entity reader read whole leaves the connection alone; one whose read failed
 * part-way (a chunked body past the limit, malformed JSON early in a large body) is unread too.
 */
@Provider
public final class UnreadBodyFilter implements ContainerResponseFilter, ReaderInterceptor {

    private static final String READ = UnreadBodyFilter.class.getName() + ".read";

    /** Marks the body read only once an entity reader has read it whole: a read that failed (too large, malformed) did not. */
    @Override
    public Object aroundReadFrom(ReaderInterceptorContext ctx) throws IOException {
        Object entity = ctx.proceed();
        ctx.setProperty(READ, Boolean.TRUE);
        return entity;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(READ) == null && hasBody(request)) {
            response.getHeaders().putSingle("Connection", "close");
        }
    }

    /** From the headers only: asking the entity stream could block on a slow client. */
    static boolean hasBody(ContainerRequestContext request) {
        return request.getLength() > 0 || request.getHeaderString("Transfer-Encoding") != null;
    }
}
