package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.testing.ApiErrors;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The database itself keeps the books append-only and balanced (V2's triggers), and after money
 * moved through the API in every way, including concurrently, the books read straight from
 * PostgreSQL over plain JDBC satisfy the ledger's rules (docs/ledger.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerImmutabilityTest {
    /** PostgreSQL's restrict_violation, raised by the append-only triggers. */
    private static final String RESTRICT_VIOLATION = "23001";
    /** PostgreSQL's check_violation, raised by CHECK constraints and the balanced-transaction trigger. */
    private static final String CHECK_VIOLATION = "23514";
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    private static Wallet usd;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);

        usd = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet usdToo = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet yen = payflow.newWallet(partner.sandboxKey(), "JPY");
        Wallet yenToo = payflow.newWallet(partner.sandboxKey(), "JPY");
        Wallet dinar = payflow.newWallet(partner.sandboxKey(), "KWD");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        Wallet production = payflow.newWallet(partner.productionKey(), "USD");

        credit(partner.sandboxKey(), usd, "100.00");
        credit(partner.sandboxKey(), usdToo, "0.01");
        debit(partner.sandboxKey(), usd, "12.34");
        transfer(partner.sandboxKey(), usd, usdToo, "40.00");
        transfer(partner.sandboxKey(), usdToo, usd, "0.01");
        credit(partner.sandboxKey(), yen, "5000");
        transfer(partner.sandboxKey(), yen, yenToo, "1234");
        debit(partner.sandboxKey(), yenToo, "1");
        credit(partner.sandboxKey(), dinar, "1.250");
        debit(partner.sandboxKey(), dinar, "0.001");
        credit(otherPartner.sandboxKey(), theirs, "77.77");
        debit(otherPartner.sandboxKey(), theirs, "7.77");
        // Refusals must leave no trace in the books.
        assertGrpcError(() -> debit(partner.sandboxKey(), usd, "1000.00"), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> transfer(partner.sandboxKey(), yenToo, yen, "100000"), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> debit(partner.productionKey(), production, "1.00"), Status.Code.FAILED_PRECONDITION, "INSUFFICIENT_FUNDS");
        assertGrpcError(() -> credit(partner.productionKey(), production, "1.00"), Status.Code.INVALID_ARGUMENT, "PAYMENT_METHOD_REQUIRED");
        Wallet frozen = payflow.newWallet(partner.sandboxKey(), "USD");
        credit(partner.sandboxKey(), frozen, "3.00");
        payflow.wallets(partner.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(frozen.getId()).setStatus(Wallet.Status.frozen).build());
        assertGrpcError(() -> transfer(partner.sandboxKey(), frozen, usd, "1.00"), Status.Code.FAILED_PRECONDITION, "WALLET_FROZEN");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    @Order(1)
    void concurrentTransfersAndDebitsAmongFourWalletsKeepTheirTotal() throws Exception {
        List<Wallet> wallets = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
            credit(partner.sandboxKey(), wallet, "100.00");
            wallets.add(wallet);
        }
        int threads = 6;
        int movesPerThread = 20;
        CyclicBarrier start = new CyclicBarrier(threads);
        ConcurrentLinkedQueue<Long> debitedMinor = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(1000 + t);
                done.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    for (int m = 0; m < movesPerThread; m++) {
                        Wallet from = wallets.get(random.nextInt(4));
                        Wallet to = wallets.get(random.nextInt(4));
                        long amount = 1 + random.nextInt(3_000);
                        try {
                            if (from == to) {
                                debit(partner.sandboxKey(), from, cents(amount));
                                debitedMinor.add(amount);
                            } else {
                                transfer(partner.sandboxKey(), from, to, cents(amount));
                            }
                        } catch (StatusRuntimeException e) {
                            String reason = ApiErrors.errorInfo(StatusProto.fromThrowable(e)).getReason();
                            if (!reason.equals("INSUFFICIENT_FUNDS")) {
                                unexpected.add(e.getStatus().getCode() + " " + reason + ": " + e.getStatus().getDescription());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(unexpected).as("refusals other than INSUFFICIENT_FUNDS").isEmpty();
        long total = wallets.stream().mapToLong(w -> minor(balanceOf(w))).sum();
        assertThat(total).isEqualTo(40_000 - debitedMinor.stream().mapToLong(Long::longValue).sum());
        assertThat(wallets).allSatisfy(w -> assertThat(minor(balanceOf(w))).isNotNegative());
    }

    @Test
    @Order(2)
    void updatingALedgerEntryIsRefusedAsAppendOnly() throws SQLException {
        try (Connection db = connect()) {
            String entryId = queryString(db, "SELECT id FROM ledger_entries WHERE wallet_id = '" + usd.getId() + "' ORDER BY wallet_sequence LIMIT 1");
            long amountBefore = queryLong(db, "SELECT amount_minor FROM ledger_entries WHERE id = '" + entryId + "'");

            SQLException refused = catchThrowableOfType(SQLException.class,
                    () -> execute(db, "UPDATE ledger_entries SET amount_minor = amount_minor + 100000 WHERE id = '" + entryId + "'"));
            SQLException refusedForAll = catchThrowableOfType(SQLException.class,
                    () -> execute(db, "UPDATE ledger_entries SET balance_after_minor = 0"));

            assertThat((Throwable) refused).as("UPDATE of one entry").isNotNull();
            assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refused.getMessage()).contains("append-only").contains("UPDATE");
            assertThat((Throwable) refusedForAll).as("UPDATE of every entry").isNotNull();
            assertThat(refusedForAll.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refusedForAll.getMessage()).contains("append-only").contains("UPDATE");
            assertThat(queryLong(db, "SELECT amount_minor FROM ledger_entries WHERE id = '" + entryId + "'")).isEqualTo(amountBefore);
        }
    }

    @Test
    @Order(3)
    void deletingLedgerEntriesIsRefusedAsAppendOnly() throws SQLException {
        try (Connection db = connect()) {
            long entriesBefore = queryLong(db, "SELECT count(*) FROM ledger_entries");

            SQLException refused = catchThrowableOfType(SQLException.class, () -> execute(db, "DELETE FROM ledger_entries"));
            SQLException refusedForOne = catchThrowableOfType(SQLException.class,
                    () -> execute(db, "DELETE FROM ledger_entries WHERE wallet_id = '" + usd.getId() + "'"));

            assertThat((Throwable) refused).as("DELETE of every entry").isNotNull();
            assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refused.getMessage()).contains("append-only").contains("DELETE");
            assertThat((Throwable) refusedForOne).as("DELETE of one wallet's entries").isNotNull();
            assertThat(refusedForOne.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refusedForOne.getMessage()).contains("append-only").contains("DELETE");
            assertThat(queryLong(db, "SELECT count(*) FROM ledger_entries")).isEqualTo(entriesBefore).isPositive();
        }
    }

    @Test
    @Order(4)
    void truncatingLedgerEntriesIsRefusedAsAppendOnly() throws SQLException {
        try (Connection db = connect()) {
            long entriesBefore = queryLong(db, "SELECT count(*) FROM ledger_entries");

            SQLException refused = catchThrowableOfType(SQLException.class, () -> execute(db, "TRUNCATE ledger_entries"));

            assertThat((Throwable) refused).isNotNull();
            assertThat(refused.getSQLState()).isEqualTo(RESTRICT_VIOLATION);
            assertThat(refused.getMessage()).contains("append-only").contains("TRUNCATE");
            assertThat(queryLong(db, "SELECT count(*) FROM ledger_entries")).isEqualTo(entriesBefore);
        }
    }

    @Test
    @Order(5)
    void anUnbalancedPairOfEntriesForANewTransactionIsRefusedAtCommit() throws SQLException {
        try (Connection db = connect()) {
            String clearing = systemAccount(db, "gateway_clearing");
            String settlement = systemAccount(db, "settlement");
            String transactionId = "txn_tamper" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
            long entriesBefore = queryLong(db, "SELECT count(*) FROM ledger_entries");
            db.setAutoCommit(false);

            insertTransaction(db, transactionId);
            insertSystemEntry(db, transactionId, clearing, 10_000);
            insertSystemEntry(db, transactionId, settlement, -5_000);
            SQLException refused = catchThrowableOfType(SQLException.class, db::commit);
            db.rollback();
            db.setAutoCommit(true);

            assertThat((Throwable) refused).as("COMMIT of entries summing to 5000").isNotNull();
            assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
            assertThat(refused.getMessage()).contains(transactionId).contains("not zero");
            assertThat(queryLong(db, "SELECT count(*) FROM transactions WHERE id = '" + transactionId + "'")).isZero();
            assertThat(queryLong(db, "SELECT count(*) FROM ledger_entries")).isEqualTo(entriesBefore);
        }
    }

    @Test
    @Order(6)
    void anExtraEntryThatUnbalancesAnExistingTransactionIsRefusedAtCommit() throws SQLException {
        try (Connection db = connect()) {
            String settlement = systemAccount(db, "settlement");
            String existing = queryString(db, "SELECT transaction_id FROM ledger_entries WHERE wallet_id = '" + usd.getId()
                    + "' ORDER BY wallet_sequence LIMIT 1");
            db.setAutoCommit(false);

            insertSystemEntry(db, existing, settlement, 1);
            SQLException refused = catchThrowableOfType(SQLException.class, db::commit);
            db.rollback();
            db.setAutoCommit(true);

            assertThat((Throwable) refused).as("COMMIT of a third entry of %s", existing).isNotNull();
            assertThat(refused.getSQLState()).isEqualTo(CHECK_VIOLATION);
            assertThat(refused.getMessage()).contains(existing).contains("not zero");
            assertThat(queryLong(db, "SELECT sum(amount_minor) FROM ledger_entries WHERE transaction_id = '" + existing + "'")).isZero();
        }
    }

    @Test
    @Order(10)
    void afterEverythingTheBooksBalanceAndEveryWalletsBalanceIsItsEntries() throws SQLException {
        try (Connection db = connect()) {
            assertThat(queryLong(db, "SELECT count(*) FROM transactions")).as("transactions recorded").isGreaterThan(20);

            assertThat(rows(db, "SELECT transaction_id || ' sums to ' || sum(amount_minor) FROM ledger_entries "
                    + "GROUP BY transaction_id HAVING sum(amount_minor) <> 0"))
                    .as("transactions whose entries do not sum to zero").isEmpty();
            assertThat(rows(db, "SELECT t.id FROM transactions t WHERE t.status = 'completed' "
                    + "AND (SELECT count(*) FROM ledger_entries e WHERE e.transaction_id = t.id) < 2"))
                    .as("completed transactions with fewer than two entries").isEmpty();
            assertThat(rows(db, "SELECT t.id FROM transactions t WHERE t.status <> 'completed' "
                    + "AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.id)"))
                    .as("transactions that did not complete but have entries").isEmpty();
            assertThat(rows(db, "SELECT currency || ' livemode=' || livemode || ' sums to ' || sum(amount_minor) FROM ledger_entries "
                    + "GROUP BY currency, livemode HAVING sum(amount_minor) <> 0"))
                    .as("currencies and modes whose entries do not sum to zero").isEmpty();
            assertThat(rows(db, "SELECT count(DISTINCT currency) FROM ledger_entries")).containsExactly("3");

            assertThat(rows(db, "SELECT w.id || ': balance ' || w.balance_minor || ', entries sum to ' || coalesce(sum(e.amount_minor), 0) "
                    + "FROM wallets w LEFT JOIN ledger_entries e ON e.wallet_id = w.id "
                    + "GROUP BY w.id, w.balance_minor HAVING w.balance_minor <> coalesce(sum(e.amount_minor), 0)"))
                    .as("wallets whose balance is not the sum of their entries").isEmpty();
            assertThat(rows(db, "SELECT w.id || ': balance ' || w.balance_minor || ', last entry says ' || e.balance_after_minor "
                    + "FROM wallets w JOIN ledger_entries e ON e.wallet_id = w.id "
                    + "WHERE e.wallet_sequence = (SELECT max(wallet_sequence) FROM ledger_entries x WHERE x.wallet_id = w.id) "
                    + "AND e.balance_after_minor <> w.balance_minor"))
                    .as("wallets whose balance is not their last entry's balance").isEmpty();
            assertThat(rows(db, "SELECT w.id || ': ' || count(e.id) || ' entries, sequence ' || coalesce(min(e.wallet_sequence), 0) || '..' "
                    + "|| coalesce(max(e.wallet_sequence), 0) || ', last_entry_sequence ' || w.last_entry_sequence "
                    + "FROM wallets w LEFT JOIN ledger_entries e ON e.wallet_id = w.id GROUP BY w.id, w.last_entry_sequence "
                    + "HAVING count(e.id) <> coalesce(max(e.wallet_sequence), 0) OR count(DISTINCT e.wallet_sequence) <> count(e.id) "
                    + "OR (count(e.id) > 0 AND min(e.wallet_sequence) <> 1) OR w.last_entry_sequence <> count(e.id)"))
                    .as("wallets whose entries are not numbered 1..n without gaps").isEmpty();
            assertThat(rows(db, "SELECT id || ' after ' || previous || ' + ' || amount_minor || ' says ' || balance_after_minor FROM ("
                    + "SELECT id, amount_minor, balance_after_minor, "
                    + "coalesce(lag(balance_after_minor) OVER (PARTITION BY wallet_id ORDER BY wallet_sequence), 0) AS previous "
                    + "FROM ledger_entries WHERE wallet_id IS NOT NULL) chain WHERE balance_after_minor <> previous + amount_minor"))
                    .as("entries whose running balance is not the previous one plus the entry").isEmpty();
            assertThat(rows(db, "SELECT e.id FROM ledger_entries e JOIN wallets w ON w.id = e.wallet_id "
                    + "WHERE e.currency <> w.currency OR e.livemode <> w.livemode OR e.partner_id <> w.partner_id"))
                    .as("entries in another currency, mode or partner than their wallet").isEmpty();
            assertThat(rows(db, "SELECT id FROM wallets WHERE balance_minor < 0")).as("wallets below zero").isEmpty();
            assertThat(rows(db, "SELECT id FROM ledger_entries WHERE balance_after_minor < 0")).as("entries leaving a wallet below zero").isEmpty();
            assertThat(queryLong(db, "SELECT count(*) FROM transactions WHERE livemode")).as("live transactions").isZero();
        }
    }

    // --- JDBC helpers -----------------------------------------------------------------------------------

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(), payflow.database().password());
    }

    private static void execute(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private static List<String> rows(Connection db, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Statement statement = db.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                rows.add(result.getString(1));
            }
        }
        return rows;
    }

    private static String queryString(Connection db, String sql) throws SQLException {
        List<String> rows = rows(db, sql);
        assertThat(rows).as(sql).hasSize(1);
        return rows.get(0);
    }

    private static long queryLong(Connection db, String sql) throws SQLException {
        return Long.parseLong(queryString(db, sql));
    }

    private static String systemAccount(Connection db, String kind) throws SQLException {
        return queryString(db, "SELECT id FROM system_accounts WHERE partner_id = '" + partner.partnerId() + "' AND NOT livemode "
                + "AND currency = 'USD' AND kind = '" + kind + "'");
    }

    private static void insertTransaction(Connection db, String transactionId) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO transactions (id, partner_id, livemode, type, status, amount_minor, "
                + "currency, description, idempotency_key, gateway, metadata, created_at, completed_at) "
                + "VALUES (?, ?, false, 'credit', 'completed', 10000, 'USD', 'tampered', ?, '', '{}'::jsonb, now(), now())")) {
            insert.setString(1, transactionId);
            insert.setString(2, partner.partnerId());
            insert.setString(3, "tamper-" + transactionId);
            assertThat(insert.executeUpdate()).isEqualTo(1);
        }
    }

    /** Inserts one system-account entry; the balance check is deferred, so the insert itself succeeds. */
    private static void insertSystemEntry(Connection db, String transactionId, String systemAccountId, long amountMinor) throws SQLException {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO ledger_entries (id, transaction_id, partner_id, livemode, currency, "
                + "system_account_id, amount_minor, created_at) VALUES (?, ?, ?, false, 'USD', ?, ?, now())")) {
            insert.setString(1, "ent_tamper" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
            insert.setString(2, transactionId);
            insert.setString(3, partner.partnerId());
            insert.setString(4, systemAccountId);
            insert.setLong(5, amountMinor);
            assertThat(insert.executeUpdate()).as("the insert itself (the check waits for COMMIT)").isEqualTo(1);
        }
    }

    // --- API helpers ------------------------------------------------------------------------------------

    private static void credit(String apiKey, Wallet wallet, String amount) {
        payflow.wallets(apiKey).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount)
                .setCurrency(wallet.getCurrency()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static void debit(String apiKey, Wallet wallet, String amount) {
        payflow.wallets(apiKey).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount(amount)
                .setCurrency(wallet.getCurrency()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static void transfer(String apiKey, Wallet from, Wallet to, String amount) {
        payflow.transfers(apiKey).createTransfer(CreateTransferRequest.newBuilder().setFromWalletId(from.getId()).setToWalletId(to.getId())
                .setAmount(amount).setCurrency(from.getCurrency()).setIdempotencyKey(newIdempotencyKey()).build());
    }

    private static String balanceOf(Wallet wallet) {
        return payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet.getId()).build()).getBalance();
    }

    private static String cents(long minor) {
        return minor / 100 + "." + String.format("%02d", minor % 100);
    }

    private static long minor(String usd) {
        String[] parts = usd.split("\\.");
        return Long.parseLong(parts[0]) * 100 + Long.parseLong(parts[1]);
    }
}
