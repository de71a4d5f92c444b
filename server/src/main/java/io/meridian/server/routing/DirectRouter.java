package io.meridian.server.routing;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.dropwizard.auth.Authenticator;
import io.dropwizard.auth.basic.BasicCredentials;
import io.meridian.core.Traceparent;
import io.meridian.server.api.DirectPath;
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
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.List;

/**
 * The router's two calls that arrive all the time, served without Jersey's per-request pipeline: {@code GET
 * /v1/router/health}, which every other region's observer sends every second (and each sibling instance), and {@code GET
 * /v1/router/plan}, which every client polls every second. At idle they were half of a server's request-thread samples
 * (docs/benchmarks.md). The answer is {@link RouterResource}'s own, written with the same JSON mapper and error mapping;
 * only the plain form is taken ({@link DirectPath}: no query string or body, {@code Accept} plainly JSON, no header it
 * reads twice, credentials that authenticate), every other request goes to Jersey unchanged. {@code DirectRecordsIT}
 * compares both paths' answers.
 */
final class DirectRouter implements Filter {

    static final String HEALTH = "/v1/router/health";
    static final String PLAN = "/v1/router/plan";
    static final String SERVED_HEALTH = "meridian.api.direct-router.health";
    static final String SERVED_PLAN = "meridian.api.direct-router.plan";
    private static final List<String> READ_HEADERS = List.of("Authorization", "Accept", Traceparent.HEADER);

    private final RouterResource resource;
    private final Authenticator<BasicCredentials, Caller> authenticator;
    private final ObjectWriter writer;
    private final Meter servedHealth;
    private final Meter servedPlan;

    DirectRouter(RouterResource resource, Authenticator<BasicCredentials, Caller> authenticator, ObjectMapper mapper,
            MetricRegistry metrics) {
        this.resource = resource;
        this.authenticator = authenticator;
        this.writer = mapper.writer();
        // meters of their own: observers and clients send these all the time, so a test that counts the records' direct
        // calls must not see them
        this.servedHealth = metrics.meter(SERVED_HEALTH);
        this.servedPlan = metrics.meter(SERVED_PLAN);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        boolean health = DirectPath.pathIs(request, HEALTH);
        Caller caller = (health || DirectPath.pathIs(request, PLAN)) && DirectPath.plainGet(request)
                && DirectPath.singleValued(request, READ_HEADERS)
                ? DirectPath.authenticated(authenticator, request.getHeader("Authorization")) : null;
        if (caller == null) {
            chain.doFilter(req, res);
            return;
        }
        (health ? servedHealth : servedPlan).mark();
        HttpServletResponse response = (HttpServletResponse) res;
        TraceFilter.begin(request.getHeader(Traceparent.HEADER));
        SessionFilter.begin();
        try {
            int status = 200;
            Object answer;
            int retryAfter = 0;
            try {
                if (health) {
                    Response r = resource.health(caller);
                    status = r.getStatus();
                    answer = r.getEntity();
                    r.getStringHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
                } else {
                    answer = resource.plan(caller);
                }
            } catch (RuntimeException e) {
                DirectPath.Failure failure = DirectPath.failure(e);
                status = failure.status();
                answer = failure.body();
                retryAfter = failure.retryAfterSeconds();
            }
            DirectPath.answer(response, writer, status, answer, retryAfter, false);
        } finally {
            SessionFilter.begin(); // forgets whatever an error left
            TraceFilter.end();
        }
    }
}
