package dev.payflow.core.webhook;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.util.SecretBytes;
import dev.payflow.core.domain.PartnerScope;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * Webhook signing secrets at rest: AES-256-GCM through Tink, with the endpoint's partner and mode
 * as associated data, so a ciphertext copied onto another partner's row does not open.
 */
public final class SecretBox {
    /** AES-256. */
    public static final int KEY_BYTES = 32;

    private final Aead aead;

    private SecretBox(Aead aead) {
        this.aead = aead;
    }

    public static SecretBox of(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("encryption key: " + key.length + " bytes (expected: " + KEY_BYTES + ")");
        }
        try {
            AesGcmParameters parameters = AesGcmParameters.builder().setKeySizeBytes(KEY_BYTES).setIvSizeBytes(12).setTagSizeBytes(16)
                    .setVariant(AesGcmParameters.Variant.NO_PREFIX).build();
            AesGcmKey aesKey = AesGcmKey.builder().setParameters(parameters)
                    .setKeyBytes(SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get())).build();
            return new SecretBox(AesGcmJce.create(aesKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    public byte[] seal(PartnerScope scope, String secret) {
        try {
            return aead.encrypt(secret.getBytes(StandardCharsets.UTF_8), associatedData(scope));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt a webhook secret", e);
        }
    }

    public String open(PartnerScope scope, byte[] ciphertext) {
        try {
            return new String(aead.decrypt(ciphertext, associatedData(scope)), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            // A wrong PAYFLOW_ENCRYPTION_KEY, or a row that was tampered with: never a partner's error.
            throw new IllegalStateException("the webhook secret of " + scope + " does not decrypt with this PAYFLOW_ENCRYPTION_KEY", e);
        }
    }

    private static byte[] associatedData(PartnerScope scope) {
        return ("webhook-secret:" + scope.partnerId() + ":" + scope.livemode()).getBytes(StandardCharsets.UTF_8);
    }
}
