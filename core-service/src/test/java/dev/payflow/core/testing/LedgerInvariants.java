package dev.payflow.core.testing;

import static dev.payflow.core.persistence.jooq.Tables.HOLDS;
import static dev.payflow.core.persistence.jooq.Tables.LEDGER_ENTRIES;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static dev.payflow.core.persistence.jooq.Tables.WALLETS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.persistence.Database;
import java.math.BigDecimal;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** The ledger's rules (docs/ledger.md), checked by reading the books straight from PostgreSQL. */
public final class LedgerInvariants {
    private LedgerInvariants() {
    }

    public static void assertHold(Database database) {
        DSLContext db = database.reader();

        assertThat(db.select(LEDGER_ENTRIES.TRANSACTION_ID).from(LEDGER_ENTRIES).groupBy(LEDGER_ENTRIES.TRANSACTION_ID)
                .having(DSL.sum(LEDGER_ENTRIES.AMOUNT_MINOR).ne(BigDecimal.ZERO)).fetch())
                .as("transactions whose entries do not sum to zero").isEmpty();

        assertThat(db.select(LEDGER_ENTRIES.CURRENCY, LEDGER_ENTRIES.LIVEMODE).from(LEDGER_ENTRIES)
                .groupBy(LEDGER_ENTRIES.CURRENCY, LEDGER_ENTRIES.LIVEMODE)
                .having(DSL.sum(LEDGER_ENTRIES.AMOUNT_MINOR).ne(BigDecimal.ZERO)).fetch())
                .as("currencies and modes whose balances do not sum to zero").isEmpty();

        assertThat(db.select(TRANSACTIONS.ID).from(TRANSACTIONS)
                .where(TRANSACTIONS.STATUS.eq("completed"))
                .and(DSL.field(DSL.selectCount().from(LEDGER_ENTRIES).where(LEDGER_ENTRIES.TRANSACTION_ID.eq(TRANSACTIONS.ID))).lt(2))
                .fetch())
                .as("completed transactions with fewer than two entries").isEmpty();

        var perWallet = db.select(WALLETS.ID, WALLETS.BALANCE_MINOR, WALLETS.LAST_ENTRY_SEQUENCE,
                        DSL.coalesce(DSL.sum(LEDGER_ENTRIES.AMOUNT_MINOR), BigDecimal.ZERO),
                        DSL.count(LEDGER_ENTRIES.ID),
                        DSL.coalesce(DSL.max(LEDGER_ENTRIES.WALLET_SEQUENCE), 0L))
                .from(WALLETS).leftJoin(LEDGER_ENTRIES).on(LEDGER_ENTRIES.WALLET_ID.eq(WALLETS.ID))
                .groupBy(WALLETS.ID, WALLETS.BALANCE_MINOR, WALLETS.LAST_ENTRY_SEQUENCE)
                .fetch();
        for (var row : perWallet) {
            String wallet = row.value1();
            assertThat(row.value2()).as("balance of %s is not negative", wallet).isNotNegative();
            assertThat(row.value4().longValueExact()).as("balance of %s equals the sum of its entries", wallet).isEqualTo(row.value2());
            assertThat((long) row.value5()).as("entries of %s are numbered 1..n without gaps", wallet).isEqualTo(row.value6());
            assertThat(row.value6()).as("last entry sequence of %s", wallet).isEqualTo(row.value3());
            Long lastBalance = db.select(LEDGER_ENTRIES.BALANCE_AFTER_MINOR).from(LEDGER_ENTRIES)
                    .where(LEDGER_ENTRIES.WALLET_ID.eq(wallet)).orderBy(LEDGER_ENTRIES.WALLET_SEQUENCE.desc()).limit(1)
                    .fetchOptional(LEDGER_ENTRIES.BALANCE_AFTER_MINOR).orElse(0L);
            assertThat(lastBalance).as("balance of %s equals its last entry's running balance", wallet).isEqualTo(row.value2());
        }

        // Available balance = balance - open holds, always: each wallet's reservation is the sum of its pending holds.
        var reservations = db.select(WALLETS.ID, WALLETS.BALANCE_MINOR, WALLETS.HELD_MINOR,
                        DSL.coalesce(DSL.sum(HOLDS.AMOUNT_MINOR), BigDecimal.ZERO))
                .from(WALLETS).leftJoin(HOLDS).on(HOLDS.WALLET_ID.eq(WALLETS.ID).and(HOLDS.STATUS.eq("pending")))
                .groupBy(WALLETS.ID, WALLETS.BALANCE_MINOR, WALLETS.HELD_MINOR)
                .fetch();
        for (var row : reservations) {
            assertThat(row.value3()).as("held amount of %s equals the sum of its pending holds", row.value1())
                    .isEqualTo(row.value4().longValueExact());
            assertThat(row.value3()).as("held amount of %s is within its balance", row.value1()).isBetween(0L, row.value2());
        }
        assertThat(db.select(HOLDS.ID).from(HOLDS).where(HOLDS.STATUS.eq("captured"))
                .andNotExists(DSL.selectOne().from(TRANSACTIONS).where(TRANSACTIONS.ID.eq(HOLDS.TRANSACTION_ID))
                        .and(TRANSACTIONS.HOLD_ID.eq(HOLDS.ID)).and(TRANSACTIONS.AMOUNT_MINOR.eq(HOLDS.CAPTURED_MINOR)))
                .fetch())
                .as("captured holds without their capture transaction").isEmpty();

        assertThat(db.select(LEDGER_ENTRIES.ID).from(LEDGER_ENTRIES)
                .where(LEDGER_ENTRIES.WALLET_ID.isNotNull())
                .and(LEDGER_ENTRIES.BALANCE_AFTER_MINOR.ne(DSL.select(DSL.sum(DSL.field("e2.amount_minor", Long.class)).cast(Long.class))
                        .from(LEDGER_ENTRIES.as("e2"))
                        .where(DSL.field("e2.wallet_id", String.class).eq(LEDGER_ENTRIES.WALLET_ID))
                        .and(DSL.field("e2.wallet_sequence", Long.class).le(LEDGER_ENTRIES.WALLET_SEQUENCE))))
                .fetch())
                .as("wallet entries whose running balance is not the sum of the entries up to them").isEmpty();
    }
}
