package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input to {@code meridian bench}: exit code 2 with one line naming it, before any cluster is started or touched. */
class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void aSettledIdleWaitOutsideItsRangeIsBadInput() {
        for (String value : new String[] {"-1", "3601"}) {
            Path work = dir.resolve("bench-" + value);
            CliRun run = CliRun.of("bench", "visibility", "--settled-idle-after", value, "--work-dir", work.toString());
            assertThat(run.exitCode()).as(value).isEqualTo(2);
            assertThat(run.reason()).as(value).contains("settled-idle-after 0..3600 s");
            assertThat(Files.exists(work)).as("nothing made for " + value).isFalse();
        }
    }

    @Test
    void floorsTakeOnlyABoolean() {
        CliRun run = CliRun.of("bench", "write", "--floors=maybe", "--dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).contains("--floors");
    }
}
