package dev.payflow.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.testing.TestDatabases;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wallet locks of a batch (one statement whatever their number, in id order, waiting or
 * skipping what another transaction holds) and the taking back of a claim a batch will not use.
 * The other transaction is a plain JDBC connection holding {@code SELECT ... FOR UPDATE}.
 */
class WalletLocksTest {
    private static TestServer payflow;
    private static Database database;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    private static PartnerScope scope;
    private static final WalletRepository wallets = new WalletRepository();

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        TestDatabases.Coordinates db = payflow.database();
        database = Database.connect(db.jdbcUrl(), db.user(), db.password(), 2);
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
        scope = new PartnerScope(partner.partnerId(), false);
    }

    @AfterAll
    static void stop() {
        database.close();
        payflow.close();
    }

    @Test
    void lockingAnyNumberOfWalletsIsOneStatementTextThatTheDriverKeepsPrepared() {
        List<String> ids = IntStream.range(0, 7).mapToObj(i -> payflow.newWallet(partner.sandboxKey(), "USD").getId()).toList();

        long prepared = database.inTransaction(tx -> {
            for (int size = 1; size <= ids.size(); size++) {
                Map<PartnerScope, Map<String, dev.payflow.core.domain.Wallet>> locked = wallets.lockAllInIdOrder(tx,
                        Map.of(scope, new TreeSet<>(ids.subList(0, size))));
                assertThat(locked.get(scope)).as("every wallet asked for, as it is").hasSize(size);
                assertThat(locked.get(scope).get(ids.get(0)).balanceMinor()).isZero();
            }
            // pgjdbc prepares a text on the server from its fifth use: seven sizes, one text, one prepared statement.
            return tx.fetchOne("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM wallets%FOR UPDATE'").get(0, Long.class);
        });

        assertThat(prepared).isEqualTo(1);
    }

    @Test
    void lockingWaitsInScopeOnlyAndAnotherPartnersWalletIsNotFound() {
        Wallet mine = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");

        Map<PartnerScope, Map<String, dev.payflow.core.domain.Wallet>> locked = database.inTransaction(tx ->
                wallets.lockAllInIdOrder(tx, Map.of(scope, Set.of(mine.getId(), theirs.getId()))));

        assertThat(locked).containsOnlyKeys(scope);
        assertThat(locked.get(scope)).containsOnlyKeys(mine.getId());
        assertThat(locked.get(scope).get(mine.getId()).scope()).isEqualTo(scope);
    }

    @Test
    void skippingLocksWhatIsFreeAndTellsAWalletHeldElsewhereFromOneThatIsNotThere() throws Exception {
        Wallet free = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet held = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet theirs = payflow.newWallet(otherPartner.sandboxKey(), "USD");
        String missing = "wal_" + "0".repeat(26);

        try (Connection holder = connect()) {
            holder.setAutoCommit(false);
            lock(holder, held.getId());

            WalletRepository.SkippingLock got = database.inTransaction(tx -> wallets.lockAllInIdOrderSkippingLocked(tx,
                    Map.of(scope, Set.of(free.getId(), held.getId(), theirs.getId(), missing))));

            assertThat(got.locked().get(scope)).containsOnlyKeys(free.getId());
            assertThat(got.lockedElsewhere()).isEqualTo(Map.of(scope, Set.of(held.getId())));
            assertThat(got.isLockedElsewhere(scope, held.getId())).isTrue();
            assertThat(got.isLockedElsewhere(scope, theirs.getId())).as("another partner's wallet is not found, not busy").isFalse();
            assertThat(got.isLockedElsewhere(scope, missing)).isFalse();
            holder.rollback();
        }
    }

    @Test
    void skippingHoldsTheLocksItGotUntilItsTransactionEnds() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");

        database.inTransaction(tx -> {
            assertThat(wallets.lockAllInIdOrderSkippingLocked(tx, Map.of(scope, Set.of(wallet.getId()))).locked().get(scope))
                    .containsOnlyKeys(wallet.getId());
            // Another transaction now skips it in turn: the lock was taken, not only read.
            try (Connection other = connect()) {
                other.setAutoCommit(false);
                try (PreparedStatement statement = other.prepareStatement("SELECT id FROM wallets WHERE id = ? FOR UPDATE SKIP LOCKED")) {
                    statement.setString(1, wallet.getId());
                    try (ResultSet rows = statement.executeQuery()) {
                        assertThat(rows.next()).isFalse();
                    }
                }
                other.rollback();
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
    }

    @Test
    void aClaimTakenBackInItsOwnTransactionLeavesTheKeyFreeForTheNextClaim() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        IdempotencyRepository idempotency = new IdempotencyRepository();

        database.inTransaction(tx -> {
            assertThat(idempotency.claim(tx, scope, "taken-back", "CreateTransfer", "f", now)).isEqualTo(IdempotencyRepository.Claim.CLAIMED);
            new UnusedClaims().remove(tx, List.of(new UnusedClaims.Claimed(scope, "taken-back")));
            return null;
        });

        assertThat(idempotency.find(database.reader(), scope, "taken-back")).isEmpty();
        database.inTransaction(tx -> {
            assertThat(idempotency.claim(tx, scope, "taken-back", "CreateTransfer", "f", now)).isEqualTo(IdempotencyRepository.Claim.CLAIMED);
            return null;
        });
        assertThat(idempotency.find(database.reader(), scope, "taken-back")).isPresent();
    }

    @Test
    void aKeyUsedBeforeOrWithAnOutcomeIsNeverTakenBackAndTheTransactionFails() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        IdempotencyRepository idempotency = new IdempotencyRepository();
        database.inTransaction(tx -> idempotency.claim(tx, scope, "used-before", "CreateTransfer", "f", now));

        // Committed by an earlier transaction: not this one's to take back.
        assertThatThrownBy(() -> database.inTransaction(tx -> {
            assertThat(idempotency.claim(tx, scope, "used-before", "CreateTransfer", "f", now)).isEqualTo(IdempotencyRepository.Claim.USED);
            new UnusedClaims().remove(tx, List.of(new UnusedClaims.Claimed(scope, "used-before")));
            return null;
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("removed 0 idempotency claims, meant 1");
        // Claimed here but with a refusal recorded on it: an answer, not an unused claim.
        assertThatThrownBy(() -> database.inTransaction(tx -> {
            idempotency.claim(tx, scope, "refused-here", "CreateTransfer", "f", now);
            idempotency.recordError(tx, scope, "refused-here", "INSUFFICIENT_FUNDS", "no");
            new UnusedClaims().remove(tx, List.of(new UnusedClaims.Claimed(scope, "refused-here")));
            return null;
        })).isInstanceOf(IllegalStateException.class);

        assertThat(idempotency.find(database.reader(), scope, "used-before")).isPresent();
        assertThat(idempotency.find(database.reader(), scope, "refused-here")).as("rolled back whole").isEmpty();
    }

    private static Connection connect() throws java.sql.SQLException {
        TestDatabases.Coordinates db = payflow.database();
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    private static void lock(Connection holder, String walletId) throws java.sql.SQLException {
        try (PreparedStatement statement = holder.prepareStatement("SELECT id FROM wallets WHERE id = ? FOR UPDATE")) {
            statement.setString(1, walletId);
            statement.executeQuery().close();
        }
    }
}
