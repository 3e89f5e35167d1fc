package dev.payflow.core.api;

import dev.payflow.core.app.KeyUsage;
import dev.payflow.core.domain.PartnerSettings;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the interceptor chain needs to log, limit and count calls.
 *
 * @param callLog               where the one JSON line per call goes
 * @param settingsOf            reads a partner's settings (its rate limit), at most every few seconds per partner
 * @param keyUsage              counts each key's calls in memory, flushed by a worker
 * @param rateLimitPerSecond    the default when a partner has none of its own (whole service)
 * @param rateLimitBurst        likewise
 * @param replicas              replicas sharing those limits: this one enforces its share
 * @param authFailuresPerMinute failed authentications allowed per source address
 * @param clock                 the service's clock (buckets refill as it advances)
 */
public record TrafficControls(CallLog callLog, Function<String, PartnerSettings> settingsOf, KeyUsage keyUsage, int rateLimitPerSecond,
        int rateLimitBurst, int replicas, int authFailuresPerMinute, Clock clock) {
    public TrafficControls {
        Objects.requireNonNull(callLog, "callLog");
        Objects.requireNonNull(settingsOf, "settingsOf");
        Objects.requireNonNull(keyUsage, "keyUsage");
        Objects.requireNonNull(clock, "clock");
    }

    /** No log, no usage counts, and limits no test of the chain alone reaches. */
    static TrafficControls unlimited() {
        return new TrafficControls(CallLog.OFF, partnerId -> PartnerSettings.DEFAULTS, KeyUsage.NONE, PartnerSettings.RATE_LIMIT_MAX,
                PartnerSettings.RATE_LIMIT_MAX, 1, PartnerSettings.RATE_LIMIT_MAX, Clock.systemUTC());
    }
}
