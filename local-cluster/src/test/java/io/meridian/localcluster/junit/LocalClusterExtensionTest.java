package io.meridian.localcluster.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meridian.localcluster.EngineBackend;
import io.meridian.localcluster.LocalCluster;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** How the extension reports a backend that cannot run here: a skip with the reason, never a failure. No engines. */
class LocalClusterExtensionTest {

    /** Run only through the launcher below (Surefire leaves nested classes alone). */
    @ExtendWith(LocalClusterExtension.class)
    static class NeedsACluster {
        @Test
        void usesOne(LocalCluster cluster) {
            throw new AssertionError("ran without a backend: " + cluster);
        }
    }

    @Test
    void aBackendThatCannotRunHereSkipsTheClassWithTheReason() {
        Assumptions.assumeFalse(EngineBackend.named("docker").isAvailable(),
                "a Docker engine runs here: the docker backend would start a cluster");
        String before = System.getProperty(EngineBackend.PROPERTY);
        System.setProperty(EngineBackend.PROPERTY, "docker");
        List<String> skipped = new CopyOnWriteArrayList<>();
        List<String> finished = new CopyOnWriteArrayList<>();
        try {
            LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClass(NeedsACluster.class)).build(), new TestExecutionListener() {
                        @Override
                        public void executionSkipped(TestIdentifier id, String reason) {
                            skipped.add(id.getDisplayName() + ": " + reason);
                        }

                        @Override
                        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                            if (id.isTest() || result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                                finished.add(id.getDisplayName() + ": " + result);
                            }
                        }
                    });
        } finally {
            if (before == null) {
                System.clearProperty(EngineBackend.PROPERTY);
            } else {
                System.setProperty(EngineBackend.PROPERTY, before);
            }
        }
        assertThat(finished).as("nothing ran, nothing failed").isEmpty();
        assertThat(skipped).singleElement().asString().contains("NeedsACluster")
                .contains("skipped: the docker engine backend cannot run here");
    }
}
