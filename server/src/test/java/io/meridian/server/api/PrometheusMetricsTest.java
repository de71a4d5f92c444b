package io.meridian.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

/** Dropwizard names that become one Prometheus name: the shortest is exported at every scrape, whatever the order. */
class PrometheusMetricsTest {

    @Test
    void ofCollidingNamesTheShortestIsExportedWhateverOrderAScrapeAsksIn() {
        MetricRegistry registry = new MetricRegistry();
        registry.timer("io.x.Resource.get.total");
        registry.timer("io.x.Resource.get");
        registry.counter("a.b-c");
        registry.counter("a.b.c");
        PrometheusMetrics.OnePerName filter = new PrometheusMetrics.OnePerName(registry);
        Counter any = new Counter();
        for (int scrape = 0; scrape < 2; scrape++) {
            assertThat(filter.matches("io.x.Resource.get.total", any)).as("Jersey's .total collides with its timer").isFalse();
            assertThat(filter.matches("io.x.Resource.get", any)).isTrue();
            assertThat(filter.matches("a.b.c", any)).isFalse();
            assertThat(filter.matches("a.b-c", any)).as("same length: the first in order").isTrue();
        }
        registry.counter("later.one");
        assertThat(filter.matches("later.one", any)).as("a metric registered after a scrape").isTrue();
        registry.remove("later.one");
        registry.counter("swapped.in"); // the same count of metrics as before
        assertThat(filter.matches("swapped.in", any)).as("one removed, another added").isTrue();
        assertThat(PrometheusMetrics.OnePerName.prometheusName("io.x.Y.put-items")).isEqualTo("io_x_Y_put_items");
    }

    @Test
    void aTimerAndAGaugeReadAsTheDocsSay() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        registry.timer("meridian.writes.append").update(java.time.Duration.ofMillis(3));
        registry.gauge("meridian.writes.in-flight", () -> () -> 0);
        io.prometheus.metrics.model.registry.PrometheusRegistry prometheus = new io.prometheus.metrics.model.registry.PrometheusRegistry();
        io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports.builder().dropwizardRegistry(registry)
                .metricFilter(new PrometheusMetrics.OnePerName(registry)).register(prometheus);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, prometheus.scrape());
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("meridian_writes_in_flight 0.0").contains("meridian_writes_append_count 1");
    }
}
