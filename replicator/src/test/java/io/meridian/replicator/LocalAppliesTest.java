package io.meridian.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalAppliesTest {

    private static final long NOW = 1_000_000;
    private static final long TS = 1_796_000_000_000_000L;
    private static final long NONCE = 42;

    /** The applier's question for the record at partition/offset holding the mutation (TS + offset, NONCE). */
    private static CompletableFuture<Boolean> outcome(LocalApplies a, int partition, long offset, long createdMillis) {
        return a.outcome(partition, offset, TS + offset, NONCE, createdMillis, NOW);
    }

    private static void complete(LocalApplies a, int partition, long offset, boolean applied) {
        a.complete(partition, offset, TS + offset, NONCE, applied);
    }

    @Test
    void theApplierWaitsForTheWritePathsOutcomeOfAFreshRecord() {
        LocalApplies applies = new LocalApplies();
        CompletableFuture<Boolean> applied = outcome(applies, 0, 10, NOW - 5);
        CompletableFuture<Boolean> failed = outcome(applies, 1, 10, NOW - 5);
        assertThat(applied).as("the write path is still at it").isNotDone();
        complete(applies, 0, 10, true);
        complete(applies, 1, 10, false);
        assertThat(applied.getNow(null)).as("in the store: skip").isTrue();
        assertThat(failed.getNow(null)).as("its apply failed: the applier applies it").isFalse();
        assertThat(applies.size()).as("decided records are forgotten").isZero();
    }

    @Test
    void waitsForSeveralRecordsOfOneBatchAtOnce() {
        LocalApplies applies = new LocalApplies();
        CompletableFuture<Boolean> first = outcome(applies, 0, 1, NOW - 1);
        CompletableFuture<Boolean> second = outcome(applies, 0, 2, NOW - 1);
        complete(applies, 0, 1, true); // the earlier write's apply ends after the applier moved on to the next record
        complete(applies, 0, 2, true);
        assertThat(first.getNow(null)).as("still reaches the applier's wait").isTrue();
        assertThat(second.getNow(null)).isTrue();
        assertThat(applies.size()).isZero();
    }

    @Test
    void anOutcomeAlreadyKnownIsUsedAtOnce() {
        LocalApplies applies = new LocalApplies();
        complete(applies, 0, 3, true);
        assertThat(outcome(applies, 0, 3, NOW - 1).getNow(null)).isTrue();
        complete(applies, 0, 4, false);
        assertThat(outcome(applies, 0, 4, NOW - 1).getNow(null)).isFalse();
    }

    @Test
    void anOutcomeOfAnotherMutationAtTheSameOffsetIsNeverASkip() {
        // a log recreated or truncated under the running process puts another record at an offset it answered for
        LocalApplies applies = new LocalApplies();
        applies.complete(0, 7, TS, NONCE, true);
        assertThat(applies.outcome(0, 7, TS, NONCE + 1, NOW - 1, NOW).getNow(null)).as("other nonce").isFalse();
        applies.complete(0, 8, TS, NONCE, true);
        assertThat(applies.outcome(0, 8, TS + 1, NONCE, NOW - 1, NOW).getNow(null)).as("other timestamp").isFalse();
    }

    @Test
    void oldOrAlreadyPassedRecordsAreAppliedWithoutWaiting() {
        LocalApplies applies = new LocalApplies();
        assertThat(outcome(applies, 0, 1, NOW - LocalApplies.MAX_WAIT_MILLIS - 1).getNow(null))
                .as("older than any write path takes: nobody will tell").isFalse();
        CompletableFuture<Boolean> first = outcome(applies, 0, 5, NOW - 1);
        complete(applies, 0, 5, true);
        assertThat(first.getNow(null)).isTrue();
        assertThat(outcome(applies, 0, 5, NOW - 1).getNow(null)).as("read again (a retried batch): apply, harmlessly").isFalse();
        assertThat(outcome(applies, 0, 4, NOW - 1).getNow(null)).as("below what the applier passed").isFalse();
    }

    @Test
    void aWritePathThatNeverAnswersIsNotWaitedForForever() {
        LocalApplies applies = new LocalApplies();
        // created 1 ms before the wait would end: the outcome falls back to "apply" almost at once
        CompletableFuture<Boolean> outcome = outcome(applies, 0, 1, NOW - LocalApplies.MAX_WAIT_MILLIS + 1);
        assertThat(outcome.orTimeout(10, TimeUnit.SECONDS).join()).isFalse();
    }

    @Test
    void outcomesNoApplierTakesDoNotTurnTheSkipOffForGood() {
        // partitions another instance of the region reads, or appliers stopped: nobody takes these outcomes
        LocalApplies applies = new LocalApplies();
        for (int i = 0; i < LocalApplies.MAX_ENTRIES + 10; i++) {
            complete(applies, 3, i, true);
        }
        assertThat(applies.size()).as("bounded").isLessThanOrEqualTo(LocalApplies.MAX_ENTRIES);
        CompletableFuture<Boolean> fresh = outcome(applies, 0, 1, NOW - 1);
        complete(applies, 0, 1, true);
        assertThat(fresh.getNow(null)).as("still tracked past the bound").isTrue();
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
