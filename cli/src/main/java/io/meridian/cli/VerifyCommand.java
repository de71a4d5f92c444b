package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.store.StoreEndpoint;
import io.meridian.store.Verifier;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meridian verify}: exit 0 iff every region holds identical data (digests per token range), else 1. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare all regions by digests per token range (id, key, value, write time); exit 0 iff identical.")
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    LocalCommand.DirOption dir;
    @Mixin
    KeyspaceOption keyspace;
    @Option(names = "--namespace", paramLabel = "NS", description = "Only this namespace (repeatable). Default: all.")
    List<String> namespaces = new ArrayList<>();
    @Option(names = "--ranges", defaultValue = "64", description = "Token-range slices per namespace. Default: ${DEFAULT-VALUE}")
    int ranges;
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    static List<StoreEndpoint> stores(LocalCluster cluster) {
        return cluster.regions().stream().map(io.meridian.localcluster.RegionEndpoints::store).toList();
    }

    static void checkRanges(int ranges) {
        if (ranges < 1 || ranges > 65_536) {
            throw new IllegalArgumentException("--ranges must be within 1..65536");
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        namespaces.forEach(LocalCommandValidation::namespace);
        checkRanges(ranges);
        String ks = keyspace.value();
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        Verifier.Result result;
        try (Verifier verifier = new Verifier(stores(cluster), ks)) {
            result = verifier.verify(namespaces, ranges, line -> {
                if (!json) {
                    out.println(line);
                    out.flush();
                }
            });
        }
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = m.createObjectNode();
            root.put("identical", result.identical());
            root.put("rangesChecked", result.rangesChecked());
            root.put("rowsRead", result.rowsRead());
            ArrayNode diffs = root.putArray("differences");
            for (Verifier.Difference d : result.differences()) {
                ObjectNode n = diffs.addObject();
                n.put("namespace", d.namespace());
                n.put("fromExclusive", d.fromExclusive());
                n.put("toInclusive", d.toInclusive());
                ObjectNode regions = n.putObject("regions");
                d.byRegion().forEach((r, dg) -> regions.putObject(r.name()).put("rows", dg.rows()).put("sha256", dg.sha256()));
            }
            out.println(m.writeValueAsString(root));
        } else {
            for (Verifier.Difference d : result.differences()) {
                StringBuilder b = new StringBuilder();
                d.byRegion().forEach((r, dg) -> b.append("  ").append(r).append(": ").append(dg.rows()).append(" rows ")
                        .append(dg.sha256(), 0, Math.min(12, dg.sha256().length())));
                out.printf(Locale.ROOT, "DIFFERS %s (%d, %d]%s%n", d.namespace(), d.fromExclusive(), d.toInclusive(), b);
            }
            out.printf(Locale.ROOT, "%s: %d namespace(s), %d ranges, %d rows read, %d range(s) differ%n",
                    result.identical() ? "identical" : "NOT identical", result.namespaces().size(), result.rangesChecked(),
                    result.rowsRead(), result.differences().size());
        }
        out.flush();
        return result.identical() ? Meridian.OK : Meridian.CHECK_FAILED;
    }
}
