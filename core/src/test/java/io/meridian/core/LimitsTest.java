package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsTest {

    @ParameterizedTest
    @ValueSource(strings = {"x; DROP TABLE users", "Users", "1abc", "_a", "a-b", "",
            "a234567890123456789012345678901234567890123456789"})
    void namespacesOutsideTheRuleAreRefused(String ns) {
        assertThatThrownBy(() -> Limits.checkNamespace(ns)).hasMessageContaining("invalid namespace name");
    }

    @Test
    void printableTextCannotBreakALogLine() {
        assertThat(Limits.printable("user-1")).isEqualTo("user-1");
        assertThat(Limits.printable("a\nDEBUG forged\r\u2028x")).isEqualTo("a\\u000aDEBUG forged\\u000d\\u2028x").doesNotContain("\n");
    }

    @Test
    void namespacesInsideTheRulePass() {
        assertThat(Limits.checkNamespace("a")).isEqualTo("a");
        assertThat(Limits.checkNamespace("user_profiles_2")).isEqualTo("user_profiles_2");
    }

    @Test
    void sizeLimitsNameTheLimit() {
        assertThatThrownBy(() -> Limits.checkId("é".repeat(257))).isInstanceOf(Limits.LimitExceededException.class)
                .hasMessage("record id is 514 bytes; the limit is 512 bytes (UTF-8)");
        assertThatThrownBy(() -> Limits.checkKey(Bytes.of(new byte[1025])))
                .hasMessage("item key is 1025 bytes; the limit is 1024 bytes");
        assertThatThrownBy(() -> Limits.checkValue(Bytes.of(new byte[1024 * 1024 + 1])))
                .hasMessageContaining("the limit is 1048576 bytes");
        assertThat(Limits.checkValue(Bytes.of(new byte[1024 * 1024])).size()).isEqualTo(1024 * 1024);
        assertThatThrownBy(() -> Limits.checkKey(Bytes.EMPTY)).hasMessage("item key must not be empty");
    }
}
