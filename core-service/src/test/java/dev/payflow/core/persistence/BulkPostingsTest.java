package dev.payflow.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one statement group commit writes a batch's transfers with: every row lands as meant, and a
 * wallet that no longer holds what the batch read is not overwritten; the whole write fails.
 */
class BulkPostingsTest {
    private static TestServer payflow;
    private static Database database;
    private static TestServer.PartnerKeys partner;
    private static PartnerScope scope;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        TestDatabases.Coordinates db = payflow.database();
        database = Database.connect(db.jdbcUrl(), db.user(), db.password(), 2);
        partner = payflow.onboard(Partner.Status.active);
        scope = new PartnerScope(partner.partnerId(), false);
    }

    @AfterAll
    static void stop() {
        database.close();
        payflow.close();
    }

    @Test
    void twoTransfersThroughOneWalletAreWrittenInOneStatement() {
        Wallet a = funded("5.00");
        Wallet b = payflow.newWallet(partner.sandboxKey(), "USD");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

        database.inTransaction(tx -> {
            BulkPostings postings = new BulkPostings(now);
            postings.add(transfer("txn_bulk_1_" + a.getId(), a, b, 100, now), List.of(
                    entry("ent_bulk_1a_" + a.getId(), "txn_bulk_1_" + a.getId(), a, -100, 400, 2),
                    entry("ent_bulk_1b_" + a.getId(), "txn_bulk_1_" + a.getId(), b, 100, 100, 1)));
            postings.add(transfer("txn_bulk_2_" + a.getId(), a, b, 150, now), List.of(
                    entry("ent_bulk_2a_" + a.getId(), "txn_bulk_2_" + a.getId(), a, -150, 250, 3),
                    entry("ent_bulk_2b_" + a.getId(), "txn_bulk_2_" + a.getId(), b, 150, 250, 2)));
            claim(tx, "txn_bulk_1_" + a.getId(), now);
            claim(tx, "txn_bulk_2_" + a.getId(), now);
            // Each wallet once: guarded by its row as read, set to its state after both transfers.
            Map<String, LedgerTransaction> written = postings.execute(tx, List.of(
                    new BulkPostings.WalletUpdate(a.getId(), scope, 500, 0, 1, 250, 0, 3),
                    new BulkPostings.WalletUpdate(b.getId(), scope, 0, 0, 0, 250, 0, 2)));
            // The statement answers with the rows as stored: what a query of them in the same transaction reads, entries in id order.
            assertThat(written).containsOnlyKeys("txn_bulk_1_" + a.getId(), "txn_bulk_2_" + a.getId())
                    .isEqualTo(new LedgerRepository().findTransactionsOfAnyPartner(tx, written.keySet()));
            assertThat(written.get("txn_bulk_1_" + a.getId()).walletEntries()).extracting(LedgerTransaction.WalletEntry::id)
                    .containsExactly("ent_bulk_1a_" + a.getId(), "ent_bulk_1b_" + a.getId());
            return null;
        });

        assertThat(payflow.balanceOf(partner.sandboxKey(), a.getId())).isEqualTo("2.50");
        assertThat(payflow.balanceOf(partner.sandboxKey(), b.getId())).isEqualTo("2.50");
        LedgerTransaction second = new LedgerRepository().findTransaction(database.reader(), scope, "txn_bulk_2_" + a.getId()).orElseThrow();
        assertThat(second.walletEntries()).extracting(LedgerTransaction.WalletEntry::balanceAfterMinor).containsExactlyInAnyOrder(250L, 250L);
        assertThat(second.completedAt()).contains(now);
    }

    @Test
    void aWalletThatChangedSinceItWasReadFailsTheWholeWrite() {
        Wallet a = funded("5.00");
        Wallet b = payflow.newWallet(partner.sandboxKey(), "USD");
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String id = "txn_stale_" + a.getId();

        assertThatThrownBy(() -> database.inTransaction(tx -> {
            BulkPostings postings = new BulkPostings(now);
            postings.add(transfer(id, a, b, 100, now), List.of(entry("ent_stale_a_" + a.getId(), id, a, -100, 900, 2),
                    entry("ent_stale_b_" + a.getId(), id, b, 100, 100, 1)));
            claim(tx, id, now);
            // As if the batch had read a balance of 10.00: the row holds 5.00, so the guard matches nothing.
            postings.execute(tx, List.of(new BulkPostings.WalletUpdate(a.getId(), scope, 1_000, 0, 1, 900, 0, 2),
                    new BulkPostings.WalletUpdate(b.getId(), scope, 0, 0, 0, 100, 0, 1)));
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("a wallet changed since it was read");

        assertThat(payflow.balanceOf(partner.sandboxKey(), a.getId())).isEqualTo("5.00");
        assertThat(payflow.balanceOf(partner.sandboxKey(), b.getId())).isEqualTo("0.00");
        assertThat(new LedgerRepository().findTransaction(database.reader(), scope, id)).isEmpty();
    }

    private static Wallet funded(String amount) {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), amount, "USD");
        return wallet;
    }

    private static LedgerTransaction transfer(String id, Wallet from, Wallet to, long minor, Instant now) {
        return new LedgerTransaction(id, scope, TransactionType.TRANSFER, TransactionStatus.COMPLETED, new Money(minor, CurrencyUnit.of("USD")),
                "bulk", Optional.of(from.getId()), Optional.of(to.getId()), id, "", Optional.empty(), Optional.empty(), "{}", now,
                Optional.of(now), Optional.empty(), List.of());
    }

    private static LedgerRepository.EntryRow entry(String id, String transactionId, Wallet wallet, long minor, long balanceAfter, long sequence) {
        return new LedgerRepository.EntryRow(id, transactionId, Optional.of(wallet.getId()), Optional.empty(), minor, Optional.of(balanceAfter),
                Optional.of(sequence));
    }

    /** The key each transaction's outcome is recorded on (the transaction's id serves as its key here). */
    private static void claim(org.jooq.DSLContext tx, String key, Instant now) {
        assertThat(new IdempotencyRepository().claim(tx, scope, key, "transfer", "f", now)).isEqualTo(IdempotencyRepository.Claim.CLAIMED);
    }
}
