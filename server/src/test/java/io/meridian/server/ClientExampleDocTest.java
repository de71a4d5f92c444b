package io.meridian.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/client.md shows exactly the example that {@link ClientExampleIT} compiles and runs. */
class ClientExampleDocTest {

    static List<String> between(List<String> lines, String start, String end) {
        int from = -1;
        int to = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(start)) {
                from = i + 1;
            } else if (lines.get(i).contains(end) && from >= 0) {
                to = i;
                break;
            }
        }
        assertThat(from).as("marker " + start).isNotNegative();
        assertThat(to).as("marker " + end).isGreaterThan(from);
        return lines.subList(from, to).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void theDocumentShowsTheTestedExample() throws Exception {
        Path home = Path.of(System.getProperty("meridian.home", ".."));
        List<String> code = between(Files.readAllLines(home.resolve(
                "server/src/test/java/io/meridian/server/ClientExampleIT.java")), "// example:start", "// example:end");
        List<String> doc = between(Files.readAllLines(home.resolve("docs/client.md")), "<!-- example:start -->",
                "<!-- example:end -->");
        assertThat(doc).filteredOn(l -> !l.startsWith("```")).containsExactlyElementsOf(code);
    }
}
