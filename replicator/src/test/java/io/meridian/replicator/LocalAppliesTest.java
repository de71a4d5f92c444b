package io.meridian.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LocalAppliesTest {

    private static final long NOW = 1_000_000;

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
        assertThat(applies.outcome(1, 0, NOW, NOW).getNow(null)).as("full: apply at once, never wait").isFalse();
        assertThat(applies.takeApplied(0, LocalApplies.MAX_ENTRIES + 5)).as("not remembered: applied again, harmlessly").isFalse();
    }

    @Test
    void theApplierWaitsForTheWritePathsOutcomeOfAFreshRecord() {
        LocalApplies applies = new LocalApplies();
        CompletableFuture<Boolean> applied = applies.outcome(0, 10, NOW - 5, NOW);
        CompletableFuture<Boolean> failed = applies.outcome(1, 10, NOW - 5, NOW);
        assertThat(applied).as("the write path is still at it").isNotDone();
        applies.complete(0, 10, true);
        applies.complete(1, 10, false);
        assertThat(applied.getNow(null)).as("in the store: skip").isTrue();
        assertThat(failed.getNow(null)).as("its apply failed: the applier applies it").isFalse();
        assertThat(applies.size()).as("decided records are forgotten").isZero();
    }

    @Test
    void waitsForSeveralRecordsOfOneBatchAtOnce() {
        LocalApplies applies = new LocalApplies();
        CompletableFuture<Boolean> first = applies.outcome(0, 1, NOW - 1, NOW);
        CompletableFuture<Boolean> second = applies.outcome(0, 2, NOW - 1, NOW);
        applies.complete(0, 1, true); // the earlier write's apply ends after the applier moved on to the next record
        applies.complete(0, 2, true);
        assertThat(first.getNow(null)).as("still reaches the applier's wait").isTrue();
        assertThat(second.getNow(null)).isTrue();
        assertThat(applies.size()).isZero();
    }

    @Test
    void anOutcomeAlreadyKnownIsUsedAtOnce() {
        LocalApplies applies = new LocalApplies();
        applies.complete(0, 3, true);
        assertThat(applies.outcome(0, 3, NOW - 1, NOW).getNow(null)).isTrue();
        applies.complete(0, 4, false);
        assertThat(applies.outcome(0, 4, NOW - 1, NOW).getNow(null)).isFalse();
    }

    @Test
    void oldOrAlreadyPassedRecordsAreAppliedWithoutWaiting() {
        LocalApplies applies = new LocalApplies();
        assertThat(applies.outcome(0, 1, NOW - LocalApplies.MAX_WAIT_MILLIS - 1, NOW).getNow(null))
                .as("older than any write path takes: nobody will tell").isFalse();
        CompletableFuture<Boolean> first = applies.outcome(0, 5, NOW - 1, NOW);
        applies.complete(0, 5, true);
        assertThat(first.getNow(null)).isTrue();
        assertThat(applies.outcome(0, 5, NOW - 1, NOW).getNow(null)).as("read again (a retried batch): apply, harmlessly").isFalse();
        assertThat(applies.outcome(0, 4, NOW - 1, NOW).getNow(null)).as("below what the applier passed").isFalse();
    }

    @Test
    void aWritePathThatNeverAnswersIsNotWaitedForForever() {
        LocalApplies applies = new LocalApplies();
        // created 1 ms before the wait would end: the outcome falls back to "apply" almost at once
        CompletableFuture<Boolean> outcome = applies.outcome(0, 1, NOW - LocalApplies.MAX_WAIT_MILLIS + 1, NOW);
        assertThat(outcome.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join()).isFalse();
    }

    @Test
    void onlyThisProcesssRecordsAreItsOwn() {
        LocalApplies mine = new LocalApplies();
        LocalApplies other = new LocalApplies();
        assertThat(mine.wroteHere(mine.writerId())).isTrue();
        assertThat(mine.wroteHere(other.writerId())).isFalse();
        assertThat(mine.wroteHere(null)).isFalse();
    }
}
