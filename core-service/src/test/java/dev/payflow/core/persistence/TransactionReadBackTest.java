package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.LEDGER_ENTRIES;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.jooq.tables.records.LedgerEntriesRecord;
import dev.payflow.core.persistence.jooq.tables.records.TransactionsRecord;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Group commit's read-back, one query of one text whatever the number of ids, returns exactly what
 * the two jOOQ queries it replaced returned (kept below as the reference): every column, the wallet
 * entries only, in id order, with their transaction's description, for transactions of two
 * partners with two, one and no wallet entries.
 */
class TransactionReadBackTest {
    private static TestServer payflow;
    private static Database database;
    private static final LedgerRepository ledger = new LedgerRepository();
    /** Every transaction made, of both partners, in the order made. */
    private static final List<String> ids = new ArrayList<>();
    private static final Map<String, PartnerScope> scopes = new HashMap<>();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        TestDatabases.Coordinates db = payflow.database();
        database = Database.connect(db.jdbcUrl(), db.user(), db.password(), 2);
        for (int p = 0; p < 2; p++) {
            TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
            PartnerScope scope = new PartnerScope(partner.partnerId(), false);
            String key = partner.sandboxKey();
            Wallet a = payflow.newWallet(key, "USD");
            Wallet b = payflow.newWallet(key, "USD");
            for (int i = 0; i < 66; i++) {
                made(scope, payflow.credit(key, i % 2 == 0 ? a.getId() : b.getId(), "1." + String.format("%02d", i), "USD").getId());
            }
            for (int i = 0; i < 30; i++) {
                made(scope, payflow.transfer(key, i % 2 == 0 ? a.getId() : b.getId(), i % 2 == 0 ? b.getId() : a.getId(), "0.25", "USD").getId());
            }
            made(scope, payflow.debit(key, a.getId(), "0.50", "USD").getId());
            String holdId = payflow.holds(key).createHold(CreateHoldRequest.newBuilder().setWalletId(b.getId()).setAmount("2.00")
                    .setCurrency("USD").setIdempotencyKey(TestServer.newIdempotencyKey()).build()).getId();
            made(scope, payflow.holds(key).captureHold(CaptureHoldRequest.newBuilder().setId(holdId).setAmount("1.50")
                    .setIdempotencyKey(TestServer.newIdempotencyKey()).build()).getTransactionId());
            withoutWalletEntries(scope, a);
        }
    }

    @AfterAll
    static void stop() {
        database.close();
        payflow.close();
    }

    @Test
    void twoHundredIdsOfTwoPartnersReadBackAsTheTwoOldQueriesReadThem() {
        List<String> asked = new ArrayList<>(ids.subList(0, 200));
        asked.add("txn_not_there");

        Map<String, LedgerTransaction> read = ledger.findTransactionsOfAnyPartner(database.reader(), asked);

        assertThat(read).isEqualTo(oldFindTransactionsOfAnyPartner(database.reader(), asked));
        assertThat(read).hasSize(200).doesNotContainKey("txn_not_there");
        // What the comparison covered: both partners, and transactions with two, one and no wallet entries, a hold, a failure.
        assertThat(read.values().stream().map(LedgerTransaction::scope).distinct()).hasSize(2);
        assertThat(read.values().stream().map(t -> t.walletEntries().size()).collect(Collectors.toSet())).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(read.values()).anyMatch(t -> t.holdId().isPresent()).anyMatch(t -> t.failureReason().isPresent())
                .anyMatch(t -> t.gatewayTransactionId().isPresent()).anyMatch(t -> !t.metadataJson().equals("{}"));
    }

    @Test
    void readBacksOfOneAndTwoHundredIdsAreOneTextThatTheDriverKeepsPrepared() {
        List<String> prepared = database.inTransaction(tx -> {
            for (int round = 0; round < 3; round++) {
                assertThat(ledger.findTransactionsOfAnyPartner(tx, ids.subList(0, 1))).hasSize(1);
                assertThat(ledger.findTransactionsOfAnyPartner(tx, ids.subList(0, 200))).hasSize(200);
            }
            return tx.fetch("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%FROM transactions t%'")
                    .getValues(0, String.class);
        });

        assertThat(prepared).hasSize(1);
        assertThat(prepared.get(0)).contains("LEFT JOIN ledger_entries e").contains("ANY");
    }

    @Test
    void eachIdAloneReadsBackAsTheOldQueriesReadIt() {
        for (String id : ids) {
            Map<String, LedgerTransaction> read = ledger.findTransactionsOfAnyPartner(database.reader(), List.of(id));
            assertThat(read).hasSize(1).isEqualTo(oldFindTransactionsOfAnyPartner(database.reader(), List.of(id)));
            assertThat(ledger.findTransactionOfAnyPartner(database.reader(), id)).contains(read.get(id));
        }
        assertThat(ledger.findTransactionsOfAnyPartner(database.reader(), List.of("txn_not_there"))).isEmpty();
        assertThat(ledger.findTransactionsOfAnyPartner(database.reader(), List.of())).isEmpty();
    }

    @Test
    void aTransactionInItsScopeReadsBackAsTheOldScopedQueriesReadItAndIsAbsentFromAnotherScope() {
        PartnerScope elsewhere = new PartnerScope(scopes.get(ids.get(ids.size() - 1)).partnerId(), true);
        for (String id : ids) {
            PartnerScope scope = scopes.get(id);
            LedgerTransaction expected = oldFindTransactionsOfAnyPartner(database.reader(), List.of(id)).get(id);

            assertThat(ledger.findTransaction(database.reader(), scope, id)).contains(expected);
            PartnerScope other = scopes.values().stream().filter(s -> !s.equals(scope)).findFirst().orElseThrow();
            assertThat(ledger.findTransaction(database.reader(), other, id)).isEmpty();
            assertThat(ledger.findTransaction(database.reader(), elsewhere, id)).isEmpty();
        }
    }

    private static void made(PartnerScope scope, String id) {
        ids.add(id);
        scopes.put(id, scope);
    }

    /**
     * Transactions no movement books yet, written as they could be: failed without entries, pending
     * without entries, and completed between two system accounts (entries, none on a wallet).
     */
    private static void withoutWalletEntries(PartnerScope scope, Wallet wallet) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        CurrencyUnit usd = CurrencyUnit.of("USD");
        String suffix = UUID.randomUUID().toString().replace("-", "");
        database.inTransaction(tx -> {
            SystemAccountRepository accounts = new SystemAccountRepository();
            String clearing = accounts.ensure(tx, scope, usd, SystemAccountKind.GATEWAY_CLEARING, "simulated", "sys_c_" + suffix, now);
            String fees = accounts.ensure(tx, scope, usd, SystemAccountKind.GATEWAY_FEES, "simulated", "sys_f_" + suffix, now);
            Batch batch = new Batch();
            LedgerTransaction failed = new LedgerTransaction("txn_failed_" + suffix, scope, TransactionType.DEBIT, TransactionStatus.FAILED,
                    new Money(700, usd), "refused at the gateway", Optional.of(wallet.getId()), Optional.empty(), "k-failed-" + suffix, "simulated",
                    Optional.of("sim_" + suffix), Optional.of("card_declined"), "{\"b\": [1, 2], \"a\": \"x\"}", now, Optional.empty(),
                    Optional.empty(), List.of());
            LedgerTransaction pending = new LedgerTransaction("txn_pending_" + suffix, scope, TransactionType.CREDIT, TransactionStatus.PENDING,
                    new Money(800, usd), "", Optional.empty(), Optional.of(wallet.getId()), "k-pending-" + suffix, "simulated", Optional.empty(),
                    Optional.empty(), "{}", now, Optional.empty(), Optional.empty(), List.of());
            LedgerTransaction fee = new LedgerTransaction("txn_fee_" + suffix, scope, TransactionType.DEBIT, TransactionStatus.COMPLETED,
                    new Money(30, usd), "gateway fee", Optional.empty(), Optional.empty(), "k-fee-" + suffix, "simulated", Optional.empty(),
                    Optional.empty(), "{\"kind\": \"fee\"}", now, Optional.of(now), Optional.empty(), List.of());
            for (LedgerTransaction t : List.of(failed, pending, fee)) {
                ledger.insertTransaction(batch, tx, t);
            }
            ledger.insertEntries(batch, tx, scope, usd, now, List.of(
                    new LedgerRepository.EntryRow("ent_fee_a_" + suffix, fee.id(), Optional.empty(), Optional.of(clearing), 30, Optional.empty(),
                            Optional.empty()),
                    new LedgerRepository.EntryRow("ent_fee_b_" + suffix, fee.id(), Optional.empty(), Optional.of(fees), -30, Optional.empty(),
                            Optional.empty())));
            batch.execute(tx);
            for (LedgerTransaction t : List.of(failed, pending, fee)) {
                made(scope, t.id());
            }
            return null;
        });
    }

    // --- The reference: the two jOOQ queries the read-back was before it became one constant text ---

    private static Map<String, LedgerTransaction> oldFindTransactionsOfAnyPartner(DSLContext tx, Collection<String> ids) {
        List<TransactionsRecord> rows = tx.selectFrom(TRANSACTIONS).where(TRANSACTIONS.ID.in(ids)).fetch();
        Map<String, List<LedgerTransaction.WalletEntry>> entries = oldWalletEntries(tx, rows.stream().map(TransactionsRecord::getId).toList());
        Map<String, LedgerTransaction> found = new HashMap<>();
        rows.forEach(r -> found.put(r.getId(), oldTransaction(r, entries.getOrDefault(r.getId(), List.of()))));
        return found;
    }

    private static Map<String, List<LedgerTransaction.WalletEntry>> oldWalletEntries(DSLContext tx, List<String> transactionIds) {
        if (transactionIds.isEmpty()) {
            return Map.of();
        }
        return tx.select(LEDGER_ENTRIES.fields()).select(TRANSACTIONS.DESCRIPTION)
                .from(LEDGER_ENTRIES).join(TRANSACTIONS).on(TRANSACTIONS.ID.eq(LEDGER_ENTRIES.TRANSACTION_ID))
                .where(LEDGER_ENTRIES.TRANSACTION_ID.in(transactionIds)).and(LEDGER_ENTRIES.WALLET_ID.isNotNull())
                .orderBy(LEDGER_ENTRIES.ID)
                .fetch(r -> oldWalletEntry(r.into(LEDGER_ENTRIES), r.get(TRANSACTIONS.DESCRIPTION)))
                .stream()
                .collect(Collectors.groupingBy(LedgerTransaction.WalletEntry::transactionId));
    }

    private static LedgerTransaction.WalletEntry oldWalletEntry(LedgerEntriesRecord r, String description) {
        return new LedgerTransaction.WalletEntry(r.getId(), r.getTransactionId(), r.getWalletId(), CurrencyUnit.of(r.getCurrency()),
                r.getAmountMinor(), r.getBalanceAfterMinor(), r.getWalletSequence(), description, Timestamps.fromColumn(r.getCreatedAt()));
    }

    private static LedgerTransaction oldTransaction(TransactionsRecord r, List<LedgerTransaction.WalletEntry> entries) {
        JSONB metadata = r.getMetadata();
        return new LedgerTransaction(r.getId(), new PartnerScope(r.getPartnerId(), r.getLivemode()), TransactionType.fromWireName(r.getType()),
                TransactionStatus.fromWireName(r.getStatus()), new Money(r.getAmountMinor(), CurrencyUnit.of(r.getCurrency())),
                r.getDescription(), Optional.ofNullable(r.getFromWalletId()), Optional.ofNullable(r.getToWalletId()), r.getIdempotencyKey(),
                r.getGateway(), Optional.ofNullable(r.getGatewayTransactionId()), Optional.ofNullable(r.getFailureReason()),
                metadata.data(), Timestamps.fromColumn(r.getCreatedAt()), Optional.ofNullable(Timestamps.fromColumn(r.getCompletedAt())),
                Optional.ofNullable(r.getHoldId()), entries);
    }
}
