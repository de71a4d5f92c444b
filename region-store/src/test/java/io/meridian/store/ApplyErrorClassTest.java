package io.meridian.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.meridian.core.Bytes;
import io.meridian.core.Mutation;
import io.meridian.core.Operation;
import io.meridian.core.RegionId;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * Which failed applies are permanent (dead-lettered; 4xx at the origin) and which are transient (retried): a
 * shutdown racing an in-flight apply must never count as permanent, or a good, acknowledged-elsewhere mutation
 * would be dead-lettered and its writer told it was not written.
 */
class ApplyErrorClassTest {

    static final Mutation M = new Mutation("ns", "id", List.of(new Operation.Put(Bytes.utf8("k"), Bytes.utf8("v"))),
            1_000, RegionId.of("region-a"), 1, Mutation.CURRENT_SCHEMA_VERSION);

    @Test
    void aClosedSessionIsTransient() {
        Throwable t = CassandraStore.classify(new CompletionException(new IllegalStateException("Session is closed")), M);
        assertThat(CassandraStore.isPermanent(t)).isFalse();
    }

    @Test
    void anInvalidStatementIsPermanentAndAMissingTableIsNot() {
        assertThat(CassandraStore.isPermanent(CassandraStore.classify(
                new InvalidQueryException(null, "ttl is too large. requested (700000000) maximum (630720000)"), M))).isTrue();
        assertThat(CassandraStore.isPermanent(CassandraStore.classify(
                new InvalidQueryException(null, "unconfigured table ns_x"), M))).isFalse();
        assertThat(CassandraStore.isPermanent(CassandraStore.classify(new IllegalArgumentException("bad value"), M))).isTrue();
    }
}
