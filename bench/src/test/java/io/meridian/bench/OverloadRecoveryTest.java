package io.meridian.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the overload phase reads "back to normal": every later second within the threshold and without errors. */
class OverloadRecoveryTest {

    private static List<double[]> seconds(double[]... w) {
        return new ArrayList<>(List.of(w));
    }

    @Test
    void recoveryCountsFromTheLoadDropToTheFirstSecondAfterWhichEverySecondIsNormal() {
        List<double[]> s = seconds(new double[] {100, 900, 3}, new double[] {100, 800, 0}, // overload (seconds 0, 1)
                new double[] {50, 400, 0}, new double[] {50, 10, 0}, new double[] {50, 90, 0}, // a relapse at second 4
                new double[] {50, 12, 0}, new double[] {50, 11, 0});
        assertThat(VisibilityBenchmark.Windows.recovery(s, 2, 30)).isEqualTo(3); // second 5 onward
        assertThat(VisibilityBenchmark.Windows.recovery(s, 2, 500)).isZero();
    }

    @Test
    void anErrorOrASlowLastSecondIsNotRecovered() {
        assertThat(VisibilityBenchmark.Windows.recovery(seconds(new double[] {1, 900, 0}, new double[] {1, 10, 1}), 1, 30))
                .isEqualTo(-1);
        assertThat(VisibilityBenchmark.Windows.recovery(seconds(new double[] {1, 900, 0}, new double[] {1, 40, 0}), 1, 30))
                .isEqualTo(-1);
    }

    @Test
    void windowsPutAWriteInTheSecondOfItsIntendedTimeAndClampTheEnds() {
        VisibilityBenchmark.Windows w = new VisibilityBenchmark.Windows(3);
        w.record(1_500_000_000L, 2_000_000, true);
        w.record(-5, 1_000_000, false);
        w.record(99_000_000_000L, 1_000_000, false);
        assertThat(w.latency[1].getIntervalHistogram().getTotalCount()).isEqualTo(1);
        assertThat(w.errors[0].get()).isEqualTo(1);
        assertThat(w.errors[2].get()).isEqualTo(1);
    }
}
