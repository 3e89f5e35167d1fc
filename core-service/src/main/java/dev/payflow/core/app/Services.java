package dev.payflow.core.app;

import dev.payflow.core.domain.Ids;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What every use case needs from outside: the clock and randomness (passed in, so tests control
 * them) and the id generator built on both.
 */
public record Services(Clock clock, SecureRandom random, Ids ids) {
    public Services {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(ids, "ids");
    }

    public static Services system() {
        Clock clock = Clock.systemUTC();
        SecureRandom random = new SecureRandom();
        return new Services(clock, random, new Ids(clock, random));
    }

    /** Now, at PostgreSQL's precision (microseconds), so what we return equals what we store and read back. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
