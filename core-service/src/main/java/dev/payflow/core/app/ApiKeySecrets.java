package dev.payflow.core.app;

import dev.payflow.core.domain.Text;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The secret form of API keys: {@code sk_test_} or {@code sk_live_} and 43 base62 characters
 * (256 bits from a secure generator). Stored only as a SHA-256 hash: the keys are random enough
 * that a slow password hash would add nothing but latency to every call.
 */
public final class ApiKeySecrets {
    static final String SANDBOX_PREFIX = "sk_test_";
    static final String LIVE_PREFIX = "sk_live_";
    /** 43 base62 characters carry 256 bits (43 * log2(62) = 256.03). */
    private static final int RANDOM_LENGTH = 43;
    /** Enough to tell keys apart in a list, far too little to guess the rest. */
    private static final int DISPLAY_RANDOM_CHARS = 4;
    private static final Pattern SHAPE = Pattern.compile("sk_(test|live)_[0-9A-Za-z]{" + RANDOM_LENGTH + "}");

    private ApiKeySecrets() {
    }

    public record Secret(String value, String displayPrefix, String hashHex) {
        @Override
        public String toString() {
            return "Secret[" + displayPrefix + "...]";
        }
    }

    static Secret generate(boolean livemode, SecureRandom random) {
        String prefix = livemode ? LIVE_PREFIX : SANDBOX_PREFIX;
        int prefixLength = prefix.length();
        String value = prefix + Text.randomBase62(random, RANDOM_LENGTH);
        return new Secret(value, value.substring(0, prefixLength + DISPLAY_RANDOM_CHARS), hash(value));
    }

    /** Whether the presented key is a production key (true, sk_live_) or a sandbox key (false, sk_test_), or empty if it is not shaped like a key at all. */
    public static Optional<Boolean> livemodeOf(String presented) {
        if (presented == null || !SHAPE.matcher(presented).matches()) {
            return Optional.empty();
        }
        return Optional.of(presented.startsWith(LIVE_PREFIX));
    }

    public static String hash(String presented) {
        return Text.sha256Hex(presented);
    }
}
