package io.meridian.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalAppliesTest {

    @Test
    void onlyRememberedRecordsAreSkippedAndPassingOnesAreForgotten() {
        LocalApplies applies = new LocalApplies();
        applies.remember(0, 5);
        applies.remember(0, 7);
        applies.remember(1, 5);
        assertThat(applies.takeApplied(0, 6)).as("never applied here").isFalse();
        assertThat(applies.size()).as("5 of partition 0 is behind the applier now: forgotten").isEqualTo(2);
        assertThat(applies.takeApplied(0, 7)).isTrue();
        assertThat(applies.takeApplied(0, 7)).as("once").isFalse();
        assertThat(applies.takeApplied(1, 5)).isTrue();
        assertThat(applies.size()).isZero();
    }

    @Test
    void itStopsRememberingAtItsBound() {
        LocalApplies applies = new LocalApplies();
        for (int i = 0; i < LocalApplies.MAX_ENTRIES + 10; i++) {
            applies.remember(0, i);
        }
        assertThat(applies.size()).isEqualTo(LocalApplies.MAX_ENTRIES);
        assertThat(applies.takeApplied(0, LocalApplies.MAX_ENTRIES + 5)).as("not remembered: applied again, harmlessly").isFalse();
    }
}
