package io.meridian.server.routing.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meridian.core.wire.PlanAccept;
import io.meridian.core.wire.PlanAccepted;
import io.meridian.core.wire.PlanPrepare;
import io.meridian.core.wire.PlanPromise;
import io.meridian.core.wire.RoutingPlan;
import io.meridian.router.PlanAcceptor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Another region's acceptor, over HTTP ({@code /v1/router/agreement/*}, as a peer). Tries the region's server
 * instances in order until one answers; throws when none does (the agreement counts it as not answering).
 * Thread-safe.
 */
public final class HttpAcceptor implements PlanAcceptor {

    private static final Duration TIMEOUT = Duration.ofSeconds(6);
    private final List<String> urls;
    private final String authorization;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public HttpAcceptor(List<String> urls, String authorization, HttpClient http) {
        this.urls = List.copyOf(urls);
        this.authorization = authorization;
        this.http = http;
    }

    private byte[] call(String method, String path, Object body) {
        IOException last = null;
        for (String url : urls) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/v1/router/agreement/" + path)).timeout(TIMEOUT)
                        .header("Authorization", authorization).header("Accept", "application/json");
                if (body == null) {
                    b.method(method, HttpRequest.BodyPublishers.noBody());
                } else {
                    b.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
                }
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200 || r.statusCode() == 204) {
                    return r.body();
                }
                last = new IOException(url + " answered " + r.statusCode());
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("no server of the region answered: " + last, last);
    }

    @Override
    public PlanPromise prepare(long version, long ballot) {
        try {
            return json.readValue(call("POST", "prepare", new PlanPrepare(version, ballot)), PlanPromise.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean accept(long version, long ballot, RoutingPlan value) {
        try {
            return json.readValue(call("POST", "accept", new PlanAccept(version, ballot, value)), PlanAccepted.class).accepted();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void learn(RoutingPlan plan) {
        call("POST", "learn", plan);
    }

    @Override
    public RoutingPlan latestChosen() {
        byte[] body = call("GET", "chosen", null);
        try {
            return body.length == 0 ? null : json.readValue(body, RoutingPlan.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For logs. */
    @Override
    public String toString() {
        return "HttpAcceptor" + urls + Map.of();
    }
}
