package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to the router's operator commands is refused with exit 2 before anything is sent. */
class RouterCommandsTest {

    @TempDir
    Path dir;

    @Test
    void stepsThatDoNotIncreaseToOneHundredAreBadInput() {
        CliRun run = CliRun.of("evacuate", "region-a", "--steps", "50,40,100", "--reason", "x", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --steps must increase within 1..100 and end at 100; got [50, 40, 100]");
        CliRun notToHundred = CliRun.of("restore", "region-a", "--steps", "25,50", "--dir", dir.toString());
        assertThat(notToHundred.exitCode()).isEqualTo(2);
        assertThat(notToHundred.reason()).isEqualTo("meridian: --steps must end at 100; got [25, 50]");
    }

    @Test
    void aBakeThatIsNotADurationIsBadInput() {
        CliRun run = CliRun.of("evacuate", "region-a", "--bake", "soon", "--reason", "x", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --bake 'soon' is not a duration like 10s or 2m");
    }

    @Test
    void anEvacuationWithoutAReasonIsAUsageError() {
        CliRun run = CliRun.of("evacuate", "region-a", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--reason");
    }

    @Test
    void withoutAClusterTheCommandIsUnavailable() {
        CliRun run = CliRun.of("abort", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.reason()).startsWith("meridian: no cluster in " + dir);
    }
}
