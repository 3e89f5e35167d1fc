package dev.payflow.core.api;

import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.BatchCreateTransfersRequest;
import dev.payflow.proto.v1.BatchCreateTransfersResponse;
import dev.payflow.proto.v1.BatchTransferResult;
import dev.payflow.proto.v1.CreateTransferRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransferServiceGrpc;
import dev.payflow.proto.v1.Wallet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An independent batch does not queue behind wallets that another transaction holds: its members
 * that can go are booked at once, the others once the wallet is free, in the order of the call
 * where they share a wallet, and a member put off leaves its key free. The other transaction is a
 * plain JDBC connection holding {@code SELECT ... FOR UPDATE} on a chosen wallet; the test follows
 * who waits for whom in {@code pg_blocking_pids}, never the clock.
 */
class BatchTransferLocksTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    /** Calls that block run here: the common pool may have a single thread on a small machine. */
    private static final ExecutorService calls = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterEach
    void theBooksStillBalance() {
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @AfterAll
    static void stop() {
        calls.shutdownNow();
        payflow.close();
    }

    @Test
    void membersBehindAWalletHeldElsewhereWaitForItWhileTheOthersAreBookedAtOnceAndSharedWalletsKeepTheCallsOrder() throws Exception {
        Wallet a = funded("10.00");
        Wallet b = empty();
        Wallet c = funded("5.00");
        Wallet d = empty();
        Wallet e = empty();
        Wallet f = empty();
        Wallet g = funded("3.00");
        Wallet h = empty();
        List<CreateTransferRequest> members = List.of(
                transfer(a, b, "1.00", newIdempotencyKey()),
                // d is held elsewhere: this member waits, and so do the two that spend what it brings.
                transfer(c, d, "5.00", newIdempotencyKey()),
                transfer(d, e, "5.00", newIdempotencyKey()),
                transfer(e, f, "5.00", newIdempotencyKey()),
                transfer(g, h, "1.00", newIdempotencyKey()),
                // Spends what the first member brought to b, in the same round.
                transfer(b, a, "1.00", newIdempotencyKey()));

        BatchCreateTransfersResponse answer;
        try (Connection holder = connect(); Connection watcher = connect()) {
            holder.setAutoCommit(false);
            lock(holder, d);
            Future<BatchCreateTransfersResponse> call = calls.submit(() -> transfers().batchCreateTransfers(batch(members)));
            // The members still to book now wait for d, as every batch did before: what could go went.
            awaitBlockedBy(watcher, pid(holder));

            assertThat(committedTransactionKeys(watcher, members)).containsExactlyInAnyOrder(keyOf(members, 0), keyOf(members, 4),
                    keyOf(members, 5));
            assertThat(committedClaims(watcher, members)).as("the members put off consumed no key")
                    .containsExactlyInAnyOrder(keyOf(members, 0), keyOf(members, 4), keyOf(members, 5));
            assertThat(List.of(a, b, c, d, g, h)).extracting(BatchTransferLocksTest::balanceOf)
                    .containsExactly("10.00", "0.00", "5.00", "0.00", "2.00", "1.00");
            assertThat(call).isNotDone();

            holder.rollback();
            answer = call.get(30, TimeUnit.SECONDS);
        }

        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getIndex).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(answer.getResultsList()).extracting(BatchTransferResult::getStatus).containsOnly(BatchTransferResult.Status.created);
        assertThat(answer.getResultsList()).extracting(r -> r.getTransaction().getIdempotencyKey())
                .containsExactlyElementsOf(members.stream().map(CreateTransferRequest::getIdempotencyKey).toList());
        assertThat(answer.getResultsList()).extracting(r -> r.getTransaction().getId()).doesNotHaveDuplicates();
        // Each of the last two members spent what the one before it brought: they were booked after it.
        assertThat(List.of(a, b, c, d, e, f, g, h)).extracting(BatchTransferLocksTest::balanceOf)
                .containsExactly("10.00", "0.00", "0.00", "0.00", "0.00", "5.00", "2.00", "1.00");
        try (Connection watcher = connect()) {
            assertThat(committedTransactionKeys(watcher, members)).as("one transaction per member").hasSize(members.size());
        }
    }

    @Test
    void aMemberPutOffLeavesItsKeyFreeAndARacingDuplicateOfItGetsTheOneTransactionAnsweredToBoth() throws Exception {
        Wallet a = funded("4.00");
        Wallet b = empty();
        Wallet c = funded("5.00");
        Wallet d = empty();
        // Keys sorted as the batch claims them: the batch holds the first while it waits for the second.
        String suffix = newIdempotencyKey();
        CreateTransferRequest putOff = transfer(c, d, "2.00", "a-" + suffix);
        CreateTransferRequest free = transfer(a, b, "1.00", "b-" + suffix);
        List<CreateTransferRequest> members = List.of(putOff, free);

        BatchCreateTransfersResponse answer;
        Transaction duplicate;
        try (Connection holder = connect(); Connection claimer = connect(); Connection watcher = connect()) {
            holder.setAutoCommit(false);
            claimer.setAutoCommit(false);
            lock(holder, d);
            claim(claimer, free.getIdempotencyKey());
            Future<BatchCreateTransfersResponse> call = calls.submit(() -> transfers().batchCreateTransfers(batch(members)));
            // The batch's first round has claimed the put-off member's key and waits for the other one.
            int batch = awaitBlockedBy(watcher, pid(claimer));
            Future<Transaction> racing = calls.submit(() -> transfers().createTransfer(putOff));
            // The duplicate waits on the key the batch's round claimed.
            awaitBlockedBy(watcher, batch);
            claimer.rollback();
            // The round books the free member, puts off the other and takes its claim back; the duplicate then
            // claims the key itself. Whichever of the two holds the key now waits for d, and the other for it.
            awaitAWaitBehindOneFor(watcher, pid(holder));

            assertThat(committedTransactionKeys(watcher, members)).containsExactly(free.getIdempotencyKey());
            assertThat(committedClaims(watcher, members)).as("the round that put the member off did not consume its key")
                    .containsExactly(free.getIdempotencyKey());

            holder.rollback();
            answer = call.get(30, TimeUnit.SECONDS);
            duplicate = racing.get(30, TimeUnit.SECONDS);
        }

        BatchTransferResult member = answer.getResults(0);
        assertThat(member.getStatus()).isIn(BatchTransferResult.Status.created, BatchTransferResult.Status.replayed);
        assertThat(member.getTransaction().getId()).as("one transaction, answered to both").isEqualTo(duplicate.getId());
        assertThat(answer.getResults(1).getStatus()).isEqualTo(BatchTransferResult.Status.created);
        assertThat(List.of(a, b, c, d)).extracting(BatchTransferLocksTest::balanceOf).containsExactly("3.00", "1.00", "3.00", "2.00");
        try (Connection watcher = connect()) {
            assertThat(committedTransactionKeys(watcher, members)).containsExactlyInAnyOrder(putOff.getIdempotencyKey(), free.getIdempotencyKey());
        }
    }

    @Test
    void concurrentBatchesOverSharedWalletsBookEveryMemberOnceAndARacingCopyOfOneGetsTheSameTransactions() throws Exception {
        long seed = Long.getLong("payflow.seed", System.nanoTime());
        String seeded = "seed " + seed + " (rerun with -Dpayflow.seed=" + seed + ")";
        Random random = new Random(seed);
        // Few wallets, so that nearly every chunk meets another call's locks; funded so that no member is refused.
        List<Wallet> wallets = IntStream.range(0, 12).mapToObj(i -> funded("100.00")).toList();
        Map<String, Long> model = new HashMap<>();
        wallets.forEach(w -> model.put(w.getId(), 10_000L));
        List<List<CreateTransferRequest>> batches = new ArrayList<>();
        for (int call = 0; call < 6; call++) {
            List<CreateTransferRequest> members = new ArrayList<>();
            // More than one chunk of the engine's (LedgerEngine.EACH_CHUNK_SIZE_MAX is 100).
            for (int m = 0; m < 150; m++) {
                int from = random.nextInt(wallets.size());
                int to = (from + 1 + random.nextInt(wallets.size() - 1)) % wallets.size();
                long cents = 1 + random.nextInt(5);
                members.add(transfer(wallets.get(from), wallets.get(to), "0.0" + cents, newIdempotencyKey()));
                model.merge(wallets.get(from).getId(), -cents, Long::sum);
                model.merge(wallets.get(to).getId(), cents, Long::sum);
            }
            batches.add(members);
        }

        List<Future<BatchCreateTransfersResponse>> answers = new ArrayList<>();
        for (List<CreateTransferRequest> members : batches) {
            answers.add(calls.submit(() -> transfers().batchCreateTransfers(batch(members))));
        }
        // The first call again, at the same time: every one of its keys races a duplicate.
        Future<BatchCreateTransfersResponse> copy = calls.submit(() -> transfers().batchCreateTransfers(batch(batches.get(0))));

        for (int call = 0; call < batches.size(); call++) {
            BatchCreateTransfersResponse answer = answers.get(call).get(60, TimeUnit.SECONDS);
            List<CreateTransferRequest> members = batches.get(call);
            assertThat(answer.getResultsList()).as(seeded).hasSize(members.size());
            for (int m = 0; m < members.size(); m++) {
                BatchTransferResult result = answer.getResults(m);
                assertThat(result.getStatus()).as(seeded + ", call " + call + " member " + m + ": " + result.getError())
                        .isIn(BatchTransferResult.Status.created, BatchTransferResult.Status.replayed);
                assertThat(result.getTransaction().getIdempotencyKey()).as(seeded).isEqualTo(members.get(m).getIdempotencyKey());
                assertThat(result.getTransaction().getAmount()).as(seeded).isEqualTo(members.get(m).getAmount());
            }
        }
        BatchCreateTransfersResponse original = answers.get(0).get();
        BatchCreateTransfersResponse racing = copy.get(60, TimeUnit.SECONDS);
        assertThat(racing.getResultsList()).as(seeded).extracting(r -> r.getTransaction().getId())
                .containsExactlyElementsOf(original.getResultsList().stream().map(r -> r.getTransaction().getId()).toList());
        for (int m = 0; m < racing.getResultsCount(); m++) {
            assertThat(List.of(original.getResults(m).getStatus(), racing.getResults(m).getStatus())).as(seeded + ", member " + m)
                    .containsExactlyInAnyOrder(BatchTransferResult.Status.created, BatchTransferResult.Status.replayed);
        }
        for (Wallet wallet : wallets) {
            long cents = model.get(wallet.getId());
            assertThat(balanceOf(wallet)).as(seeded).isEqualTo(String.format("%d.%02d", cents / 100, cents % 100));
        }
        try (Connection watcher = connect()) {
            for (List<CreateTransferRequest> members : batches) {
                assertThat(committedTransactionKeys(watcher, members)).as(seeded + ": one transaction per key").hasSize(members.size())
                        .doesNotHaveDuplicates();
            }
        }
    }

    // --- The other transactions, and watching them -----------------------------------------------------------

    private static Connection connect() throws SQLException {
        TestDatabases.Coordinates db = payflow.database();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    private static int pid(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_backend_pid()"); ResultSet row = statement.executeQuery()) {
            row.next();
            return row.getInt(1);
        }
    }

    private static void lock(Connection holder, Wallet wallet) throws SQLException {
        try (PreparedStatement statement = holder.prepareStatement("SELECT id FROM wallets WHERE id = ? FOR UPDATE")) {
            statement.setString(1, wallet.getId());
            statement.executeQuery().close();
        }
    }

    /** An unfinished request's claim of the key, as the engine makes it. */
    private static void claim(Connection claimer, String key) throws SQLException {
        try (PreparedStatement statement = claimer.prepareStatement("INSERT INTO idempotency_keys "
                + "(partner_id, livemode, idempotency_key, operation, fingerprint, created_at) VALUES (?, false, ?, 'CreateTransfer', 'x', now())")) {
            statement.setString(1, partner.partnerId());
            statement.setString(2, key);
            statement.executeUpdate();
        }
    }

    /** The backend that waits for {@code blocker}'s locks, once one does. */
    private static int awaitBlockedBy(Connection watcher, int blocker) throws Exception {
        return awaitPid(watcher, "SELECT pid FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid)) LIMIT 1", blocker,
                "no backend ever waited for " + blocker);
    }

    /** Waits until a backend waits for {@code blocker}, and another backend waits for that one. */
    private static void awaitAWaitBehindOneFor(Connection watcher, int blocker) throws Exception {
        awaitPid(watcher, "SELECT behind.pid FROM pg_stat_activity waiting JOIN pg_stat_activity behind"
                + " ON waiting.pid = ANY(pg_blocking_pids(behind.pid)) WHERE ? = ANY(pg_blocking_pids(waiting.pid)) LIMIT 1", blocker,
                "no two backends ever queued behind " + blocker);
    }

    private static int awaitPid(Connection watcher, String query, int blocker, String never) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (PreparedStatement statement = watcher.prepareStatement(query)) {
            statement.setInt(1, blocker);
            while (System.nanoTime() < deadline) {
                try (ResultSet row = statement.executeQuery()) {
                    if (row.next()) {
                        return row.getInt(1);
                    }
                }
                // Polls PostgreSQL for the other connections' state, not the clock.
                Thread.sleep(10);
            }
        }
        throw new AssertionError(never);
    }

    /** The members' keys that committed transactions carry. */
    private static List<String> committedTransactionKeys(Connection watcher, List<CreateTransferRequest> members) throws SQLException {
        return keysIn(watcher, "transactions", members);
    }

    /** The members' keys claimed by committed transactions. */
    private static List<String> committedClaims(Connection watcher, List<CreateTransferRequest> members) throws SQLException {
        return keysIn(watcher, "idempotency_keys", members);
    }

    private static List<String> keysIn(Connection watcher, String table, List<CreateTransferRequest> members) throws SQLException {
        try (PreparedStatement statement = watcher.prepareStatement("SELECT idempotency_key FROM " + table
                + " WHERE partner_id = ? AND idempotency_key = ANY(?)")) {
            statement.setString(1, partner.partnerId());
            statement.setArray(2, watcher.createArrayOf("varchar", members.stream().map(CreateTransferRequest::getIdempotencyKey).toArray()));
            List<String> keys = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    keys.add(rows.getString(1));
                }
            }
            return keys;
        }
    }

    // --- Requests -------------------------------------------------------------------------------------------------

    private static BatchCreateTransfersRequest batch(List<CreateTransferRequest> members) {
        return BatchCreateTransfersRequest.newBuilder().addAllTransfers(members).build();
    }

    private static CreateTransferRequest transfer(Wallet from, Wallet to, String amount, String key) {
        return CreateTransferRequest.newBuilder().setFromWalletId(from.getId()).setToWalletId(to.getId()).setAmount(amount)
                .setCurrency("USD").setIdempotencyKey(key).build();
    }

    private static String keyOf(List<CreateTransferRequest> members, int index) {
        return members.get(index).getIdempotencyKey();
    }

    private static Wallet funded(String amount) {
        Wallet wallet = empty();
        payflow.credit(partner.sandboxKey(), wallet.getId(), amount, "USD");
        return wallet;
    }

    private static Wallet empty() {
        return payflow.newWallet(partner.sandboxKey(), "USD");
    }

    private static TransferServiceGrpc.TransferServiceBlockingStub transfers() {
        return payflow.transfers(partner.sandboxKey());
    }

    private static String balanceOf(Wallet wallet) {
        return payflow.balanceOf(partner.sandboxKey(), wallet.getId());
    }
}
