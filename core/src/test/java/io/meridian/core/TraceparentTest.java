package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TraceparentTest {

    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void readsAndWritesTheW3cExample() {
        Traceparent t = Traceparent.parse(VALID).orElseThrow();
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.spanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(t.flags()).isEqualTo(1);
        assertThat(t.toString()).isEqualTo(VALID);
    }

    @Test
    void invalidHeadersAreIgnoredNotFailed() {
        for (String bad : new String[] {null, "", "garbage", VALID.toUpperCase(), "ff" + VALID.substring(2), VALID + "-extra",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "0" + "1".repeat(600)}) {
            assertThat(Traceparent.parse(bad)).as(String.valueOf(bad)).isEmpty();
        }
    }

    @Test
    void aLaterVersionIsReadByItsFirstFields() {
        assertThat(Traceparent.parse("01" + VALID.substring(2) + "-what-comes-later")).map(Traceparent::traceId)
                .hasValue("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void aChildKeepsTheTraceWithANewSpan() {
        Traceparent root = Traceparent.newTrace();
        Traceparent child = root.child();
        assertThat(child.traceId()).isEqualTo(root.traceId());
        assertThat(child.spanId()).isNotEqualTo(root.spanId());
        assertThat(Traceparent.parse(child.toString())).hasValue(child);
        assertThatThrownBy(() -> new Traceparent("x", "00f067aa0ba902b7", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
