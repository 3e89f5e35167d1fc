package dev.payflow.core.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Instants in the domain, OffsetDateTime (UTC) in jOOQ's timestamptz columns. */
final class Timestamps {
    private Timestamps() {
    }

    static OffsetDateTime toColumn(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant fromColumn(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }
}
