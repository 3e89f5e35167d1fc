package dev.payflow.core.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsCarryTheirPrefixAndSortByCreationTime() {
        List<String> ids = new ArrayList<>();
        for (long millis = 1_700_000_000_000L; millis < 1_700_000_000_000L + 5_000; millis += 997) {
            ids.add(new Ids(Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC), new SecureRandom()).next(IdPrefix.WALLET));
        }

        assertThat(ids).allMatch(id -> Ids.isValid(id, IdPrefix.WALLET)).isSorted();
        assertThat(ids).noneMatch(id -> Ids.isValid(id, IdPrefix.TRANSACTION));
    }

    @Test
    void idsMadeInTheSameMillisecondOrEvenWhenTheClockStepsBackStillSortInCreationOrder() {
        java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis.get());
            }
        };
        Ids ids = new Ids(clock, new SecureRandom());
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            made.add(ids.next(IdPrefix.TRANSACTION));
            if (i == 2_000) {
                millis.addAndGet(-50);
            }
        }

        assertThat(made).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void anIdOfTheWrongTypeOrShapeIsNotValid() {
        String wallet = new Ids(Clock.systemUTC(), new SecureRandom()).next(IdPrefix.WALLET);

        assertThat(Ids.isValid(wallet, IdPrefix.WALLET)).isTrue();
        assertThat(Ids.isValid("txn_" + wallet.substring(4), IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid(wallet + "0", IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid(wallet.toUpperCase(), IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid("wal_" + "u".repeat(26), IdPrefix.WALLET)).as("u is not in Crockford base32").isFalse();
    }
}
