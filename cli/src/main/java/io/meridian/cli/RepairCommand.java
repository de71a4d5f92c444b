package io.meridian.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meridian.localcluster.LocalCluster;
import io.meridian.localcluster.RegionEndpoints;
import io.meridian.store.Repairer;
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

/**
 * {@code meridian repair}: installs each differing cell's last-writer-wins winner with its original
 * timestamp where it is missing (propagating newer deletes); exit 0 when every differing range is
 * identical afterwards, else 1.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = "Descend into the token ranges where regions differ and re-apply the winning cells with their"
                + " original timestamps (a newer delete in one region is propagated). Safe while traffic runs.")
final class RepairCommand implements Callable<Integer> {

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

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        namespaces.forEach(LocalCommandValidation::namespace);
        VerifyCommand.checkRanges(ranges);
        String ks = keyspace.value();
        LocalCluster cluster = LocalCommand.backend().attach(dir.path());
        // the marks as they are before the copy starts: a repair clears only what it covered
        io.meridian.client.OperatorClient operator = LocalCommand.operatorClient(cluster, java.time.Duration.ofSeconds(30));
        java.util.Map<io.meridian.localcluster.RegionEndpoints, java.util.Optional<RepairMarks.Seen>> marks = new java.util.LinkedHashMap<>();
        for (io.meridian.localcluster.RegionEndpoints r : DataCommands.regions(cluster)) {
            try {
                marks.put(r, RepairMarks.read(operator.at(r.serverUrl())));
            } catch (Exception e) {
                if (!json) {
                    out.println(r.region() + ": repair mark not read, it will not be cleared (" + e.getMessage() + ")");
                }
            }
        }
        Repairer.Result result;
        try (Repairer repairer = new Repairer(VerifyCommand.stores(cluster), ks)) {
            result = repairer.repair(namespaces, ranges, line -> {
                if (!json) {
                    out.println(line);
                    out.flush();
                }
            });
        }
        java.util.Map<String, String> left = new java.util.TreeMap<>();
        if (result.converged() && namespaces.isEmpty()) {
            marks.forEach((r, mark) -> mark.flatMap(seen -> RepairMarks.clear(operator.at(r.serverUrl()), seen, "meridian repair converged"))
                    .ifPresent(why -> left.put(r.region().name(), why)));
        }
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = m.createObjectNode();
            root.put("converged", result.converged());
            root.put("rangesChecked", result.rangesChecked());
            root.put("rangesDiffering", result.rangesDiffering());
            root.put("cellsInstalled", result.cellsInstalled());
            root.put("deletesPropagated", result.deletesPropagated());
            root.put("rangesStillDiffering", result.rangesStillDiffering());
            ArrayNode list = root.putArray("namespaces");
            result.namespaces().forEach(n -> list.add(m.valueToTree(n)));
            root.set("repairMarksLeft", m.valueToTree(left));
            out.println(m.writeValueAsString(root));
        } else {
            out.printf(Locale.ROOT, "%s: %d ranges checked, %d differed, %d cell(s) installed, %d delete(s) propagated,"
                    + " %d range(s) still differ%n", result.converged() ? "repaired" : "NOT converged",
                    result.rangesChecked(), result.rangesDiffering(), result.cellsInstalled(), result.deletesPropagated(),
                    result.rangesStillDiffering());
            left.forEach((region, why) -> out.println(region + ": repair mark not cleared: " + why));
        }
        out.flush();
        return result.converged() ? Meridian.OK : Meridian.CHECK_FAILED;
    }
}
