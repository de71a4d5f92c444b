package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionTokenTest {

    private static SessionToken.Position at(String region, int partition) {
        return new SessionToken.Position(RegionId.of(region), partition);
    }

    @Test
    void parsesWhatItPrintsInOrderAndKeepsTheHigherOffsetOfARepeatedPosition() {
        SessionToken t = SessionToken.parse(" region-b:1:5, region-a:3:11,region-a:3:9 ");
        assertThat(t.entries()).isEqualTo(Map.of(at("region-a", 3), 11L, at("region-b", 1), 5L));
        assertThat(t.toString()).isEqualTo("region-a:3:11,region-b:1:5");
        assertThat(SessionToken.parse(t.toString())).isEqualTo(t);
        assertThat(SessionToken.parse(null).isEmpty()).isTrue();
        assertThat(SessionToken.parse("  ").toString()).isEmpty();
    }

    @Test
    void mergeKeepsTheHigherOffsetOfEachPositionAndNeverLowersOne() {
        SessionToken a = SessionToken.parse("region-a:0:10,region-a:1:3");
        SessionToken b = SessionToken.parse("region-a:0:4,region-b:0:8");
        SessionToken m = a.merge(b);
        assertThat(m.toString()).isEqualTo("region-a:0:10,region-a:1:3,region-b:0:8");
        assertThat(m.merge(a)).isSameAs(m);
        assertThat(SessionToken.empty().merge(a)).isSameAs(a);
        assertThat(m.offset(at("region-c", 0))).isEqualTo(-1);
    }

    @Test
    void theSessionsLastWriteTimestampTravelsWithItAndOnlyGrows() {
        SessionToken t = SessionToken.parse("region-a:0:10,@1795667623542485");
        assertThat(t.timestamp()).isEqualTo(1795667623542485L);
        assertThat(t.toString()).isEqualTo("region-a:0:10,@1795667623542485");
        assertThat(t.withTimestamp(5)).isSameAs(t);
        assertThat(SessionToken.empty().withTimestamp(7).toString()).isEqualTo("@7");
        assertThat(SessionToken.parse("@7").isEmpty()).as("a timestamp asks nothing of a read").isTrue();
        assertThat(t.merge(SessionToken.parse("@1795667623542486")).toString()).isEqualTo("region-a:0:10,@1795667623542486");
        assertThatThrownBy(() -> SessionToken.parse("@x")).hasMessageContaining("@<µs>");
        assertThatThrownBy(() -> SessionToken.parse("@" + (SessionToken.MAX_TIMESTAMP + 1))).hasMessageContaining("within");
    }

    @Test
    void badTokensAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> SessionToken.parse("region-a:1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("region:partition:offset");
        assertThatThrownBy(() -> SessionToken.parse("region-a:1:x")).hasMessageContaining("whole numbers");
        assertThatThrownBy(() -> SessionToken.parse("region-a:-1:3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SessionToken.parse("region-a:1:-3")).hasMessageContaining("not negative");
        assertThatThrownBy(() -> SessionToken.parse("Region A:1:3")).hasMessageContaining("invalid region name");
        assertThatThrownBy(() -> SessionToken.parse("region-a:1:3,,")).hasMessageContaining("region:partition:offset");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= SessionToken.MAX_ENTRIES; i++) {
            many.append(i == 0 ? "" : ",").append("region-a:").append(i).append(":1");
        }
        assertThatThrownBy(() -> SessionToken.parse(many.toString())).hasMessageContaining("at most");
    }
}
