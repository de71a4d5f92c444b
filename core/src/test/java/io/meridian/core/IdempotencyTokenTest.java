package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotencyTokenTest {

    @Test
    void textFormRoundTrips() {
        IdempotencyToken t = IdempotencyToken.generate(Clock.systemUTC());
        assertThat(IdempotencyToken.parse(t.toString())).isEqualTo(t);
        assertThat(new IdempotencyToken(5, -1).toString()).isEqualTo("5-ffffffffffffffff");
    }

    @Test
    void generatedTokensDiffer() {
        assertThat(IdempotencyToken.generate(Clock.systemUTC())).isNotEqualTo(IdempotencyToken.generate(Clock.systemUTC()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-0123456789abcdef", "12-0123", "12-0123456789abcdeg", "x1-0123456789abcdef",
            "0-0123456789abcdef"})
    void malformedTokensAreRefused(String text) {
        assertThatThrownBy(() -> IdempotencyToken.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
