package dev.payflow.core.api;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListPartnerTransactionsRequest;
import dev.payflow.proto.v1.ListPartnerTransactionsResponse;
import dev.payflow.proto.v1.LookupTransactionRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.TransactionAdminServiceGrpc;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Operators read any partner's transactions (the console's transactions page); partner keys never can. */
class TransactionAdminTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;
    private static Wallet first;
    private static Wallet second;
    private static Transaction credit;
    private static Transaction transfer;
    private static Transaction debit;
    private static Transaction othersCredit;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
        first = payflow.newWallet(partner.sandboxKey(), "USD");
        second = payflow.newWallet(partner.sandboxKey(), "USD");
        credit = payflow.credit(partner.sandboxKey(), first.getId(), "40.00", "USD");
        transfer = payflow.transfer(partner.sandboxKey(), first.getId(), second.getId(), "15.00", "USD");
        debit = payflow.debit(partner.sandboxKey(), first.getId(), "5.00", "USD");
        othersCredit = payflow.credit(otherPartner.sandboxKey(), payflow.newWallet(otherPartner.sandboxKey(), "USD").getId(), "1.00", "USD");
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static TransactionAdminServiceGrpc.TransactionAdminServiceBlockingStub admin() {
        return TestServer.withBearer(TransactionAdminServiceGrpc.newBlockingStub(payflow.channel()), payflow.server().adminToken());
    }

    @Test
    void anOperatorLooksUpAnyPartnersTransactionByIdOverGrpcAndRest() {
        assertThat(admin().lookupTransaction(LookupTransactionRequest.newBuilder().setId(transfer.getId()).build())).isEqualTo(transfer);
        TestServer.Rest overRest = payflow.rest("GET", "/api/admin/transactions/" + othersCredit.getId(), payflow.server().adminToken(), null);
        assertThat(overRest.status()).isEqualTo(200);
        assertThat(overRest.body().get("amount").getAsString()).isEqualTo("1.00");
    }

    @Test
    void aMissingOrMalformedTransactionIdIsRefused() {
        assertGrpcError(() -> admin().lookupTransaction(LookupTransactionRequest.newBuilder().setId(unused(dev.payflow.core.domain.IdPrefix.TRANSACTION)).build()),
                Status.Code.NOT_FOUND, "TRANSACTION_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/admin/transactions/" + first.getId(), payflow.server().adminToken(), null), 400, "INVALID_ID");
    }

    @Test
    void aPartnerKeyCannotUseTheOperatorsTransactionRoutes() {
        assertRestError(payflow.rest("GET", "/api/admin/transactions/" + credit.getId(), partner.sandboxKey(), null), 403,
                "ADMIN_CREDENTIALS_REQUIRED");
        assertRestError(payflow.rest("GET", "/api/admin/partners/" + otherPartner.partnerId() + "/transactions", partner.sandboxKey(), null), 403,
                "ADMIN_CREDENTIALS_REQUIRED");
    }

    @Test
    void aPartnersTransactionsAreListedNewestFirstWithWalletTypeAndStatusFiltersAndPages() {
        List<String> all = new ArrayList<>();
        String token = "";
        do {
            ListPartnerTransactionsResponse page = admin().listPartnerTransactions(ListPartnerTransactionsRequest.newBuilder()
                    .setPartnerId(partner.partnerId()).setPageSize(2).setPageToken(token).build());
            page.getTransactionsList().forEach(t -> all.add(t.getId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty() && all.size() < 20);
        assertThat(all).containsExactly(debit.getId(), transfer.getId(), credit.getId());

        assertThat(ids("?walletId=" + second.getId())).containsExactly(transfer.getId());
        assertThat(ids("?type=debit")).containsExactly(debit.getId());
        assertThat(ids("?status=completed&type=credit")).containsExactly(credit.getId());
        assertThat(ids("?livemode=true")).isEmpty();
    }

    @Test
    void anUnknownPartnerOrAWalletOfAnotherPartnerIsNotFound() {
        assertRestError(payflow.rest("GET", "/api/admin/partners/" + unused(dev.payflow.core.domain.IdPrefix.PARTNER) + "/transactions", payflow.server().adminToken(), null),
                404, "PARTNER_NOT_FOUND");
        assertRestError(payflow.rest("GET", "/api/admin/partners/" + otherPartner.partnerId() + "/transactions?walletId=" + first.getId(),
                payflow.server().adminToken(), null), 404, "WALLET_NOT_FOUND");
    }

    /** A well-formed id that names nothing. */
    private static String unused(dev.payflow.core.domain.IdPrefix prefix) {
        return new dev.payflow.core.domain.Ids(java.time.Clock.systemUTC(), new java.security.SecureRandom()).next(prefix);
    }

    private static List<String> ids(String query) {
        TestServer.Rest answer = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId() + "/transactions" + query,
                payflow.server().adminToken(), null);
        assertThat(answer.status()).as("HTTP status of %s", answer.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonElement t : answer.body().getAsJsonArray("transactions")) {
            ids.add(t.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }
}
