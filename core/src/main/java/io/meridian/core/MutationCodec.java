package io.meridian.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meridian.core.internal.proto.DeleteItem;
import io.meridian.core.internal.proto.MutationRecord;
import io.meridian.core.internal.proto.PutItem;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes mutations for the mutation log and decodes them, versioned. The format is Protobuf
 * ({@code core/src/main/proto/mutation.proto}) behind one magic byte. Decoding never throws and
 * never returns garbage: the result says whether the bytes were a mutation this code can apply
 * ({@link Decoded}), a mutation of a newer format ({@link UnsupportedVersion}, to be held, not
 * skipped), or not a mutation at all ({@link Malformed}, a dead letter). Unknown fields added by newer
 * writers within the same schema version are ignored. Stateless and thread-safe.
 */
public final class MutationCodec {

    /** First byte of every encoded mutation. */
    public static final byte MAGIC = 0x4D;

    private MutationCodec() { }

    /** The result of {@link #decode(byte[])}. */
    public sealed interface DecodeResult {
    }

    /** A mutation this code understands. */
    public record Decoded(Mutation mutation) implements DecodeResult {
    }

    /** A well-formed mutation of a schema version newer than this code reads. */
    public record UnsupportedVersion(int schemaVersion, String namespace, String id) implements DecodeResult {
    }

    /** Bytes that are not a valid mutation; {@code reason} says why. */
    public record Malformed(String reason) implements DecodeResult {
    }

    public static byte[] encode(Mutation m) {
        MutationRecord.Builder b = MutationRecord.newBuilder()
                .setSchemaVersion(m.schemaVersion())
                .setNamespace(m.namespace())
                .setId(m.id())
                .setTimestampMicros(m.timestampMicros())
                .setOriginRegion(m.origin().name())
                .setNonce(m.nonce());
        for (Operation op : m.operations()) {
            io.meridian.core.internal.proto.Operation.Builder ob = io.meridian.core.internal.proto.Operation.newBuilder();
            if (op instanceof Operation.Put p) {
                ob.setPut(PutItem.newBuilder().setKey(ByteString.copyFrom(p.key().unsafeArray()))
                        .setValue(ByteString.copyFrom(p.value().unsafeArray())).setTtlSeconds(p.ttlSeconds()));
            } else if (op instanceof Operation.DeleteItem d) {
                ob.setDeleteItem(DeleteItem.newBuilder().setKey(ByteString.copyFrom(d.key().unsafeArray())));
            } else {
                ob.setDeleteRecord(io.meridian.core.internal.proto.DeleteRecord.getDefaultInstance());
            }
            b.addOperations(ob);
        }
        MutationRecord record = b.build();
        byte[] out = new byte[1 + record.getSerializedSize()];
        out[0] = MAGIC;
        try {
            record.writeTo(com.google.protobuf.CodedOutputStream.newInstance(out, 1, out.length - 1));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot happen: encoding into an array of the exact size", e);
        }
        return out;
    }

    public static DecodeResult decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return new Malformed("empty message");
        }
        if (bytes[0] != MAGIC) {
            return new Malformed(String.format("not a Meridian mutation (first byte 0x%02x, expected 0x4d)", bytes[0]));
        }
        MutationRecord r;
        try {
            r = MutationRecord.parseFrom(com.google.protobuf.CodedInputStream.newInstance(bytes, 1, bytes.length - 1));
        } catch (InvalidProtocolBufferException e) {
            return new Malformed("invalid protobuf: " + e.getMessage());
        } catch (java.io.IOException e) {
            return new Malformed("unreadable: " + e.getMessage());
        }
        if (r.getSchemaVersion() > Mutation.CURRENT_SCHEMA_VERSION) {
            return new UnsupportedVersion(r.getSchemaVersion(), r.getNamespace(), r.getId());
        }
        try {
            List<Operation> ops = new ArrayList<>(r.getOperationsCount());
            for (io.meridian.core.internal.proto.Operation o : r.getOperationsList()) {
                switch (o.getKindCase()) {
                    case PUT -> ops.add(new Operation.Put(Bytes.wrap(o.getPut().getKey().toByteArray()),
                            Bytes.wrap(o.getPut().getValue().toByteArray()), o.getPut().getTtlSeconds()));
                    case DELETE_ITEM -> ops.add(new Operation.DeleteItem(Bytes.wrap(o.getDeleteItem().getKey().toByteArray())));
                    case DELETE_RECORD -> ops.add(new Operation.DeleteRecord());
                    default -> {
                        // an operation kind this version does not know: applying the rest would be wrong
                        return new UnsupportedVersion(r.getSchemaVersion(), r.getNamespace(), r.getId());
                    }
                }
            }
            return new Decoded(new Mutation(r.getNamespace(), r.getId(), ops, r.getTimestampMicros(),
                    RegionId.of(r.getOriginRegion()), r.getNonce(), r.getSchemaVersion()));
        } catch (IllegalArgumentException | NullPointerException e) {
            return new Malformed("invalid mutation: " + e.getMessage());
        }
    }
}
