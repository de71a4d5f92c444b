package io.meridian.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MutationCodecTest {

    private static Mutation sample() {
        return new Mutation("users", "user-1", List.of(
                new Operation.Put(Bytes.utf8("name"), Bytes.utf8("Ada"), 0),
                new Operation.Put(Bytes.of(new byte[] {0, (byte) 0xff}), Bytes.EMPTY, 60),
                new Operation.DeleteItem(Bytes.utf8("old")),
                new Operation.DeleteRecord()), 1_790_000_000_000_032L, RegionId.of("region-b"), -42L, 1);
    }

    private static byte[] concat(byte[] a, byte... b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void roundTripsEveryOperationKind() {
        Mutation m = sample();
        byte[] bytes = MutationCodec.encode(m);
        assertThat(bytes[0]).isEqualTo(MutationCodec.MAGIC);
        assertThat(MutationCodec.decode(bytes)).isEqualTo(new MutationCodec.Decoded(m));
    }

    @Test
    void unknownFieldsFromANewerWriterAreIgnored() {
        // field 99 (varint 1) appended: a newer writer's optional field
        byte[] withUnknown = concat(MutationCodec.encode(sample()), (byte) 0x98, (byte) 0x06, (byte) 0x01);
        assertThat(MutationCodec.decode(withUnknown)).isEqualTo(new MutationCodec.Decoded(sample()));
    }

    @Test
    void aFutureSchemaVersionIsReportedNotApplied() {
        Mutation future = new Mutation("users", "u", List.of(new Operation.DeleteRecord()), 100, RegionId.of("region-a"),
                1, Mutation.CURRENT_SCHEMA_VERSION + 1);
        assertThat(MutationCodec.decode(MutationCodec.encode(future)))
                .isEqualTo(new MutationCodec.UnsupportedVersion(2, "users", "u"));
    }

    @Test
    void anUnknownOperationKindIsReportedNotDropped() {
        // an Operation (field 7) whose only field is number 9: a kind this version does not know
        byte[] bytes = concat(MutationCodec.encode(sample()), (byte) 0x3A, (byte) 0x02, (byte) 0x4A, (byte) 0x00);
        assertThat(MutationCodec.decode(bytes)).isInstanceOf(MutationCodec.UnsupportedVersion.class);
    }

    @Test
    void garbageIsMalformedNeverAMutation() {
        assertThat(MutationCodec.decode(new byte[0])).isInstanceOf(MutationCodec.Malformed.class);
        assertThat(MutationCodec.decode("{\"json\":true}".getBytes()))
                .isEqualTo(new MutationCodec.Malformed("not a Meridian mutation (first byte 0x7b, expected 0x4d)"));
        byte[] truncated = Arrays.copyOf(MutationCodec.encode(sample()), 20);
        assertThat(MutationCodec.decode(truncated)).isInstanceOf(MutationCodec.Malformed.class);
        // the magic byte followed by an empty record: no namespace, no operations
        assertThat(MutationCodec.decode(new byte[] {MutationCodec.MAGIC})).isInstanceOf(MutationCodec.Malformed.class);
        long seed = System.nanoTime();
        System.out.println("random garbage seed " + seed);
        Random random = new Random(seed);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[1 + random.nextInt(200)];
            random.nextBytes(junk);
            junk[0] = MutationCodec.MAGIC;
            MutationCodec.DecodeResult r = MutationCodec.decode(junk);
            if (r instanceof MutationCodec.Decoded d) {
                // whatever parses must be a valid mutation by every rule of the model
                assertThat(d.mutation().operations()).isNotEmpty();
                Limits.checkNamespace(d.mutation().namespace());
            }
        }
    }
}
