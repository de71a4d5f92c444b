package io.meridian.cli;

import io.meridian.client.MeridianClientException;
import io.meridian.localcluster.LocalClusterException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code meridian} operator command. Exit codes (docs/operations.md): 0 ok, 1 check failed,
 * 2 usage or bad input, 3 unavailable (an engine or cluster that is not there or did not start).
 * Errors are one line on stderr, {@code meridian: <reason>}, followed only by an engine's log tail
 * when an engine failed. Data commands: a missing record or namespace is 1, a request the server
 * refuses is 2, no server answering is 3.
 */
@Command(name = "meridian", mixinStandardHelpOptions = true, version = "meridian 0.1.0",
        description = "Multi-region, active-active replicated data layer: operator command.",
        subcommands = {LocalCommand.class, DataCommands.Namespace.class, DataCommands.Put.class, DataCommands.Get.class,
                DataCommands.Delete.class, StatusCommand.class, VerifyCommand.class, RepairCommand.class, RebuildCommand.class,
                DeadLetterCommands.class,
                RouterCommands.Evacuate.class, RouterCommands.Restore.class, RouterCommands.Abort.class,
                RouterCommands.Hold.class, RouterCommands.Resume.class, RouterCommands.Audit.class,
                DrillCommands.DrillCommand.class, DrillCommands.Demo.class,
                BenchCommand.class})
public final class Meridian implements Runnable {

    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int UNAVAILABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        io.meridian.core.AsyncPool.noThreadPerTask(); // before anything uses the common pool (its javadoc says why)
        System.exit(run(System.out, System.err, args));
    }

    /** Runs one command with the given streams and returns its exit code (used by tests too). */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cl = new CommandLine(new Meridian());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("meridian: " + ex.getMessage());
            ex.getCommandLine().getErr().println("  (see `meridian " + ex.getCommandLine().getCommandName()
                    + " --help`)");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            e.println("meridian: " + ex.getMessage());
            return exitCodeOf(ex);
        });
        return cl.execute(args);
    }

    static int exitCodeOf(Exception ex) {
        if (ex instanceof MeridianClientException.NotFound) {
            return CHECK_FAILED;
        }
        if (ex instanceof MeridianClientException.InvalidRequest) {
            return BAD_INPUT;
        }
        if (ex instanceof LocalClusterException lce) {
            return switch (lce.kind()) {
                case BAD_INPUT -> BAD_INPUT;
                case ENGINE_FAILED, NO_CLUSTER -> UNAVAILABLE;
            };
        }
        if (ex instanceof IllegalArgumentException) {
            return BAD_INPUT;
        }
        return UNAVAILABLE;
    }
}
