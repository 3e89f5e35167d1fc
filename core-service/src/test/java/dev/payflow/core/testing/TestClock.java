package dev.payflow.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The clock of a test server, which the test moves forward instead of sleeping. It runs with the
 * system clock (so timestamps stay near the real time that PostgreSQL and the tests' own
 * {@code Instant.now()} see), plus the total of every {@link #advance}; an advance is therefore
 * seen by the very next reading, and readings never go backwards because of it.
 */
public final class TestClock extends Clock {
    private final Clock base;
    private volatile Duration offset = Duration.ZERO;

    private TestClock(Clock base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /** A clock that runs with the system clock until advanced. */
    public static TestClock system() {
        return new TestClock(Clock.systemUTC());
    }

    /** A clock that stands still at {@code start} until advanced, for tests that assert exact instants. */
    public static TestClock frozenAt(Instant start) {
        return new TestClock(Clock.fixed(start, ZoneOffset.UTC));
    }

    /** Moves the clock forward by {@code step} (at least a microsecond, PostgreSQL's precision, so the move is never lost). */
    public synchronized void advance(Duration step) {
        if (step.compareTo(Duration.ofNanos(1_000)) < 0) {
            throw new IllegalArgumentException("step: " + step + " (expected: at least 1 microsecond)");
        }
        offset = offset.plus(step);
    }

    @Override
    public Instant instant() {
        return base.instant().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock is UTC, like the service's");
    }
}
