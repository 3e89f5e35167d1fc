package dev.payflow.core.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.persistence.PartnerRepository;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.Wallet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator changing a partner (status, keys) locks the partner's row; every money movement's
 * foreign-key checks take KEY SHARE on that same row. The two must not conflict, or a busy
 * partner's movements time out behind an admin action and a never-used key answers
 * IDEMPOTENCY_KEY_IN_USE.
 */
class PartnerLockTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void aMovementDoesNotWaitForAnAdminChangeOfItsPartnerInProgress() throws Exception {
        Wallet wallet = payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId("w").setName("w").setCurrency("USD").build());
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> adminChange = CompletableFuture.runAsync(() -> payflow.server().database().inTransaction(tx -> {
            new PartnerRepository().findForUpdate(tx, partner.partnerId()).orElseThrow();
            locked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        try {
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

            // Well below the database's lock timeout: a credit that waited for the partner's row would miss it.
            Transaction credit = payflow.wallets(partner.sandboxKey()).withDeadlineAfter(3, TimeUnit.SECONDS).creditWallet(
                    CreditWalletRequest.newBuilder().setWalletId(wallet.getId()).setAmount("5.00").setCurrency("USD")
                            .setIdempotencyKey("while-an-operator-edits").build());

            assertThat(credit.getStatus()).isEqualTo(Transaction.Status.completed);
        } finally {
            release.countDown();
            adminChange.get(30, TimeUnit.SECONDS);
        }
    }
}
