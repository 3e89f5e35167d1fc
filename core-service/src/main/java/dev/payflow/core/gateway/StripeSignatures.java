package dev.payflow.core.gateway;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stripe's webhook signature: {@code Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "t.payload">[,v1=...]}, checked over the exact bytes received (never a re-encoded string),
 * against every configured secret, in constant time. The timestamp must be within the tolerance
 * both ways: stripe-java checks only the past, but a signature from the future is as suspect as a
 * stale one.
 */
public final class StripeSignatures {
    /** Stripe's own default tolerance. */
    public static final Duration TOLERANCE = Duration.ofSeconds(300);
    /** A header is a timestamp and a few signatures; anything longer is not Stripe's. */
    private static final int HEADER_LENGTH_MAX = 1_024;

    /** A webhook secret and the mode it belongs to. */
    public record Secret(String value, boolean livemode) {
        public Secret {
            Objects.requireNonNull(value, "value");
        }
    }

    /** Why a signature was refused: said in the log and the error message, never with the body. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final List<Secret> secrets;

    public StripeSignatures(List<Secret> secrets) {
        this.secrets = List.copyOf(secrets);
    }

    /** The mode of the secret that signed {@code payload}, or why the signature is refused. */
    public boolean verify(byte[] payload, Optional<String> header, Instant now) throws Refused {
        String value = header.filter(h -> !h.isBlank()).orElseThrow(() -> new Refused("no Stripe-Signature header"));
        if (value.length() > HEADER_LENGTH_MAX) {
            throw new Refused("a Stripe-Signature header of " + value.length() + " characters (expected: at most " + HEADER_LENGTH_MAX + ")");
        }
        Long timestamp = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : value.split(",")) {
            int equals = part.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String name = part.substring(0, equals).trim();
            String text = part.substring(equals + 1).trim();
            if (name.equals("t")) {
                try {
                    timestamp = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new Refused("a Stripe-Signature timestamp that is not a number");
                }
            } else if (name.equals("v1")) {
                try {
                    signatures.add(HexFormat.of().parseHex(text));
                } catch (IllegalArgumentException e) {
                    // Not hex: cannot match; other v1 values may.
                }
            }
        }
        if (timestamp == null || signatures.isEmpty()) {
            throw new Refused("a Stripe-Signature header without a timestamp and a v1 signature");
        }
        Optional<Secret> signer = Optional.empty();
        for (Secret secret : secrets) {
            byte[] expected = hmac(secret.value(), timestamp, payload);
            for (byte[] signature : signatures) {
                if (MessageDigest.isEqual(expected, signature)) {
                    signer = Optional.of(secret);
                }
            }
        }
        if (signer.isEmpty()) {
            throw new Refused("no configured webhook secret made this signature");
        }
        long skewSeconds = now.getEpochSecond() - timestamp;
        if (skewSeconds > TOLERANCE.toSeconds()) {
            throw new Refused("a signature timestamped " + skewSeconds + " s ago (tolerance: " + TOLERANCE.toSeconds() + " s)");
        }
        if (-skewSeconds > TOLERANCE.toSeconds()) {
            throw new Refused("a signature timestamped " + -skewSeconds + " s in the future (tolerance: " + TOLERANCE.toSeconds() + " s)");
        }
        return signer.get().livemode();
    }

    /** HMAC-SHA256 of {@code "<timestamp>.<payload>"} with the secret, as Stripe signs. */
    public static byte[] hmac(String secret, long timestamp, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
