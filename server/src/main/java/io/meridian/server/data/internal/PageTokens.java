package io.meridian.server.data.internal;

import io.meridian.core.Bytes;
import io.meridian.server.ApiException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Page tokens of range reads: the last key returned, signed with HMAC-SHA256 over namespace, id and
 * key, so a token cannot be forged, altered, or replayed against another record. Format (base64url):
 * {@code 0x01 | keyLength (int) | key | mac (32 bytes)}. Thread-safe.
 */
public final class PageTokens {

    private static final byte VERSION = 1;
    private final SecretKeySpec key;

    public PageTokens(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String issue(String namespace, String id, Bytes lastKey) {
        byte[] mac = mac(namespace, id, lastKey.unsafeArray());
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + lastKey.size() + mac.length);
        b.put(VERSION).putInt(lastKey.size()).put(lastKey.unsafeArray()).put(mac);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The last key of the previous page; 400 when the token was not issued for this record. */
    public Bytes verify(String namespace, String id, String token) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(token));
            if (b.get() != VERSION) {
                throw new IllegalArgumentException("version");
            }
            int len = b.getInt();
            if (len < 0 || len > b.remaining() - 32) {
                throw new IllegalArgumentException("length");
            }
            byte[] last = new byte[len];
            b.get(last);
            byte[] mac = new byte[32];
            b.get(mac);
            if (b.hasRemaining() || !MessageDigest.isEqual(mac, mac(namespace, id, last))) {
                throw new IllegalArgumentException("signature");
            }
            return Bytes.wrap(last);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid page token: it was altered, or issued for another record");
        }
    }

    private byte[] mac(String namespace, String id, byte[] lastKey) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            m.update(namespace.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
            m.update(id.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
            m.update(lastKey);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
