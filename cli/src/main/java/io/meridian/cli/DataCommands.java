package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.client.Item;
import io.meridian.client.MeridianClient;
import io.meridian.client.NamespaceSettings;
import io.meridian.client.Record;
import io.meridian.client.WriteResult;
import io.meridian.core.Bytes;
import io.meridian.core.RegionId;
import io.meridian.localcluster.Component;
import io.meridian.localcluster.EngineStatus;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.LocalClusterException;
import io.meridian.localcluster.RegionEndpoints;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meridian namespace|put|get|delete}: the data API through the client library, against the local cluster. */
final class DataCommands {

    private DataCommands() { }

    /** The regions of a cluster that runs Meridian servers; NO_CLUSTER (exit 3) when it runs none. */
    static List<RegionEndpoints> regions(LocalCluster cluster) {
        List<RegionEndpoints> regions = cluster.regions();
        if (regions.stream().noneMatch(RegionEndpoints::hasServer)) {
            throw new LocalClusterException(LocalClusterException.Kind.NO_CLUSTER,
                    "the cluster in " + cluster.directory() + " runs no Meridian servers (it was started with --no-servers)");
        }
        return regions;
    }

    /** {@link #regions(LocalCluster)} of the cluster in {@code dir}. */
    static List<RegionEndpoints> regions(LocalCommand.DirOption dir) {
        return regions(LocalCommand.backend().attach(dir.path()));
    }

    /** A client whose home is {@code region}; with {@code failover}, the other regions are fall-backs. */
    static MeridianClient client(List<RegionEndpoints> regions, RegionId home, boolean failover) {
        return client(regions, home, failover, b -> { });
    }

    static MeridianClient client(List<RegionEndpoints> regions, RegionId home, boolean failover,
            java.util.function.Consumer<MeridianClient.Builder> more) {
        MeridianClient.Builder b = MeridianClient.builder().homeRegion(home).requestTimeout(Duration.ofSeconds(30))
                .maxAttempts(failover ? Math.max(2, regions.size()) : 2);
        more.accept(b);
        boolean found = false;
        for (RegionEndpoints r : regions) {
            if (r.region().equals(home)) {
                found = true;
            }
            if (r.hasServer() && (failover || r.region().equals(home))) {
                b.endpoint(r.region(), URI.create(r.serverUrl()));
            }
        }
        if (!found) {
            throw LocalClusterException.badInput("unknown region '" + home + "': this cluster has "
                    + regions.stream().map(r -> r.region().name()).toList());
        }
        return b.build();
    }

    static void printWrite(PrintWriter out, WriteResult w) {
        out.printf(Locale.ROOT, "ok: written in %s at timestamp %d (token %s)%n", w.region(), w.timestamp(), w.token());
        out.flush();
    }

    @Command(name = "namespace", mixinStandardHelpOptions = true, description = "Create, describe and list namespaces.",
            subcommands = {Namespace.Create.class, Namespace.Describe.class, Namespace.ListAll.class})
    static final class Namespace implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }

        /** The first region whose server answers (namespace admin fans out from there). */
        static MeridianClient anyRegion(LocalCommand.DirOption dir) {
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            List<RegionEndpoints> regions = regions(cluster);
            RegionId up = !cluster.managed() ? regions.get(0).region() // a deployment we do not run: try them in order
                    : regions.stream().filter(r -> cluster.status(r.region(), Component.SERVER) == EngineStatus.UP)
                    .map(RegionEndpoints::region).findFirst()
                    .orElseThrow(() -> new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                            "no Meridian server is up in " + dir.path() + " (`meridian local status`)", null, null));
            io.meridian.core.BasicCredentials operator = LocalCommand.operator(cluster);
            return client(regions, up, true, b -> b.operator(operator.user(), operator.secret()));
        }

        @Command(name = "create", mixinStandardHelpOptions = true,
                description = "Create namespace NS in every region (idempotent).")
        static final class Create implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @Mixin
            LocalCommand.DirOption dir;
            @Parameters(paramLabel = "NS", description = "Namespace name: [a-z][a-z0-9_]{0,47}")
            String name;
            @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "0", description = "Default item TTL (0: none).")
            int ttl;
            @Option(names = "--no-cache", description = "Do not cache this namespace's records.")
            boolean noCache;
            @Option(names = "--cache-ttl", paramLabel = "SECONDS", defaultValue = "" + io.meridian.core.wire.NamespaceJson.DEFAULT_CACHE_TTL_SECONDS, description = "Cache TTL. Default: ${DEFAULT-VALUE}")
            int cacheTtl;

            @Override
            public Integer call() {
                NamespaceSettings settings = new NamespaceSettings(name, ttl, !noCache, cacheTtl);
                NamespaceSettings s = anyRegion(dir).createNamespace(settings);
                spec.commandLine().getOut().printf(Locale.ROOT, "namespace %s ready in every region (ttl %d s, cache %s)%n",
                        s.name(), s.defaultTtlSeconds(), s.cacheEnabled() ? "on, " + s.cacheTtlSeconds() + " s" : "off");
                return Meridian.OK;
            }
        }

        @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a namespace's settings.")
        static final class Describe implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @Mixin
            LocalCommand.DirOption dir;
            @Parameters(paramLabel = "NS")
            String name;

            @Override
            public Integer call() {
                NamespaceSettings s = anyRegion(dir).describeNamespace(LocalCommandValidation.namespace(name));
                spec.commandLine().getOut().println(s);
                return Meridian.OK;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List namespaces.")
        static final class ListAll implements Callable<Integer> {
            @Spec
            CommandSpec spec;
            @Mixin
            LocalCommand.DirOption dir;

            @Override
            public Integer call() {
                anyRegion(dir).listNamespaces().forEach(s -> spec.commandLine().getOut().println(s.name()));
                return Meridian.OK;
            }
        }
    }

    /** {@code REGION NS ID} and {@code --dir}: the record a data command acts on, and a client for its region. */
    static final class RecordTarget {
        @Mixin
        LocalCommand.DirOption dir;
        @Parameters(index = "0", paramLabel = "REGION")
        String region;
        @Parameters(index = "1", paramLabel = "NS")
        String namespace;
        @Parameters(index = "2", paramLabel = "ID")
        String id;

        String namespace() {
            return LocalCommandValidation.namespace(namespace);
        }

        /** A client homed in REGION, acting as the operator (who has read/write access in an embedded cluster). */
        MeridianClient client() {
            LocalCluster cluster = LocalCommand.backend().attach(dir.path());
            io.meridian.core.BasicCredentials operator = LocalCommand.operator(cluster);
            return DataCommands.client(regions(cluster), LocalCommand.region(region), false,
                    b -> b.credentials(operator.user(), operator.secret()));
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Set items of a record in REGION: meridian put region-a demo user1 name=Ada city=London")
    static final class Put implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RecordTarget target;
        @Parameters(index = "3..*", arity = "1..*", paramLabel = "KEY=VALUE", description = "Items, UTF-8 text.")
        List<String> items;

        @Override
        public Integer call() {
            Map<Bytes, Bytes> map = new LinkedHashMap<>();
            for (String kv : items) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw LocalClusterException.badInput("item '" + kv + "' is not KEY=VALUE");
                }
                map.put(Bytes.utf8(kv.substring(0, eq)), Bytes.utf8(kv.substring(eq + 1)));
            }
            printWrite(spec.commandLine().getOut(), target.client().put(target.namespace(), target.id, map));
            return Meridian.OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Read a record in REGION (exit 1 if it has no items).")
    static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RecordTarget target;
        @Option(names = "--json", description = "Print JSON (keys and values base64 and, where UTF-8, as text).")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Record rec = target.client().get(target.namespace(), target.id);
            if (json) {
                ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode root = m.createObjectNode();
                root.put("region", target.region);
                root.put("namespace", rec.namespace());
                root.put("id", rec.id());
                ArrayNode arr = root.putArray("items");
                for (Item i : rec.items()) {
                    ObjectNode n = arr.addObject();
                    n.put("key", i.key().toUtf8());
                    n.put("value", i.value().toUtf8());
                    n.put("keyBase64", i.key().toBase64());
                    n.put("valueBase64", i.value().toBase64());
                    n.put("timestamp", i.timestamp());
                }
                out.println(m.writeValueAsString(root));
            } else {
                out.printf(Locale.ROOT, "%s/%s in %s:%n", rec.namespace(), rec.id(), target.region);
                for (Item i : rec.items()) {
                    out.printf(Locale.ROOT, "  %s = %s   (timestamp %d)%n", i.key().toUtf8(), i.value().toUtf8(), i.timestamp());
                }
            }
            out.flush();
            return Meridian.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete items of a record in REGION, or the whole record when no KEY is given.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        RecordTarget target;
        @Parameters(index = "3..*", arity = "0..*", paramLabel = "KEY")
        List<String> keys = new ArrayList<>();

        @Override
        public Integer call() {
            MeridianClient c = target.client();
            WriteResult w = keys.isEmpty() ? c.deleteRecord(target.namespace(), target.id)
                    : c.deleteItems(target.namespace(), target.id, keys.stream().map(Bytes::utf8).toList());
            printWrite(spec.commandLine().getOut(), w);
            return Meridian.OK;
        }
    }
}
