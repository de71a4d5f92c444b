package io.meridian.server.data;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;
import io.meridian.core.CallDeadline;
import io.meridian.core.SessionToken;
import io.meridian.core.Traceparent;
import io.meridian.core.wire.PutItemsRequest;
import io.meridian.server.api.DirectPath;
import io.meridian.server.api.RequestSizeFilter;
import io.meridian.server.api.SessionFilter;
import io.meridian.server.api.TraceFilter;
import io.meridian.server.auth.Caller;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.io.EofException;

/**
 * The two hot data calls, {@code PUT} and plain {@code GET} of {@code /v1/namespaces/{ns}/records/{id}}, served without
 * Jersey's per-request pipeline, which a profile put at two thirds of a request thread's CPU (docs/benchmarks.md, "The
 * direct path, and a thread per answer"). Everything a call does is {@link RecordsResource}'s own code: this class only
 * parses the request, authenticates it, and writes the answer, with the same JSON mapper, error mapping
 * ({@link io.meridian.server.api.ErrorMappers}; Dropwizard's own 500 for anything else), trace and session handling ({@link TraceFilter},
 * {@link SessionFilter}) and metrics (the resource's timers and error meter under Jersey's names).
 *
 * <p>It takes only the plain form of those calls and hands every other request to Jersey unchanged: a query string, a
 * percent-encoded or dotted path, credentials that do not authenticate (Jersey answers the 401), a header it reads sent
 * twice, an {@code Accept} that is not plainly JSON, a {@code PUT} without a plain JSON {@code Content-Type} or a known
 * {@code Content-Length} within the request limit, a {@code GET} with a body or a {@code Content-Type}. Anything unusual
 * therefore gets exactly the answer it got before; {@code DirectRecordsIT} compares the two paths' answers request by
 * request.
 */
final class DirectRecords implements Filter {

    static final String PREFIX = "/v1/namespaces/";
    private static final String RESOURCE = RecordsResource.class.getName();

    private final RecordsResource records;
    private final Authenticator<BasicCredentials, Caller> authenticator;
    private final ObjectReader putBody;
    private final ObjectWriter writer;
    private final Timer putTimer;
    private final Meter putErrors;
    private final Timer getTimer;
    private final Meter getErrors;
    private final Timer putTotal;
    private final Timer getTotal;
    private final Meter served;

    DirectRecords(RecordsResource records, Authenticator<BasicCredentials, Caller> authenticator, ObjectMapper mapper,
            MetricRegistry metrics) {
        this.records = records;
        this.authenticator = authenticator;
        this.putBody = mapper.readerFor(PutItemsRequest.class);
        this.writer = mapper.writer();
        // the names Jersey gives the resource's @Timed and @ExceptionMetered: one timer and meter whichever path served
        this.putTimer = metrics.timer(MetricRegistry.name(RESOURCE, "put-items"));
        this.putErrors = metrics.meter(MetricRegistry.name(RESOURCE, "put-items-errors", "exceptions"));
        this.getTimer = metrics.timer(MetricRegistry.name(RESOURCE, "get"));
        this.getErrors = metrics.meter(MetricRegistry.name(RESOURCE, "get-errors", "exceptions"));
        this.putTotal = metrics.timer(MetricRegistry.name(RESOURCE, "put-items", "total"));
        this.getTotal = metrics.timer(MetricRegistry.name(RESOURCE, "get", "total"));
        this.served = metrics.meter("meridian.api.direct-requests");
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        String[] target = plainCall(request);
        Caller caller = target == null ? null : DirectPath.authenticated(authenticator, request.getHeader("Authorization"));
        if (caller == null) {
            chain.doFilter(req, res);
            return;
        }
        served.mark();
        serve(request, (HttpServletResponse) res, caller, target[0], target[1]);
    }

    /** {ns, id} of a call this class serves as it is, else null (Jersey serves it). */
    static String[] plainCall(HttpServletRequest request) {
        String method = request.getMethod();
        boolean put = "PUT".equals(method);
        if (!put && !"GET".equals(method) || request.getQueryString() != null || !DirectPath.singleValued(request, READ_HEADERS)
                || !DirectPath.plainlyJson(request.getHeader("Accept"))) {
            return null;
        }
        String contentType = request.getHeader("Content-Type");
        long length = request.getContentLengthLong();
        boolean chunked = request.getHeader("Transfer-Encoding") != null;
        if (put ? !json(contentType) || chunked || length < 0 || length > RequestSizeFilter.MAX_BODY_BYTES
                : contentType != null || chunked || length > 0) {
            return null;
        }
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        if (uri == null || !uri.startsWith(context) || !uri.startsWith(PREFIX, context.length())) {
            return null;
        }
        return segments(uri.substring(context.length() + PREFIX.length()));
    }

    /** {ns, id} of {@code <ns>/records/<id>} with nothing in either that Jersey would decode or normalise, else null. */
    static String[] segments(String rest) {
        int slash = rest.indexOf('/');
        if (slash <= 0 || !rest.startsWith("/records/", slash)) {
            return null;
        }
        String ns = rest.substring(0, slash);
        String id = rest.substring(slash + "/records/".length());
        if (id.isEmpty() || id.indexOf('/') >= 0 || !plain(ns) || !plain(id)) {
            return null;
        }
        return new String[] {ns, id};
    }

    private static boolean plain(String segment) {
        return segment.indexOf('%') < 0 && segment.indexOf(';') < 0 && !".".equals(segment) && !"..".equals(segment);
    }

    /** The headers this class reads, each at most once (Jersey joins repeated ones, or refuses them). */
    private static final List<String> READ_HEADERS = List.of("Authorization", "Accept", "Content-Type", Traceparent.HEADER,
            RecordsResource.TOKEN_HEADER, CallDeadline.HEADER, SessionToken.HEADER);

    private static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        String c = contentType.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        return c.equals("application/json") || c.equals("application/json;charset=utf-8");
    }

    private void serve(HttpServletRequest request, HttpServletResponse response, Caller caller, String ns, String id) throws IOException {
        boolean put = "PUT".equals(request.getMethod());
        Timer.Context total = (put ? putTotal : getTotal).time();
        TraceFilter.begin(request.getHeader(Traceparent.HEADER));
        SessionFilter.begin();
        try {
            int status = 200;
            Object answer;
            int retryAfter = 0;
            boolean unreadBody = false;
            try {
                answer = put ? put(caller, ns, id, request) : get(caller, ns, id, request);
            } catch (EofException e) { // the client went away part-way through its body: as Dropwizard's EarlyEofExceptionMapper
                response.setStatus(400);
                response.setHeader("Connection", "close");
                return;
            } catch (RuntimeException | JsonProcessingException e) {
                DirectPath.Failure error = DirectPath.failure(e); // nothing of ours: as Jersey, Dropwizard's own 500
                status = error.status();
                answer = error.body();
                retryAfter = error.retryAfterSeconds();
                unreadBody = e instanceof JsonProcessingException; // the parser stopped part-way (UnreadBodyFilter)
            }
            DirectPath.answer(response, writer, status, answer, retryAfter, unreadBody);
        } finally {
            SessionFilter.begin(); // forgets whatever an error left
            TraceFilter.end();
            total.stop();
        }
    }

    /**
     * The body as a {@code PUT}'s items, as Jersey's Jackson provider reads it (a body of nothing or whitespace is none),
     * then read to its end, which its known and bounded length allows ({@link #plainCall}); a body that is not JSON is
     * left where the parser stopped and the connection closed after the answer.
     */
    private PutItemsRequest items(HttpServletRequest request) throws IOException {
        InputStream in = request.getInputStream();
        try (JsonParser parser = putBody.createParser(in)) {
            PutItemsRequest items = parser.nextToken() == null ? null : putBody.readValue(parser);
            in.transferTo(OutputStream.nullOutputStream());
            return items;
        }
    }

    /** As Jersey meters the resource method: its timer from the start of the body's read, its error meter on any failure. */
    private Object put(Caller caller, String ns, String id, HttpServletRequest request) throws IOException {
        try (Timer.Context ignored = putTimer.time()) {
            return records.put(caller, ns, id, request.getHeader(RecordsResource.TOKEN_HEADER), request.getHeader(CallDeadline.HEADER),
                    items(request));
        } catch (RuntimeException | IOException e) {
            putErrors.mark();
            throw e;
        }
    }

    private Object get(Caller caller, String ns, String id, HttpServletRequest request) {
        try (Timer.Context ignored = getTimer.time()) {
            return records.get(caller, ns, id, List.of(), null, null, null, null, request.getHeader(CallDeadline.HEADER),
                    request.getHeader(SessionToken.HEADER));
        } catch (RuntimeException e) {
            getErrors.mark();
            throw e;
        }
    }
}
