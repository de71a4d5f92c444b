package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesTheLastColonAsThePortSeparator() {
        assertThat(HostPort.parse("127.0.0.1:9042")).isEqualTo(new HostPort("127.0.0.1", 9042));
        assertThat(HostPort.parse("::1:9042").host()).isEqualTo("::1");
        assertThat(HostPort.parse("localhost:19042").toString()).isEqualTo("localhost:19042");
    }

    @Test
    void refusesWhatIsNotHostAndPort() {
        for (String bad : new String[] {"", "host", ":9042", "host:", "host:x", "host:0", "host:70000"}) {
            assertThatThrownBy(() -> HostPort.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> HostPort.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
