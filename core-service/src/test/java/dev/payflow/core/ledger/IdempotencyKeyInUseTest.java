package dev.payflow.core.ledger;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request whose key is held by another, unfinished request waits for it, but not for ever: past
 * the lock timeout it answers ABORTED IDEMPOTENCY_KEY_IN_USE, and once the holder is gone the same
 * key works. The holder here is a plain JDBC transaction that claimed the key and did not finish.
 */
class IdempotencyKeyInUseTest {
    /** Shorter than the production 5 s, so the test does not wait for it; the rule is the same. */
    private static final Duration LOCK_TIMEOUT = Duration.ofMillis(800);
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(LOCK_TIMEOUT);
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aKeyHeldByAnUnfinishedRequestIsInUseUntilThatRequestEnds() throws Exception {
        String wallet = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("held").setName("Held").setCurrency("USD").build()).getId();
        CreditWalletRequest credit = CreditWalletRequest.newBuilder().setWalletId(wallet).setAmount("5.00").setCurrency("USD")
                .setIdempotencyKey("held-key").build();

        try (Connection holder = DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(), payflow.database().password())) {
            holder.setAutoCommit(false);
            try (PreparedStatement claim = holder.prepareStatement("INSERT INTO idempotency_keys "
                    + "(partner_id, livemode, idempotency_key, operation, fingerprint, created_at) VALUES (?, false, 'held-key', 'CreditWallet', 'x', now())")) {
                claim.setString(1, partner.partnerId());
                claim.executeUpdate();
            }

            long started = System.nanoTime();
            assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(credit), Status.Code.ABORTED, "IDEMPOTENCY_KEY_IN_USE");
            assertThat((System.nanoTime() - started) / 1_000_000).as("waited for the lock timeout").isGreaterThanOrEqualTo(LOCK_TIMEOUT.toMillis());

            holder.rollback();
        }

        assertThat(payflow.wallets(partner.sandboxKey()).creditWallet(credit).getAmount()).isEqualTo("5.00");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet).build()).getBalance())
                .isEqualTo("5.00");
    }
}
