package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.meridian.localcluster.internal.DockerBackend;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The container deployment is consistent without a Docker engine to run it: docker-compose.yml has
 * Cassandra, Kafka and two servers per region on the images the Testcontainers backend uses; every
 * server's configuration (deploy/meridian-server.yml with that server's environment) parses,
 * validates and points at services and ports that exist; the image and the CLI's cluster file agree.
 */
class DeploymentFilesTest {

    private static final Path HOME = Path.of(System.getProperty("meridian.home", "..")).toAbsolutePath().normalize();
    private static final List<String> REGIONS = List.of("region-a", "region-b", "region-c");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws Exception {
        try (Reader r = Files.newBufferedReader(HOME.resolve("docker-compose.yml"))) {
            return new Yaml().load(r); // SnakeYAML resolves the x-meridian-server merge key
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() throws Exception {
        return (Map<String, Map<String, Object>>) compose().get("services");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        Object e = service.get("environment");
        if (e instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        }
        return out;
    }

    private static String letter(String region) {
        return region.substring("region-".length());
    }

    /** The servers of a region, by service name. */
    private static Map<String, Map<String, Object>> serversOf(Map<String, Map<String, Object>> services, String region) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        services.forEach((name, s) -> {
            if (region.equals(env(s).get("MERIDIAN_REGION"))) {
                out.put(name, s);
            }
        });
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyRegionHasCassandraKafkaAndTwoServersOnTheTestcontainersImages() throws Exception {
        Map<String, Object> compose = compose();
        Map<String, Map<String, Object>> services = services();
        Map<String, Object> volumes = (Map<String, Object>) compose.get("volumes");
        Set<String> hostPorts = new HashSet<>();
        for (int slot = 0; slot < REGIONS.size(); slot++) {
            String region = REGIONS.get(slot);
            String x = letter(region);
            Map<String, Object> cassandra = services.get("cassandra-" + x);
            Map<String, Object> kafka = services.get("kafka-" + x);
            assertThat(cassandra).as("cassandra-" + x).isNotNull();
            assertThat(kafka).as("kafka-" + x).isNotNull();
            assertThat(cassandra.get("image")).isEqualTo(DockerBackend.CASSANDRA_IMAGE);
            assertThat(kafka.get("image")).isEqualTo(DockerBackend.KAFKA_IMAGE);
            assertThat(env(cassandra)).containsEntry("CASSANDRA_DC", region);
            assertThat(env(kafka).get("KAFKA_ADVERTISED_LISTENERS")).isEqualTo("PLAINTEXT://kafka-" + x + ":9092");
            assertThat(env(kafka).get("KAFKA_AUTO_CREATE_TOPICS_ENABLE")).isEqualTo("false");
            assertThat(env(kafka).get("CLUSTER_ID")).matches("[A-Za-z0-9_-]{22}");
            for (Map<String, Object> engine : List.of(cassandra, kafka)) {
                assertThat(engine).containsKey("healthcheck");
                String volume = ((List<String>) engine.get("volumes")).get(0).split(":")[0];
                assertThat(volumes).as("named volume " + volume).containsKey(volume);
            }
            Map<String, Map<String, Object>> servers = serversOf(services, region);
            assertThat(servers).as(region + " servers").hasSize(2);
            for (Map.Entry<String, Map<String, Object>> s : servers.entrySet()) {
                Map<String, String> e = env(s.getValue());
                assertThat(e).containsEntry("MERIDIAN_REGION_SLOT", Integer.toString(slot))
                        .containsEntry("MERIDIAN_CASSANDRA", "cassandra-" + x + ":9042")
                        .containsEntry("MERIDIAN_KAFKA", "kafka-" + x + ":9092");
                Map<String, Map<String, String>> dependsOn = (Map<String, Map<String, String>>) s.getValue().get("depends_on");
                assertThat(dependsOn.get("cassandra-" + x)).containsEntry("condition", "service_healthy");
                assertThat(dependsOn.get("kafka-" + x)).containsEntry("condition", "service_healthy");
                assertThat((List<String>) s.getValue().get("volumes"))
                        .contains("./deploy/meridian-server.yml:/etc/meridian/server.yml:ro");
            }
        }
        services.forEach((name, s) -> {
            for (Object p : (List<Object>) s.getOrDefault("ports", List.of())) {
                String[] parts = String.valueOf(p).split(":");
                assertThat(parts[0]).as(name + " binds loopback only").isEqualTo("127.0.0.1");
                assertThat(hostPorts.add(parts[1])).as("host port " + parts[1] + " used twice").isTrue();
            }
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServersConfigurationValidatesAndPointsAtServicesThatExist() throws Exception {
        Map<String, Map<String, Object>> services = services();
        Properties example = new Properties();
        try (Reader r = Files.newBufferedReader(HOME.resolve("deploy/meridian.env.example"))) {
            example.load(r);
        }
        int checked = 0;
        for (String region : REGIONS) {
            for (Map.Entry<String, Map<String, Object>> s : serversOf(services, region).entrySet()) {
                Map<String, String> env = new HashMap<>();
                example.forEach((k, v) -> env.put(String.valueOf(k), String.valueOf(v)));
                env.putAll(env(s.getValue()));
                // the factory the server's bootstrap uses: it refuses unknown keys (a bare YamlConfigurationFactory
                // with Jackson's default mapper accepted a key Dropwizard 5 no longer has, which the server then refused)
                MeridianConfiguration c = new io.dropwizard.configuration.DefaultConfigurationFactoryFactory<MeridianConfiguration>()
                        .create(MeridianConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw")
                        .build(new SubstitutingSourceProvider(new FileConfigurationSourceProvider(),
                                MeridianServer.substitutor(env::get)), HOME.resolve("deploy/meridian-server.yml").toString());
                String where = s.getKey();
                assertThat(c.region).as(where).isEqualTo(region);
                assertThat(c.cassandra.localDatacenter).as(where).isEqualTo(region);
                assertThat(c.pageTokenSecret).as(where).isNotBlank();
                assertThat(c.cache.enabled).isTrue();
                assertThat(c.auth.principals.get("operator").roles).as(where + " operator")
                        .containsExactlyInAnyOrder(io.meridian.server.auth.Caller.Role.ADMIN, io.meridian.server.auth.Caller.Role.OPERATOR);
                assertThat(c.auth.principals.get("peer").roles).containsExactly(io.meridian.server.auth.Caller.Role.PEER);
                assertThat(c.auth.principals.values()).allSatisfy(p -> assertThat(p.secret).as("no plain secret").isNull());
                assertThat(c.auth.peer.user).isEqualTo("peer");
                // the example secrets are refused: an unedited deployment does not start
                assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                        io.meridian.server.auth.Principals.authenticator(c.auth))).hasMessageContaining("example");
                // credentials never in clear off loopback: the application connector is TLS
                io.meridian.server.auth.Principals.checkTransport(c.getServerFactory(), false);
                assertThat(c.auth.allowPlaintextOffLoopback).isFalse();
                hostPort(services, c.cassandra.contactPoints.get(0), "cassandra-", 9042, where);
                hostPort(services, c.kafka.bootstrapServers, "kafka-", 9092, where);
                assertThat(c.getServerFactory()).as(where + ": Jetty's job queue bounded")
                        .isInstanceOfSatisfying(BoundedServerFactory.class, f -> assertThat(f.getMaxQueuedRequests()).isEqualTo(1024));
                DefaultServerFactory server = (DefaultServerFactory) c.getServerFactory();
                int appPort = ((HttpConnectorFactory) server.getApplicationConnectors().get(0)).getPort();
                int adminPort = ((HttpConnectorFactory) server.getAdminConnectors().get(0)).getPort();
                List<String> containerPorts = new ArrayList<>();
                for (Object p : (List<Object>) s.getValue().get("ports")) {
                    String[] parts = String.valueOf(p).split(":");
                    containerPorts.add(parts[parts.length - 1]);
                }
                assertThat(containerPorts).as(where + " publishes the configured ports")
                        .containsExactly(Integer.toString(appPort), Integer.toString(adminPort));
                assertThat(c.replication.sources.keySet()).containsExactlyInAnyOrderElementsOf(REGIONS);
                c.replication.sources.forEach((r, bootstrap) ->
                        assertThat(hostPort(services, bootstrap, "kafka-", 9092, where)).isEqualTo("kafka-" + letter(r)));
                c.peers.forEach((r, urls) -> {
                    assertThat(urls).as(where + " every instance of " + r).hasSize(2);
                    for (String url : urls) {
                        assertThat(url).as(where + " peer " + r).startsWith("https://");
                        String host = url.replaceFirst("^https://", "").split(":")[0];
                        assertThat(services).as(where + " peer " + r).containsKey(host);
                        assertThat(env(services.get(host))).containsEntry("MERIDIAN_REGION", r);
                        assertThat(url).endsWith(":" + appPort);
                    }
                });
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }

    /** Checks {@code host:port} names a service of the given kind on the given port; returns the host. */
    private static String hostPort(Map<String, Map<String, Object>> services, String hostPort, String kind, int port,
            String where) {
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        assertThat(host).as(where + ": " + hostPort).startsWith(kind);
        assertThat(services).as(where + ": " + hostPort).containsKey(host);
        assertThat(hostPort).endsWith(":" + port);
        return host;
    }

    @Test
    void theCertificateScriptMakesAServerCertificateForEveryServerAndATruststore() throws Exception {
        Path out = Files.createTempDirectory("meridian-tls");
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("deploy/tls/make-certs.sh").toString(), out.toString())
                .redirectErrorStream(true);
        pb.environment().put("MERIDIAN_TLS_PASSWORD", "test-keystore-password");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isZero();
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(out.resolve("server.p12"))) {
            ks.load(in, "test-keystore-password".toCharArray());
        }
        var cert = (java.security.cert.X509Certificate) ks.getCertificate("server");
        List<String> names = new ArrayList<>();
        cert.getSubjectAlternativeNames().forEach(n -> names.add(String.valueOf(n.get(1))));
        Map<String, Map<String, Object>> services = services();
        for (String region : REGIONS) {
            assertThat(names).containsAll(serversOf(services, region).keySet());
        }
        assertThat(names).contains("localhost", "127.0.0.1");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("JKS");
        try (var in = Files.newInputStream(out.resolve("truststore.jks"))) {
            trust.load(in, null); // readable without a password, as the servers' JAVA_TOOL_OPTIONS need
        }
        assertThat(java.util.Collections.list(trust.aliases())).containsExactly("meridian-ca");
        cert.verify(trust.getCertificate("meridian-ca").getPublicKey());
    }

    @Test
    void theImageRunsTheServerAsNonRootWithAHealthCheck() throws Exception {
        String dockerfile = Files.readString(HOME.resolve("Dockerfile"));
        assertThat(dockerfile).contains("AS build", "FROM eclipse-temurin:17-jre", "USER meridian", "HEALTHCHECK",
                "http://127.0.0.1:8081/healthcheck", "io.meridian.server.MeridianServer",
                "CMD [\"server\", \"/etc/meridian/server.yml\"]", "COPY deploy/meridian-server.yml /etc/meridian/server.yml");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theClisClusterFileForComposeMatchesThePublishedPorts() throws Exception {
        Map<String, Map<String, Object>> services = services();
        JsonNode cluster = new ObjectMapper().readTree(HOME.resolve("deploy/compose/cluster.json").toFile());
        assertThat(cluster.path("regions")).hasSize(3);
        for (JsonNode r : cluster.path("regions")) {
            String x = letter(r.path("name").asText());
            assertThat(published(services.get("cassandra-" + x), 9042))
                    .isEqualTo(port(r.path("cassandra").path("contactPoint").asText()));
            List<Integer> urls = new ArrayList<>();
            for (JsonNode s : r.path("servers")) {
                urls.add(port(s.path("url").asText()));
            }
            List<Integer> published = new ArrayList<>();
            serversOf(services, r.path("name").asText()).values().forEach(s -> published.add(published(s, 8080)));
            assertThat(urls).containsExactlyElementsOf(published);
            assertThat(port(r.path("server").path("url").asText())).isEqualTo(urls.get(0));
        }
    }

    private static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1).replaceAll("/.*", ""));
    }

    @SuppressWarnings("unchecked")
    private static int published(Map<String, Object> service, int containerPort) {
        for (Object p : (List<Object>) service.get("ports")) {
            String[] parts = String.valueOf(p).split(":");
            if (parts[parts.length - 1].equals(Integer.toString(containerPort))) {
                return Integer.parseInt(parts[parts.length - 2]);
            }
        }
        throw new AssertionError("port " + containerPort + " not published");
    }
}
