package io.meridian.localcluster.internal;

import io.meridian.localcluster.Component;
import io.meridian.localcluster.LocalClusterException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the classpath folders of the engines: {@code <meridian.home>/engines/<engine>/target/lib},
 * filled by the build ({@code dependency:copy-dependencies} in {@code engines/}). They are kept
 * apart from the application's classpath because Cassandra's dependencies clash with the driver's
 * and Dropwizard's.
 */
final class EngineDistribution {

    /** System property naming the repository root; set by {@code ./meridian} and by the build. */
    static final String HOME_PROPERTY = "meridian.home";

    private final Path home;

    private EngineDistribution(Path home) {
        this.home = home;
    }

    static EngineDistribution locate() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return new EngineDistribution(Path.of(configured).toAbsolutePath().normalize());
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("engines/cassandra/pom.xml"))) {
                return new EngineDistribution(p);
            }
        }
        throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                "cannot find the engine classpaths: set -D" + HOME_PROPERTY + "=<repository root> or run from the repository",
                null, null);
    }

    /** The folder of jars of {@code component}'s engine; checks it was built. */
    Path libDir(Component component) {
        if (component == Component.SERVER) {
            Path lib = home.resolve("server").resolve("target").resolve("lib");
            Path jar = home.resolve("server").resolve("target").resolve("meridian-server.jar");
            if (!Files.isDirectory(lib) || !Files.isRegularFile(jar)) {
                throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                        "Meridian server build " + jar + " is missing: build it with `mvn -B -q package -DskipTests`"
                                + " at " + home + " (./meridian does this on first use)", null, null);
            }
            return lib;
        }
        Path lib = home.resolve("engines").resolve(component.label()).resolve("target").resolve("lib");
        if (!Files.isDirectory(lib)) {
            throw new LocalClusterException(LocalClusterException.Kind.ENGINE_FAILED,
                    "engine classpath " + lib + " is missing: build it with `mvn -B -q package -DskipTests`"
                            + " at " + home + " (./meridian does this on first use)", null, null);
        }
        return lib;
    }

    /** {@code libDir/*}, the form {@code java -cp} expands. */
    String classpath(Component component) {
        String lib = libDir(component).toString() + "/*";
        return component == Component.SERVER ? home.resolve("server/target/meridian-server.jar") + ":" + lib : lib;
    }
}
