package dev.payflow.core.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * The five headers PayPal sends with a webhook delivery ({@code PAYPAL-TRANSMISSION-ID},
 * {@code -TIME}, {@code -SIG}, {@code PAYPAL-CERT-URL}, {@code PAYPAL-AUTH-ALGO}), as received;
 * any may be missing, and then PayPal is not asked about the delivery at all.
 */
public record PayPalTransmission(Optional<String> id, Optional<String> time, Optional<String> signature, Optional<String> certUrl,
        Optional<String> authAlgo) {
    public PayPalTransmission {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(certUrl, "certUrl");
        Objects.requireNonNull(authAlgo, "authAlgo");
    }
}
