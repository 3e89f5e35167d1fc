package dev.payflow.core.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One admin action in the audit trail, chained to its predecessor by hash. The hash covers every
 * field (length-prefixed, so no two different records serialise alike) and the previous record's
 * hash; changing, removing or inserting a record therefore breaks the chain from that record on.
 */
public record AuditRecord(long seq, Instant occurredAt, String actorId, String actorRole, String action, String target, String outcome,
        String reason, String before, String after, String requestId, String sourceDigest, String previousHash, String hash) {
    /** The previous hash of the first record. */
    public static final String GENESIS_HASH = "0".repeat(64);

    public AuditRecord {
        Objects.requireNonNull(occurredAt, "occurredAt");
        for (String field : List.of(actorId, actorRole, action, target, outcome, reason, before, after, requestId, sourceDigest, previousHash,
                hash)) {
            Objects.requireNonNull(field, "an audit record field");
        }
    }

    /** The hash this record must carry, given its fields and its predecessor's hash. */
    public String expectedHash() {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            // Microseconds: the database's precision, so a record read back hashes as written.
            long micros = Math.addExact(Math.multiplyExact(occurredAt.getEpochSecond(), 1_000_000L), occurredAt.getNano() / 1_000);
            for (String field : List.of(previousHash, Long.toString(seq), Long.toString(micros), actorId, actorRole, action, target, outcome,
                    reason, before, after, requestId, sourceDigest)) {
                byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                sha256.update((bytes.length + ":").getBytes(StandardCharsets.US_ASCII));
                sha256.update(bytes);
                sha256.update((byte) ';');
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** This record with its chain fields filled in after {@code previous} (null for the first record). */
    public AuditRecord chainedAfter(long previousSeq, String previousHashValue) {
        AuditRecord unsealed = new AuditRecord(previousSeq + 1, occurredAt, actorId, actorRole, action, target, outcome, reason, before, after,
                requestId, sourceDigest, previousHashValue, "");
        return new AuditRecord(unsealed.seq, occurredAt, actorId, actorRole, action, target, outcome, reason, before, after, requestId,
                sourceDigest, previousHashValue, unsealed.expectedHash());
    }
}
