package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The deadline header as a hostile client may send it: junk, negative, huge, or none. */
class CallDeadlineTest {

    @Test
    void wholeMillisecondsWithinADayAreADeadlineAndNoneIsNoDeadline() {
        assertThat(CallDeadline.parse(null)).isNull();
        assertThat(CallDeadline.parse("  ")).isNull();
        assertThat(CallDeadline.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(CallDeadline.parse(" 500 ")).isEqualTo(Duration.ofMillis(500));
        assertThat(CallDeadline.parse("86400000")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void anythingElseIsRefusedWithTheHeaderNamed() {
        for (String bad : new String[] {"-1", "86400001", "1.5", "1e3", "soon", "9".repeat(40)}) {
            assertThatThrownBy(() -> CallDeadline.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(CallDeadline.HEADER);
        }
        assertThatThrownBy(() -> CallDeadline.parse("x".repeat(10_000))).hasMessageContaining("...")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200)); // a huge header is not echoed
    }

    @Test
    void theClientNeverSendsZeroWhichWouldReadAsAlreadyPassed() {
        assertThat(CallDeadline.header(Duration.ofNanos(10))).isEqualTo("1");
        assertThat(CallDeadline.header(Duration.ofMillis(250))).isEqualTo("250");
    }
}
