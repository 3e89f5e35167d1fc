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
    void anIdOfTheWrongTypeOrShapeIsNotValid() {
        String wallet = new Ids(Clock.systemUTC(), new SecureRandom()).next(IdPrefix.WALLET);

        assertThat(Ids.isValid(wallet, IdPrefix.WALLET)).isTrue();
        assertThat(Ids.isValid("txn_" + wallet.substring(4), IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid(wallet + "0", IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid(wallet.toUpperCase(), IdPrefix.WALLET)).isFalse();
        assertThat(Ids.isValid("wal_" + "u".repeat(26), IdPrefix.WALLET)).as("u is not in Crockford base32").isFalse();
    }
}
