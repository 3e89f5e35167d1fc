package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakePayPal.ORDERS;
import static dev.payflow.core.testing.FakePayPal.captured;
import static dev.payflow.core.testing.FakePayPal.newOrderId;
import static dev.payflow.core.testing.FakePayPal.order;
import static dev.payflow.core.testing.FakePayPal.vaultToken;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.payflow.core.testing.FakePayPal;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentMethodRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.DeletePaymentMethodRequest;
import dev.payflow.proto.v1.GetPaymentMethodRequest;
import dev.payflow.proto.v1.ListPaymentMethodsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentMethod;
import dev.payflow.proto.v1.PaymentMethodServiceGrpc;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PayPal vault tokens as payment methods, against the fake PayPal's Vault API (the real SDK's VaultController runs). */
class PayPalPaymentMethodTest {
    private static FakePayPal paypal;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys other;

    @BeforeAll
    static void start() {
        paypal = FakePayPal.start();
        payflow = TestServer.startWithPayPal(paypal, Optional.empty(), TestClock.system());
        partner = payflow.onboard(Partner.Status.active);
        other = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (paypal != null) {
            paypal.close();
        }
    }

    @BeforeEach
    void forgetPayPalsAnswers() {
        paypal.reset();
    }

    private static PaymentMethodServiceGrpc.PaymentMethodServiceBlockingStub methods(String key) {
        return TestServer.withBearer(PaymentMethodServiceGrpc.newBlockingStub(payflow.channel()), key);
    }

    private static String newVaultToken() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static CreatePaymentMethodRequest vaulted(String token, String user) {
        return CreatePaymentMethodRequest.newBuilder().setProvider("paypal").setProviderToken(token).setExternalUserId(user).build();
    }

    private static CreatePaymentRequest.Builder payingWith(Wallet wallet, String amount, String paymentMethodId) {
        return CreatePaymentRequest.newBuilder().setAmount(amount).setCurrency("USD").setPaymentMethodId(paymentMethodId)
                .setWalletId(wallet.getId()).setIdempotencyKey(newIdempotencyKey());
    }

    @Test
    void aVaultTokenIsAttachedOnceListedPaidWithThroughPayPalAndDetachedByDeletingItAtPayPal() {
        String token = newVaultToken();
        paypal.vaultHoldsPayPalWallet(token, "CUSTPAYPAL01");
        String user = "user_" + UUID.randomUUID();

        PaymentMethod attached = methods(partner.sandboxKey()).createPaymentMethod(vaulted(token, user));
        PaymentMethod again = methods(partner.sandboxKey()).createPaymentMethod(vaulted(token, user));

        assertThat(attached.getId()).startsWith("pmd_");
        assertThat(attached.getType()).isEqualTo("paypal");
        assertThat(attached.getProvider()).isEqualTo("paypal");
        assertThat(attached.getCustomer()).isEqualTo("CUSTPAYPAL01");
        assertThat(attached.getVerification()).isEqualTo("verified");
        assertThat(attached.getStatus()).isEqualTo("active");
        assertThat(attached.getLivemode()).isFalse();
        assertThat(again.getId()).isEqualTo(attached.getId());
        assertThat(paypal.getsOf(vaultToken(token))).hasSize(1);
        assertThat(methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId(user)
                .setType("paypal").build()).getPaymentMethodsList()).extracting(PaymentMethod::getId).containsExactly(attached.getId());

        // A payment naming it goes through PayPal with the vault token, and needs no approval.
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 201, order(orderId, "COMPLETED", "CAPTURE", "pmt_x", "18.00", "USD",
                captured("CAP" + orderId, "COMPLETED", "18.00", "USD")));
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payingWith(wallet, "18.00", attached.getId()).build());
        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payment.getProvider()).isEqualTo("paypal");
        assertThat(JsonParser.parseString(paypal.postsTo(ORDERS).get(0).getBodyAsString()).getAsJsonObject().getAsJsonObject("payment_source")
                .getAsJsonObject("paypal").get("vault_id").getAsString()).isEqualTo(token);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("18.00");

        PaymentMethod detached = methods(partner.sandboxKey()).deletePaymentMethod(DeletePaymentMethodRequest.newBuilder()
                .setId(attached.getId()).build());
        PaymentMethod detachedAgain = methods(partner.sandboxKey()).deletePaymentMethod(DeletePaymentMethodRequest.newBuilder()
                .setId(attached.getId()).build());

        assertThat(detached.getStatus()).isEqualTo("detached");
        assertThat(detachedAgain.getStatus()).isEqualTo("detached");
        assertThat(paypal.deletesOf(vaultToken(token))).hasSize(1);
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payingWith(wallet, "5.00", attached.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "PAYMENT_METHOD_DETACHED");
        assertThat(paypal.postsTo(ORDERS)).hasSize(1);
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void anotherPartnerCanNeitherSeeNorPayWithNorDetachAPartnersVaultToken() {
        String token = newVaultToken();
        paypal.vaultHoldsPayPalWallet(token, "CUSTPAYPAL02");
        PaymentMethod attached = methods(partner.sandboxKey()).createPaymentMethod(vaulted(token, "user_a"));
        Wallet othersWallet = payflow.newWallet(other.sandboxKey(), "USD");

        assertGrpcError(() -> methods(other.sandboxKey()).getPaymentMethod(GetPaymentMethodRequest.newBuilder().setId(attached.getId()).build()),
                Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> payflow.payments(other.sandboxKey()).createPayment(payingWith(othersWallet, "5.00", attached.getId()).build()),
                Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> methods(other.sandboxKey()).deletePaymentMethod(DeletePaymentMethodRequest.newBuilder().setId(attached.getId())
                .build()), Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> methods(partner.productionKey()).getPaymentMethod(GetPaymentMethodRequest.newBuilder().setId(attached.getId())
                .build()), Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertThat(methods(other.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.getDefaultInstance()).getPaymentMethodsList())
                .extracting(PaymentMethod::getId).doesNotContain(attached.getId());
        assertThat(paypal.deletesOf(vaultToken(token))).isEmpty();
        assertThat(paypal.postsTo(ORDERS)).isEmpty();
    }

    @Test
    void aTokenNotOfPayPalsFormatACardNumberOrATokenPayPalDoesNotKnowIsRefusedAndNothingIsKept() {
        for (String wrong : new String[] {"pm_card_visa", "paypal", "abc12", "8kk8451t/../x", "tok with spaces"}) {
            assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(vaulted(wrong, "user_x")), Status.Code.INVALID_ARGUMENT,
                    "INVALID_FIELD");
        }
        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(vaulted("4242424242424242", "user_x")),
                Status.Code.INVALID_ARGUMENT, "CARD_DATA_NOT_ACCEPTED");
        assertThat(paypal.getsOf(vaultToken("pm_card_visa"))).isEmpty();

        String unknown = newVaultToken();
        paypal.vaultDoesNotHave(unknown);
        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(vaulted(unknown, "user_unknown")),
                Status.Code.INVALID_ARGUMENT, "PAYMENT_METHOD_REFUSED");
        assertThat(methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId("user_unknown")
                .build()).getPaymentMethodsList()).isEmpty();

        // Live mode has no PayPal here.
        assertGrpcError(() -> methods(partner.productionKey()).createPaymentMethod(vaulted(newVaultToken(), "user_live")),
                Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
    }
}
