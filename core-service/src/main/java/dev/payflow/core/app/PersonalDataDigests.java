package dev.payflow.core.app;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed digests of personal data (emails, names, addresses) for the records we keep longer than
 * the data itself (the audit trail, sign-in throttles): the same value always gives the same
 * digest, so records can still be searched and compared, but without the key a digest does not
 * reveal the value, and redacting the value elsewhere needs no edit here.
 */
public final class PersonalDataDigests {
    /** 128 bits of HMAC-SHA256: no collisions in practice, half the width to read. */
    private static final int DIGEST_HEX_CHARS = 32;
    private final SecretKeySpec key;

    /** @param keyMaterial at least 32 bytes; derived from a secret the deployment already keeps */
    public PersonalDataDigests(byte[] keyMaterial) {
        if (keyMaterial.length < 32) {
            throw new IllegalArgumentException("digest key: " + keyMaterial.length + " bytes (expected: at least 32)");
        }
        this.key = new SecretKeySpec(keyMaterial.clone(), "HmacSHA256");
    }

    /** {@code hmac:<hex>} of the value, or empty for an empty value. */
    public String digest(String value) {
        if (value == null || value.isEmpty()) {
            return "";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return "hmac:" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8))).substring(0, DIGEST_HEX_CHARS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** A key for this purpose derived from a deployment secret, so two purposes never share one key. */
    public static byte[] derive(byte[] secret, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(("payflow " + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
