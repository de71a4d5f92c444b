package io.meridian.server.api;

import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every metric of the server (Dropwizard's registry: ours, Jetty's, the JVM's) in Prometheus' text format on the admin
 * port at {@value #PATH}, next to Dropwizard's JSON at {@code /metrics}: Prometheus' own Dropwizard bridge, read at each
 * scrape (nothing is copied in between). Names follow the bridge: every character but letters, digits, {@code _} and
 * {@code :} becomes {@code _}. Two Dropwizard names that become one Prometheus name would fail the whole scrape (Jersey's
 * {@code …namespaces-create} and {@code …namespaces-create.total} do: Prometheus does not count a {@code _total}
 * suffix), so the shortest of them is exported and the others are left out (logged once; their JSON at
 * {@code /metrics} stays).
 */
public final class PrometheusMetrics {

    public static final String PATH = "/metrics/prometheus";
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetrics.class);

    private PrometheusMetrics() { }

    public static void register(Environment env) {
        PrometheusRegistry registry = new PrometheusRegistry();
        DropwizardExports.builder().dropwizardRegistry(env.metrics()).metricFilter(new OnePerName(env.metrics())).register(registry);
        env.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping(PATH);
    }

    /**
     * Lets one Dropwizard name through per Prometheus name: of those that collide, the shortest (then the first in
     * order), the same whatever order a scrape asks in, so Jersey's timer wins over its {@code .total}.
     */
    static final class OnePerName implements MetricFilter {
        private final MetricRegistry registry;
        private final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private volatile Map<String, String> owners = Map.of(); // Prometheus name -> the Dropwizard name exported
        private volatile java.util.Set<String> known = java.util.Set.of(); // every Dropwizard name of the last look
        private volatile int counted = -1;

        OnePerName(MetricRegistry registry) {
            this.registry = registry;
        }

        /** The name the bridge gives it, as its registry compares names (a {@code _total} suffix does not count). */
        static String prometheusName(String dropwizardName) {
            return PrometheusNaming.prometheusName(PrometheusNaming.sanitizeMetricName(dropwizardName));
        }

        @Override
        public boolean matches(String name, Metric metric) {
            if (registry.getMetrics().size() != counted || !known.contains(name)) {
                look(); // metrics added or removed since (one removed, another added: a name not seen yet)
            }
            return name.equals(owners.get(prometheusName(name)));
        }

        /** One pass over a snapshot of the names (sorted): per Prometheus name the shortest, then the first. */
        private synchronized void look() {
            java.util.Set<String> names = registry.getNames();
            Map<String, String> next = new HashMap<>();
            for (String name : names) {
                next.merge(prometheusName(name), name, (a, b) -> b.length() < a.length() ? b : a);
            }
            for (String name : names) {
                String owner = next.get(prometheusName(name));
                if (!owner.equals(name) && warned.add(name)) {
                    LOG.warn("metric {} is not exported to Prometheus: its name there is {}'s too", name, owner);
                }
            }
            owners = next;
            known = names;
            counted = names.size();
        }
    }
}
