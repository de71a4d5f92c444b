package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegionIdTest {

    @Test
    void defaultNamesRunFromRegionAToRegionZ() {
        assertThat(RegionId.defaultName(0)).isEqualTo(RegionId.of("region-a"));
        assertThat(RegionId.defaultName(25).name()).isEqualTo("region-z");
        assertThatThrownBy(() -> RegionId.defaultName(26)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Region-A", "1region", "region_a", "region a", "a; DROP TABLE x",
            "region-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void invalidNamesAreRefusedWithTheRule(String name) {
        assertThatThrownBy(() -> RegionId.of(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid region name");
    }

    @Test
    void ordersByName() {
        assertThat(RegionId.of("region-b")).isGreaterThan(RegionId.of("region-a"));
    }
}
