package dev.payflow.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.IdempotencyRepository.Claim;
import dev.payflow.core.persistence.IdempotencyRepository.ClaimRequest;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Group commit's claim of a batch's keys, one statement of one text whatever the number of keys:
 * per key CLAIMED or USED in the order given, every key BUSY when one is held past the lock
 * timeout, and the keys locked in the order given, which the batch's freedom from deadlock rests on.
 */
class IdempotencyClaimsTest {
    private static TestServer payflow;
    private static TestDatabases.Coordinates db;
    private static Database database;
    private static PartnerScope first;
    private static PartnerScope second;
    private final IdempotencyRepository idempotency = new IdempotencyRepository();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        db = payflow.database();
        // A lock timeout long enough for the order test to probe a claim while it waits; the busy test sets a short one of its own.
        database = Database.connect(db.jdbcUrl(), db.user(), db.password(), 3, Duration.ofSeconds(30));
        first = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
        second = new PartnerScope(payflow.onboard(Partner.Status.active).partnerId(), false);
    }

    @AfterAll
    static void stop() {
        database.close();
        payflow.close();
    }

    @Test
    void oneKeyIsClaimedOnceThenUsedAndIsAnotherKeyInAnotherScope() {
        String key = unique("one");

        assertThat(claimAll(List.of(request(first, key, "f1")))).containsExactly(Claim.CLAIMED);
        assertThat(claimAll(List.of(request(first, key, "f1")))).containsExactly(Claim.USED);
        Claim alone = database.inTransaction(tx -> idempotency.claim(tx, first, key, "CreateTransfer", "f1", now()));
        assertThat(alone).isEqualTo(Claim.USED);
        assertThat(claimAll(List.of(request(second, key, "f2")))).containsExactly(Claim.CLAIMED);
        assertThat(claimAll(List.of(request(new PartnerScope(first.partnerId(), true), key, "f3")))).containsExactly(Claim.CLAIMED);

        // The record is the first claim's: a later claim with other parameters changes nothing.
        IdempotencyRepository.Record record = idempotency.find(database.reader(), first, key).orElseThrow();
        assertThat(record.operation()).isEqualTo("CreateTransfer");
        assertThat(record.fingerprint()).isEqualTo("f1");
        assertThat(record.transactionId()).isEmpty();
        assertThat(record.errorReason()).isEmpty();
        assertThat(idempotency.find(database.reader(), second, key).orElseThrow().fingerprint()).isEqualTo("f2");
        assertThat(idempotency.find(database.reader(), first, unique("never"))).isEmpty();
    }

    @Test
    void twoKeysAnswerInTheOrderGiven() {
        String used = unique("used");
        String fresh = unique("fresh");
        claimAll(List.of(request(first, used, "f")));

        assertThat(claimAll(List.of(request(first, used, "f"), request(first, fresh, "f")))).containsExactly(Claim.USED, Claim.CLAIMED);
        assertThat(claimAll(List.of(request(first, fresh, "f"), request(second, used, "f")))).containsExactly(Claim.USED, Claim.CLAIMED);
    }

    @Test
    void aHundredAndFiftyKeysOfTwoScopesNewAndUsedAnswerEachInItsPlace() {
        String prefix = unique("many");
        List<ClaimRequest> requests = new ArrayList<>();
        List<ClaimRequest> earlier = new ArrayList<>();
        List<Claim> expected = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            ClaimRequest request = request(i % 2 == 0 ? first : second, prefix + String.format("-%03d", i), "f" + i);
            requests.add(request);
            boolean usedBefore = i % 3 == 0;
            if (usedBefore) {
                earlier.add(request);
            }
            expected.add(usedBefore ? Claim.USED : Claim.CLAIMED);
        }
        assertThat(claimAll(earlier)).hasSize(50).containsOnly(Claim.CLAIMED);

        assertThat(claimAll(requests)).containsExactlyElementsOf(expected);
        assertThat(claimAll(requests)).hasSize(150).containsOnly(Claim.USED);
        for (ClaimRequest request : requests) {
            assertThat(idempotency.find(database.reader(), request.scope(), request.key()).orElseThrow().fingerprint())
                    .isEqualTo(request.fingerprint());
        }
    }

    @Test
    void claimsOfOneTwoAndAHundredAndFiftyKeysAreOneTextThatTheDriverKeepsPrepared() {
        String prefix = unique("prepared");
        List<String> prepared = database.inTransaction(tx -> {
            for (int round = 0; round < 3; round++) {
                for (int n : new int[] {1, 2, 150}) {
                    List<ClaimRequest> requests = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        requests.add(request(i % 2 == 0 ? first : second, prefix + "-" + round + "-" + n + "-" + i, "f"));
                    }
                    assertThat(idempotency.claimAll(tx, requests, now())).hasSize(n).containsOnly(Claim.CLAIMED);
                }
            }
            return tx.fetch("SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO idempotency_keys%'")
                    .getValues(0, String.class);
        });

        // Nine claims of three sizes on one connection: one text, prepared on the server from its fifth use.
        assertThat(prepared).hasSize(1);
    }

    @Test
    void aKeyHeldPastTheLockTimeoutAnswersBusyForEveryKeyAndLeavesNoneClaimed() throws SQLException {
        String a = unique("busy-a");
        String b = unique("busy-b");
        String c = unique("busy-c");
        try (Connection holder = connection()) {
            insertKey(holder, first, b);

            List<Claim> answers = claimAllThenRollBack(List.of(request(first, a, "f"), request(first, b, "f"), request(second, c, "f")),
                    Duration.ofMillis(200));

            assertThat(answers).containsExactly(Claim.BUSY, Claim.BUSY, Claim.BUSY);
            holder.rollback();
        }
        assertThat(claimAll(List.of(request(first, a, "f"), request(first, b, "f"), request(second, c, "f"))))
                .containsExactly(Claim.CLAIMED, Claim.CLAIMED, Claim.CLAIMED);
    }

    @Test
    void keysAreLockedInTheOrderGivenSoAWaitingClaimHoldsTheKeysBeforeAndNoneAfter() throws Exception {
        // Given out of their sorted order, so that the order checked is the arrays', not the index's.
        String before = unique("order-c");
        String waitedFor = unique("order-a");
        String after = unique("order-b");
        try (Connection holder = connection(); Connection prober = connection()) {
            insertKey(holder, first, waitedFor);
            CompletableFuture<List<Claim>> claiming = CompletableFuture.supplyAsync(() -> claimAll(
                    List.of(request(first, before, "f"), request(first, waitedFor, "f"), request(first, after, "f"))));
            awaitClaimWaitingOnALock(prober);

            try (var statement = prober.createStatement()) {
                statement.execute("SET lock_timeout = '200ms'");
            }
            // Committed, so that the setting outlives the rollbacks below.
            prober.commit();
            // The key after the one it waits for is not taken yet: another transaction claims it at once.
            assertThat(insertKey(prober, first, after)).isTrue();
            prober.rollback();
            // The key before it is held by the waiting claim.
            assertThatThrownBy(() -> insertKey(prober, first, before)).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(DatabaseErrors.LOCK_NOT_AVAILABLE));
            prober.rollback();

            holder.rollback();
            assertThat(claiming.get(10, TimeUnit.SECONDS)).containsExactly(Claim.CLAIMED, Claim.CLAIMED, Claim.CLAIMED);
        }
    }

    private List<Claim> claimAll(List<ClaimRequest> requests) {
        return database.inTransaction(tx -> idempotency.claimAll(tx, requests, now()));
    }

    /** The answers of a claim under a lock timeout of its own, in a transaction then rolled back (a lock timeout aborts it). */
    private List<Claim> claimAllThenRollBack(List<ClaimRequest> requests, Duration lockTimeout) {
        List<List<Claim>> answers = new ArrayList<>();
        assertThatThrownBy(() -> database.inTransaction(tx -> {
            tx.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
            answers.add(idempotency.claimAll(tx, requests, now()));
            throw new RolledBack();
        })).isInstanceOf(RolledBack.class);
        return answers.get(0);
    }

    private static final class RolledBack extends RuntimeException {
    }

    /** Until the claim waits on the key another transaction holds; bounded, so that a claim that never waits fails the test. */
    private static void awaitClaimWaitingOnALock(Connection prober) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (PreparedStatement statement = prober.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO idempotency_keys%'");
                    ResultSet row = statement.executeQuery()) {
                row.next();
                if (row.getLong(1) == 1) {
                    prober.rollback();
                    return;
                }
            }
            prober.rollback();
            Thread.sleep(5);
        }
        throw new AssertionError("the claim never waited on the held key");
    }

    /** Inserts a key's claim on the connection's open transaction; whether a row was inserted. */
    private static boolean insertKey(Connection connection, PartnerScope scope, String key) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT INTO idempotency_keys (partner_id, livemode, idempotency_key,"
                + " operation, fingerprint, created_at) VALUES (?, ?, ?, 'CreateTransfer', 'held', now()) ON CONFLICT DO NOTHING")) {
            statement.setString(1, scope.partnerId());
            statement.setBoolean(2, scope.livemode());
            statement.setString(3, key);
            return statement.executeUpdate() == 1;
        }
    }

    private static Connection connection() throws SQLException {
        Connection connection = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        connection.setAutoCommit(false);
        return connection;
    }

    private static ClaimRequest request(PartnerScope scope, String key, String fingerprint) {
        return new ClaimRequest(scope, key, "CreateTransfer", fingerprint);
    }

    private static String unique(String what) {
        return what + "-" + UUID.randomUUID();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
