package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WalletLifecycleTest {
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
    void walletCreatedOverRestIsReadableOverGrpcWithAZeroBalanceInTheCurrencysFormat() {
        TestServer.Rest created = payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(),
                "{\"externalUserId\":\"u1\",\"externalWalletId\":\"w-jpy\",\"name\":\"Yen wallet\",\"currency\":\"JPY\"}");

        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body().get("balance").getAsString()).isEqualTo("0");
        assertThat(created.body().get("livemode").getAsBoolean()).isFalse();
        Wallet read = payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(created.body().get("id").getAsString()).build());
        assertThat(read.getExternalWalletId()).isEqualTo("w-jpy");
        assertThat(read.getStatus()).isEqualTo(Wallet.Status.active);
    }

    @Test
    void creatingASecondWalletWithTheSameExternalIdIsAlreadyExists() {
        CreateWalletRequest request = CreateWalletRequest.newBuilder().setExternalUserId("u2").setExternalWalletId("dup")
                .setName("First").setCurrency("USD").build();
        payflow.wallets(partner.sandboxKey()).createWallet(request);

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).createWallet(request), Status.Code.ALREADY_EXISTS, "WALLET_ALREADY_EXISTS");
        assertRestError(payflow.rest("POST", "/api/v1/wallets", partner.sandboxKey(),
                "{\"externalUserId\":\"u2\",\"externalWalletId\":\"dup\",\"name\":\"Again\",\"currency\":\"USD\"}"), 409, "WALLET_ALREADY_EXISTS");
    }
}
