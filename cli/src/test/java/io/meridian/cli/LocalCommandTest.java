package io.meridian.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code meridian local}: exit code 2 (3 when an engine fails) with one line naming the
 * problem, and nothing left running or written.
 */
class LocalCommandTest {

    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("cluster");
    }

    private void assertNothingStarted() {
        assertThat(Files.exists(dir().resolve("cluster.json"))).as("cluster.json").isFalse();
        String marker = "-Dmeridian.cluster=" + dir().toAbsolutePath().normalize();
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().arguments()
                .map(a -> java.util.List.of(a).contains(marker)).orElse(false)).toList()).as("engine processes").isEmpty();
    }

    @Test
    void zeroRegionsIsBadInput() {
        CliRun run = CliRun.of("local", "up", "--regions", "0", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --regions 0 is outside 1..26 (each region needs a block of 100"
                + " ports from 19000)");
        assertNothingStarted();
    }

    @Test
    void moreRegionsThanThePortsAllowIsBadInput() {
        CliRun run = CliRun.of("local", "up", "--regions", "7", "--base-port", "65000", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).contains("--regions 7 is outside 1..5");
        assertNothingStarted();
    }

    @Test
    void aKeyspaceThatIsNoKeyspaceNameIsBadInputBeforeAnyClusterIsTouched() {
        for (String command : new String[] {"verify", "repair", "rebuild"}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(command, "--keyspace", "Bad-KS", "--dir",
                    dir().toString()));
            if (command.equals("rebuild")) {
                args.add(1, "region-b");
            }
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(command).isEqualTo(2);
            assertThat(run.reason()).as(command).contains("invalid keyspace name 'Bad-KS'");
        }
        assertNothingStarted();
    }

    @Test
    void nonNumericRegionsIsAUsageError() {
        CliRun run = CliRun.of("local", "up", "--regions", "three");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).contains("'three'").contains("--regions");
    }

    @Test
    void aPortAlreadyInUseIsNamed() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int cql = taken.getLocalPort();
            int base = cql - 42;
            if (base < 1024) {
                return; // the kernel gave a port we cannot express as a block; nothing to test here
            }
            CliRun run = CliRun.of("local", "up", "--regions", "1", "--base-port", Integer.toString(base),
                    "--dir", dir().toString());
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.reason()).isEqualTo("meridian: port " + cql + " (region-a Cassandra CQL) is already in use;"
                    + " stop what holds it or choose another --base-port");
        }
        assertNothingStarted();
    }

    @Test
    void anUnwritableDataDirectoryIsNamed() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        CliRun run = CliRun.of("local", "up", "--regions", "1", "--dir", file.resolve("data").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).startsWith("meridian: data directory " + file.resolve("data") + " is not writable");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void aMissingJavaIsNamed() {
        CliRun run = CliRun.of("local", "up", "--regions", "1", "--java", tmp.resolve("no-jdk/bin/java").toString(),
                "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: Java not found at " + tmp.resolve("no-jdk/bin/java")
                + ": install a JDK 17 or point --java (or JAVA_HOME) at one");
        assertNothingStarted();
    }

    @Test
    void anEngineThatCannotStartIsExit3WithItsLogAndNothingLeftRunning() {
        // /bin/false is executable but no JVM: every engine exits at once
        // a block below the kernel's ephemeral ports (32768+): at 37000 an outgoing connection of an earlier test held 37042
        CliRun run = CliRun.of("local", "up", "--regions", "1", "--base-port", "25400", "--java", "/bin/false",
                "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.reason()).matches("meridian: region-a (cassandra|kafka) .*exit(ed with)? code 1.*");
        assertThat(run.err()).contains("last lines of");
        assertNothingStarted();
    }

    @Test
    void anInvalidRegionNameIsBadInput() {
        CliRun run = CliRun.of("local", "stop", "Region_A", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).startsWith("meridian: unknown region 'Region_A'");
    }

    @Test
    void anUnknownComponentIsBadInput() {
        CliRun run = CliRun.of("local", "stop", "region-a", "--component", "zookeeper", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: unknown component 'zookeeper': expected cassandra, kafka, server or all");
    }

    @Test
    void statusWithoutAClusterIsUnavailable() {
        CliRun run = CliRun.of("local", "status", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.reason()).startsWith("meridian: no cluster in " + dir());
    }

    @Test
    void downWithoutAClusterIsANoOp() {
        CliRun run = CliRun.of("local", "down", "--dir", dir().toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("no cluster in");
    }

    @Test
    void aDelayThatIsNotADurationIsBadInputBeforeAnythingIsRead() {
        CliRun run = CliRun.of("local", "delay", "region-a", "region-b", "1h", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: delay '1h' is not a duration like 80ms, 1s or 0");
        CliRun tooLong = CliRun.of("local", "delay", "region-a", "region-b", "61s", "--dir", dir().toString());
        assertThat(tooLong.exitCode()).isEqualTo(2);
        assertThat(tooLong.reason()).isEqualTo("meridian: delay '61s' is above the 60 s limit");
    }

    @Test
    void anUnknownPartitionModeIsBadInput() {
        CliRun run = CliRun.of("local", "partition", "region-a", "region-b", "--mode", "drop", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --mode 'drop': expected blackhole or reset");
    }

    @Test
    void partitionWithoutAClusterIsUnavailable() {
        CliRun run = CliRun.of("local", "partition", "region-a", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.reason()).startsWith("meridian: no cluster in " + dir());
    }

    @Test
    void repairWithZeroRangesIsBadInput() {
        CliRun run = CliRun.of("repair", "--ranges", "0", "--dir", dir().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).isEqualTo("meridian: --ranges must be within 1..65536");
    }

    @Test
    void theComposeClusterFileIsForDataCommandsNotForLocalLifecycle() {
        Path compose = Path.of(System.getProperty("meridian.home", "..")).resolve("deploy/compose");
        CliRun run = CliRun.of("local", "stop", "region-a", "--dir", compose.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.reason()).contains("describes a deployment that `meridian local` does not run");
        assertThat(Files.exists(compose.resolve("cluster.json"))).isTrue();
    }
}
