package io.meridian.localcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.RegionId;
import org.junit.jupiter.api.Test;

class ClusterSpecTest {

    @Test
    void defaultsAreThreeRegionsOnPortBlocksFrom19000() {
        ClusterSpec spec = ClusterSpec.builder().build();
        assertThat(spec.regions()).isEqualTo(3);
        assertThat(spec.regionIds()).containsExactly(RegionId.of("region-a"), RegionId.of("region-b"),
                RegionId.of("region-c"));
        assertThat(spec.blockOf(0)).isEqualTo(19_000);
        assertThat(spec.blockOf(2)).isEqualTo(19_200);
        assertThat(spec.directory()).isAbsolute();
    }

    @Test
    void regionCountOutsideWhatNamesAndPortsAllowIsBadInput() {
        assertThatThrownBy(() -> ClusterSpec.builder().regions(0))
                .isInstanceOfSatisfying(LocalClusterException.class,
                        e -> assertThat(e.kind()).isEqualTo(LocalClusterException.Kind.BAD_INPUT))
                .hasMessageContaining("--regions 0 is outside 1..26");
        assertThatThrownBy(() -> ClusterSpec.builder().regions(27)).hasMessageContaining("outside 1..26");
        // near the top of the port range only a few blocks of 100 fit
        assertThatThrownBy(() -> ClusterSpec.builder().basePort(65_000).regions(6))
                .hasMessageContaining("--regions 6 is outside 1..5");
        assertThat(ClusterSpec.builder().basePort(65_000).regions(5).build().blockOf(4)).isEqualTo(65_400);
    }

    @Test
    void basePortOutsideTheUnprivilegedRangeIsBadInput() {
        assertThatThrownBy(() -> ClusterSpec.builder().basePort(80)).hasMessageContaining("--base-port 80");
        assertThatThrownBy(() -> ClusterSpec.builder().basePort(65_500)).hasMessageContaining("--base-port 65500");
    }

    @Test
    void heapsBelowWhatTheEnginesNeedAreBadInput() {
        assertThatThrownBy(() -> ClusterSpec.builder().cassandraHeapMb(64)).hasMessageContaining("256 MiB");
        assertThatThrownBy(() -> ClusterSpec.builder().kafkaHeapMb(64)).hasMessageContaining("128 MiB");
    }
}
