package io.meridian.server.data.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meridian.core.Bytes;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PageTokensTest {

    private final PageTokens tokens = new PageTokens("secret");

    @Test
    void aTokenRoundTripsForItsRecordOnly() {
        String t = tokens.issue("ns", "id1", Bytes.utf8("k42"));
        assertThat(tokens.verify("ns", "id1", t)).isEqualTo(Bytes.utf8("k42"));
        assertThatThrownBy(() -> tokens.verify("ns", "id2", t)).hasMessageContaining("invalid page token");
        assertThatThrownBy(() -> new PageTokens("other").verify("ns", "id1", t)).hasMessageContaining("invalid page token");
    }

    @Test
    void anyAlteredByteIsRefused() {
        byte[] raw = Base64.getUrlDecoder().decode(tokens.issue("ns", "id1", Bytes.utf8("k42")));
        for (int i = 0; i < raw.length; i++) {
            byte[] copy = raw.clone();
            copy[i] ^= 1;
            String altered = Base64.getUrlEncoder().withoutPadding().encodeToString(copy);
            assertThatThrownBy(() -> tokens.verify("ns", "id1", altered)).as("byte " + i).hasMessageContaining("invalid page token");
        }
        assertThatThrownBy(() -> tokens.verify("ns", "id1", "not base64!")).hasMessageContaining("invalid page token");
        assertThatThrownBy(() -> tokens.verify("ns", "id1", "")).hasMessageContaining("invalid page token");
    }
}
