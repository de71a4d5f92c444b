package io.meridian.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The data API's first in-flight bound: past it, 503 with Retry-After at once, and the chain never runs. */
class AdmissionFilterTest {

    /** What a fake response was told. */
    static final class Answer {
        final Map<String, Object> set = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        HttpServletResponse response() {
            ServletOutputStream out = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener l) {
                }
            };
            return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServletResponse.class},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "getOutputStream":
                                return out;
                            case "setStatus", "setContentType", "setContentLength":
                                set.put(method.getName(), args[0]);
                                return null;
                            case "setHeader":
                                set.put((String) args[0], args[1]);
                                return null;
                            default:
                                return null;
                        }
                    });
        }
    }

    private static ServletRequest request() {
        return (HttpServletRequest) Proxy.newProxyInstance(AdmissionFilterTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> null);
    }

    @Test
    void pastTheBoundARequestIsRefusedAtOnceAndAFinishedOneFreesItsPlace() throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        AdmissionFilter filter = new AdmissionFilter(1, metrics);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            try {
                filter.doFilter(request(), new Answer().response(), (rq, rs) -> {
                    inside.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();

        Answer refused = new Answer();
        boolean[] ran = {false};
        filter.doFilter(request(), refused.response(), (rq, rs) -> ran[0] = true);
        assertThat(ran[0]).as("the chain (Jersey) never sees a refused request").isFalse();
        assertThat(refused.set).containsEntry("setStatus", 503).containsEntry("Retry-After", "1");
        assertThat(refused.body.toString(StandardCharsets.UTF_8)).contains("\"code\":503").contains("1 data requests in flight")
                .contains("\"reason\":\"not-written\"");
        assertThat(metrics.counter("meridian.requests.overloaded").getCount()).isEqualTo(1);

        release.countDown();
        first.get(60, TimeUnit.SECONDS);
        Answer admitted = new Answer();
        filter.doFilter(request(), admitted.response(), (rq, rs) -> ran[0] = true);
        assertThat(ran[0]).isTrue();
        assertThat(admitted.set).doesNotContainKey("setStatus");
    }
}
