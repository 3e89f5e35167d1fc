package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.GetWalletBalanceRequest;
import dev.payflow.proto.v1.GetWalletByExternalIdRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.UpdateWalletRequest;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One partner never sees another's wallets, and one environment (sandbox, production) never sees the other's. */
class PartnerIsolationTest {
    private static final String UNKNOWN_WALLET_ID = "wal_" + "0".repeat(26);
    private static final String A_SECRET_NAME = "Alice Example's secret savings";
    private static final String A_USER = "alice-user-7f3a";

    private static TestServer payflow;
    private static TestServer.PartnerKeys partnerA;
    private static TestServer.PartnerKeys partnerB;
    private static Wallet walletOfA;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partnerA = payflow.onboard(Partner.Status.active);
        partnerB = payflow.onboard(Partner.Status.active);
        walletOfA = payflow.wallets(partnerA.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId(A_USER)
                .setExternalWalletId("alice-main-wallet").setName(A_SECRET_NAME).setCurrency("USD").build());
        payflow.wallets(partnerB.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("bob")
                .setExternalWalletId("bob-main-wallet").setName("Bob's wallet").setCurrency("USD").build());
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void anotherPartnersWalletIsNotFoundByIdAndTheErrorSaysNothingAboutIt() {
        com.google.rpc.Status theirs = assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey())
                .getWallet(GetWalletRequest.newBuilder().setId(walletOfA.getId()).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        com.google.rpc.Status nobodys = assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey())
                .getWallet(GetWalletRequest.newBuilder().setId(UNKNOWN_WALLET_ID).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        TestServer.Rest overRest = payflow.rest("GET", "/api/v1/wallets/" + walletOfA.getId(), partnerB.sandboxKey(), null);

        assertRestError(overRest, 404, "WALLET_NOT_FOUND");
        assertRevealsNothingAboutA(theirs.toString());
        assertRevealsNothingAboutA(overRest.body().toString());
        assertThat(theirs.getMessage().replace(walletOfA.getId(), "<id>"))
                .as("indistinguishable from a wallet that does not exist")
                .isEqualTo(nobodys.getMessage().replace(UNKNOWN_WALLET_ID, "<id>"));
    }

    @Test
    void anotherPartnersWalletIsNotFoundByExternalId() {
        com.google.rpc.Status theirs = assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey()).getWalletByExternalId(
                GetWalletByExternalIdRequest.newBuilder().setExternalId("alice-main-wallet").build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        com.google.rpc.Status nobodys = assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey()).getWalletByExternalId(
                GetWalletByExternalIdRequest.newBuilder().setExternalId("nobody-has-this").build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        TestServer.Rest overRest = payflow.rest("GET", "/api/v1/wallets/external/alice-main-wallet", partnerB.sandboxKey(), null);

        assertRestError(overRest, 404, "WALLET_NOT_FOUND");
        assertRevealsNothingAboutA(theirs.toString());
        assertRevealsNothingAboutA(overRest.body().toString());
        assertThat(theirs.getMessage().replace("alice-main-wallet", "<external id>"))
                .isEqualTo(nobodys.getMessage().replace("nobody-has-this", "<external id>"));
    }

    @Test
    void anotherPartnersWalletCannotBeReadChangedOrFundedAndStaysAsItWas() {
        assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder()
                .setId(walletOfA.getId()).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder()
                .setId(walletOfA.getId()).setName("taken over").setStatus(Wallet.Status.frozen).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        TestServer.Rest patch = payflow.rest("PATCH", "/api/v1/wallets/" + walletOfA.getId(), partnerB.sandboxKey(),
                "{\"status\":\"closed\"}");
        TestServer.Rest balance = payflow.rest("GET", "/api/v1/wallets/" + walletOfA.getId() + "/balance", partnerB.sandboxKey(), null);
        TestServer.Rest credit = payflow.rest("POST", "/api/v1/wallets/" + walletOfA.getId() + "/credit", partnerB.sandboxKey(),
                "{\"amount\":\"10.00\",\"currency\":\"USD\",\"idempotencyKey\":\"" + UUID.randomUUID() + "\"}");

        assertRestError(patch, 404, "WALLET_NOT_FOUND");
        assertRestError(balance, 404, "WALLET_NOT_FOUND");
        assertRestError(credit, 404, "WALLET_NOT_FOUND");
        assertRevealsNothingAboutA(patch.body().toString());
        assertRevealsNothingAboutA(credit.body().toString());
        Wallet unchanged = payflow.wallets(partnerA.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(walletOfA.getId()).build());
        assertThat(unchanged.getName()).isEqualTo(A_SECRET_NAME);
        assertThat(unchanged.getStatus()).isEqualTo(Wallet.Status.active);
        assertThat(unchanged.getBalance()).isEqualTo("0.00");
    }

    @Test
    void aPartnersListNeverContainsAnotherPartnersWallets() {
        List<Wallet> ofB = payflow.allWallets(partnerB.sandboxKey(), "");
        List<Wallet> ofBForAsUser = payflow.allWallets(partnerB.sandboxKey(), A_USER);
        TestServer.Rest overRest = payflow.rest("GET", "/api/v1/wallets?externalUserId=" + A_USER + "&pageSize=200", partnerB.sandboxKey(), null);

        assertThat(ofB).isNotEmpty();
        assertThat(ofB).extracting(Wallet::getPartnerId).containsOnly(partnerB.partnerId());
        assertThat(ofB).extracting(Wallet::getId).doesNotContain(walletOfA.getId());
        assertThat(ofBForAsUser).isEmpty();
        assertThat(overRest.status()).isEqualTo(200);
        assertThat(overRest.body().getAsJsonArray("wallets")).isEmpty();
        assertThat(payflow.allWallets(partnerA.sandboxKey(), "")).extracting(Wallet::getPartnerId).containsOnly(partnerA.partnerId());
    }

    @Test
    void aSandboxKeyCannotSeeALiveWalletOfTheSamePartner() {
        Wallet production = payflow.wallets(partnerA.productionKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("live-user")
                .setExternalWalletId("only-live").setName("Live only").setCurrency("EUR").build());
        assertThat(production.getLivemode()).isTrue();

        assertGrpcError(() -> payflow.wallets(partnerA.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(production.getId()).build()),
                Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/external/only-live", partnerA.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + production.getId() + "/balance", partnerA.sandboxKey(), null), 404, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partnerA.sandboxKey()).updateWallet(UpdateWalletRequest.newBuilder().setId(production.getId())
                .setStatus(Wallet.Status.frozen).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertThat(payflow.allWallets(partnerA.sandboxKey(), "")).extracting(Wallet::getId).doesNotContain(production.getId());
        assertThat(payflow.allWallets(partnerA.sandboxKey(), "live-user")).isEmpty();
        assertThat(payflow.allWallets(partnerA.productionKey(), "")).extracting(Wallet::getId).contains(production.getId());
    }

    @Test
    void aLiveKeyCannotSeeASandboxWalletOfTheSamePartner() {
        assertRestError(payflow.rest("GET", "/api/v1/wallets/" + walletOfA.getId(), partnerA.productionKey(), null), 404, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partnerA.productionKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("alice-main-wallet").build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        assertGrpcError(() -> payflow.wallets(partnerA.productionKey()).getWalletBalance(GetWalletBalanceRequest.newBuilder()
                .setId(walletOfA.getId()).build()), Status.Code.NOT_FOUND, "WALLET_NOT_FOUND");
        TestServer.Rest listed = payflow.rest("GET", "/api/v1/wallets?externalUserId=" + A_USER, partnerA.productionKey(), null);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().getAsJsonArray("wallets")).isEmpty();
        List<Wallet> production = payflow.allWallets(partnerA.productionKey(), "");
        assertThat(production).extracting(Wallet::getId).doesNotContain(walletOfA.getId());
        assertThat(production).allSatisfy(wallet -> assertThat(wallet.getLivemode()).isTrue());
    }

    @Test
    void theSameExternalWalletIdMayExistOnceInSandboxAndOnceInLiveForOnePartner() {
        CreateWalletRequest request = CreateWalletRequest.newBuilder().setExternalUserId("u").setExternalWalletId("both-modes")
                .setName("Both modes").setCurrency("USD").build();

        Wallet sandbox = payflow.wallets(partnerA.sandboxKey()).createWallet(request);
        TestServer.Rest production = payflow.rest("POST", "/api/v1/wallets", partnerA.productionKey(),
                "{\"externalUserId\":\"u\",\"externalWalletId\":\"both-modes\",\"name\":\"Both modes\",\"currency\":\"USD\"}");

        assertThat(production.status()).as("HTTP status of %s", production.body()).isEqualTo(200);
        String productionId = production.body().get("id").getAsString();
        assertThat(productionId).isNotEqualTo(sandbox.getId());
        assertGrpcError(() -> payflow.wallets(partnerA.sandboxKey()).createWallet(request), Status.Code.ALREADY_EXISTS, "WALLET_ALREADY_EXISTS");
        assertGrpcError(() -> payflow.wallets(partnerA.productionKey()).createWallet(request), Status.Code.ALREADY_EXISTS, "WALLET_ALREADY_EXISTS");
        assertThat(payflow.wallets(partnerA.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("both-modes").build()).getId()).isEqualTo(sandbox.getId());
        JsonObject liveRead = payflow.rest("GET", "/api/v1/wallets/external/both-modes", partnerA.productionKey(), null).body();
        assertThat(liveRead.get("id").getAsString()).isEqualTo(productionId);
        assertThat(liveRead.get("livemode").getAsBoolean()).isTrue();
    }

    @Test
    void theSameExternalWalletIdMayExistOnceForEachOfTwoPartners() {
        CreateWalletRequest request = CreateWalletRequest.newBuilder().setExternalUserId("same-user").setExternalWalletId("both-partners")
                .setName("Same id").setCurrency("GBP").build();

        Wallet ofA = payflow.wallets(partnerA.sandboxKey()).createWallet(request);
        Wallet ofB = payflow.wallets(partnerB.sandboxKey()).createWallet(request);

        assertThat(ofB.getId()).isNotEqualTo(ofA.getId());
        assertThat(ofA.getPartnerId()).isEqualTo(partnerA.partnerId());
        assertThat(ofB.getPartnerId()).isEqualTo(partnerB.partnerId());
        assertThat(payflow.wallets(partnerA.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("both-partners").build()).getId()).isEqualTo(ofA.getId());
        assertThat(payflow.wallets(partnerB.sandboxKey()).getWalletByExternalId(GetWalletByExternalIdRequest.newBuilder()
                .setExternalId("both-partners").build()).getId()).isEqualTo(ofB.getId());
        assertThat(payflow.allWallets(partnerB.sandboxKey(), "same-user")).extracting(Wallet::getId).containsExactly(ofB.getId());
        assertGrpcError(() -> payflow.wallets(partnerB.sandboxKey()).createWallet(request), Status.Code.ALREADY_EXISTS, "WALLET_ALREADY_EXISTS");
    }

    // --- Helpers -----------------------------------------------------------------------------

    private static void assertRevealsNothingAboutA(String error) {
        assertThat(error).doesNotContain(partnerA.partnerId()).doesNotContain(A_SECRET_NAME).doesNotContain(A_USER);
    }
}
