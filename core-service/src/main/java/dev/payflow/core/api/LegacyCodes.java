package dev.payflow.core.api;

import dev.payflow.core.domain.ErrorReason;
import java.util.Map;
import java.util.Optional;

/**
 * The error codes of the Connect service partners used before PayFlow ({@code CONNECT_001} ..
 * {@code CONNECT_004}), sent as ErrorInfo metadata {@code legacyCode} beside our reason so that
 * code written against the old service keeps working while it moves to the reasons.
 */
final class LegacyCodes {
    static final String METADATA_KEY = "legacyCode";

    private static final Map<ErrorReason, String> CODES = Map.of(
            ErrorReason.CONNECT_ACCOUNT_INVALID, "CONNECT_001",
            ErrorReason.CONNECT_OAUTH_FAILED, "CONNECT_002",
            ErrorReason.CONNECT_ROUTING_FAILED, "CONNECT_003",
            // The old service's WEBHOOK_INVALID: a webhook whose signature does not verify.
            ErrorReason.INVALID_SIGNATURE, "CONNECT_004");

    private LegacyCodes() {
    }

    static Optional<String> of(ErrorReason reason) {
        return Optional.ofNullable(CODES.get(reason));
    }
}
