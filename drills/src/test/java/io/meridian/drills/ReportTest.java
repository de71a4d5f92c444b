package io.meridian.drills;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void aSilenceLongerThanTheGapLimitGetsAGapMarkerAndNothingElseDoes() {
        List<Double[]> out = Report.withGaps(List.of(new double[] {1, 10}, new double[] {2, 20}, new double[] {4.5, 30},
                new double[] {14.8, 3663}, new double[] {60.2, 0}));
        assertThat(out).extracting(p -> p[0]).containsExactly(1.0, 2.0, 4.5, 9.65, 14.8, 37.5, 60.2);
        assertThat(out).extracting(p -> p[1]).containsExactly(10.0, 20.0, 30.0, null, 3663.0, null, 0.0);
    }

    @Test
    void eventTextIsEscapedAndTheDataCannotCloseItsScriptElement() {
        Report.Page page = new Report.Page("region-outage", "region-a", true, 1, 2, 0, 10, List.of(),
                List.of(new Report.Event(1.5, "fault", "</script><script>alert(1)</script> & <b>")),
                List.of(new Report.Chart("p99 latency", "ms", java.util.Map.of("p99", List.of(new double[] {1, 2})))));
        String html = Report.html(page);
        assertThat(html).contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;");
        assertThat(html).doesNotContain("<script>alert(1)");
        assertThat(html).contains("\\u003c/script>\\u003cscript>alert(1)");
    }
}
