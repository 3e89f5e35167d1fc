package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakePayPal.ORDERS;
import static dev.payflow.core.testing.FakePayPal.newOrderId;
import static dev.payflow.core.testing.FakePayPal.order;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.payflow.core.testing.FakePayPal;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.Wallet;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Provider selection per partner, against the fake Stripe and the fake PayPal (both real client
 * libraries run): the settings through UpdatePartner, the default provider, a provider not
 * enabled, and Stripe down with and without the partner's fallback. The test that opens Stripe's
 * breaker (shared by every partner of the mode) runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderSelectionTest {
    private static FakeStripe stripe;
    private static FakePayPal paypal;
    private static TestServer payflow;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        paypal = FakePayPal.start();
        payflow = TestServer.startWithPayPal(paypal, Optional.of(stripe), TestClock.frozenAt(Instant.parse("2026-12-02T09:00:00Z")));
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (paypal != null) {
            paypal.close();
        }
        if (stripe != null) {
            stripe.close();
        }
    }

    @BeforeEach
    void forgetPayPalsAnswers() {
        paypal.reset();
    }

    private static TestServer.Rest settings(TestServer.PartnerKeys partner, String json) {
        return payflow.rest("PATCH", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN, json);
    }

    private static List<String> strings(JsonArray array) {
        return array.asList().stream().map(element -> element.getAsString()).toList();
    }

    private static CreatePaymentRequest.Builder payment(Wallet wallet, String paymentMethod) {
        return CreatePaymentRequest.newBuilder().setAmount("10.00").setCurrency("USD").setPaymentMethod(paymentMethod)
                .setWalletId(wallet.getId()).setReturnUrl("https://partner.example/back").setIdempotencyKey(newIdempotencyKey());
    }

    @Test
    @Order(1)
    void aPartnersProviderSettingsStartAtTodaysBehaviourAndRoundTripThroughUpdatePartner() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        JsonObject before = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN, null).body();
        assertThat(strings(before.getAsJsonArray("enabledProviders"))).containsExactly("stripe", "paypal");
        assertThat(before.get("defaultProvider").getAsString()).isEqualTo("stripe");
        assertThat(before.get("fallbackProvider").getAsString()).isEmpty();

        TestServer.Rest changed = settings(partner, "{\"enabledProviders\": [\"paypal\", \"stripe\"], \"defaultProvider\": \"paypal\","
                + " \"fallbackProvider\": \"stripe\"}");
        assertThat(changed.status()).as("%s", changed.body()).isEqualTo(200);
        JsonObject read = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN, null).body();
        // Kept in the fixed order, whatever order they were sent in.
        assertThat(strings(read.getAsJsonArray("enabledProviders"))).containsExactly("stripe", "paypal");
        assertThat(read.get("defaultProvider").getAsString()).isEqualTo("paypal");
        assertThat(read.get("fallbackProvider").getAsString()).isEqualTo("stripe");
        assertThat(read.get("platformFeeBasisPoints").getAsInt()).as("other settings untouched").isEqualTo(1000);

        // Named in the mask but unset: back to the defaults.
        TestServer.Rest reset = settings(partner, "{\"updateMask\": \"defaultProvider,fallbackProvider,enabledProviders\"}");
        assertThat(reset.status()).as("%s", reset.body()).isEqualTo(200);
        assertThat(strings(reset.body().getAsJsonArray("enabledProviders"))).containsExactly("stripe", "paypal");
        assertThat(reset.body().get("defaultProvider").getAsString()).isEqualTo("stripe");
        assertThat(reset.body().get("fallbackProvider").getAsString()).isEmpty();
    }

    @Test
    @Order(2)
    void providerSettingsThatDoNotFitTogetherAreRefusedAndChangeNothing() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertRestError(settings(partner, "{\"defaultProvider\": \"adyen\"}"), 400, "INVALID_FIELD");
        assertRestError(settings(partner, "{\"enabledProviders\": [\"stripe\", \"stripe\"]}"), 400, "INVALID_FIELD");
        assertRestError(settings(partner, "{\"fallbackProvider\": \"stripe\"}"), 400, "INVALID_FIELD");
        assertRestError(settings(partner, "{\"enabledProviders\": [\"paypal\"]}"), 400, "INVALID_FIELD");
        assertThat(settings(partner, "{\"fallbackProvider\": \"paypal\"}").status()).isEqualTo(200);
        // PayPal cannot be disabled while it is the fallback.
        TestServer.Rest refused = settings(partner, "{\"enabledProviders\": [\"stripe\"]}");
        assertRestError(refused, 400, "INVALID_FIELD");
        assertThat(refused.body().get("message").getAsString()).contains("fallbackProvider: paypal is not among enabledProviders [stripe]");
        JsonObject read = payflow.rest("GET", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN, null).body();
        assertThat(strings(read.getAsJsonArray("enabledProviders"))).containsExactly("stripe", "paypal");
        assertThat(read.get("fallbackProvider").getAsString()).isEqualTo("paypal");
    }

    @Test
    @Order(3)
    void aPaymentThatNamesNoProviderGoesToThePartnersDefaultButAStripeTokenStaysWithStripe() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        assertThat(settings(partner, "{\"defaultProvider\": \"paypal\"}").status()).isEqualTo(200);
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 200, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", "10.00", "USD", ""));

        Payment throughDefault = payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, "paypal").build());
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 1000, "usd", ""));
        Payment stripeToken = payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, "pm_card_visa").build());

        assertThat(throughDefault.getProvider()).isEqualTo("paypal");
        assertThat(throughDefault.getStatus()).isEqualTo(Payment.Status.requires_action);
        assertThat(throughDefault.getProviderPaymentId()).isEqualTo(orderId);
        assertThat(stripeToken.getProvider()).isEqualTo("stripe");
        assertThat(stripeToken.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(paypal.postsTo(ORDERS)).hasSize(1);
    }

    @Test
    @Order(4)
    void aProviderThePartnerHasNotEnabledIsRefusedBeforeAnythingIsRecordedOrTheKeyConsumed() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        assertThat(settings(partner, "{\"enabledProviders\": [\"stripe\"]}").status()).isEqualTo(200);
        CreatePaymentRequest request = payment(wallet, "paypal").setProvider("paypal").build();

        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(request), Status.Code.FAILED_PRECONDITION,
                "PROVIDER_NOT_ENABLED");
        assertThat(paypal.postsTo(ORDERS)).isEmpty();

        // Enabled again, the same key goes through: the refusal did not consume it.
        assertThat(settings(partner, "{\"enabledProviders\": [\"stripe\", \"paypal\"]}").status()).isEqualTo(200);
        paypal.answersPost(ORDERS, 200, order(newOrderId(), "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", "10.00", "USD", ""));
        assertThat(payflow.payments(partner.sandboxKey()).createPayment(request).getProvider()).isEqualTo("paypal");
    }

    @Test
    @Order(99)
    void withStripesCircuitOpenAPaymentBoundToNothingGoesToTheFallbackAndSaysSoWhileOthersAreGatewayUnavailable() throws Exception {
        TestServer.PartnerKeys withFallback = payflow.onboard(Partner.Status.active);
        TestServer.PartnerKeys withoutFallback = payflow.onboard(Partner.Status.active);
        assertThat(settings(withFallback, "{\"fallbackProvider\": \"paypal\"}").status()).isEqualTo(200);
        Wallet wallet = payflow.newWallet(withFallback.sandboxKey(), "USD");
        Wallet otherWallet = payflow.newWallet(withoutFallback.sandboxKey(), "USD");
        // Stripe fails until its breaker opens (half of the last calls, at least 5, unknown: the earlier tests' calls count too).
        stripe.failsCreateWith(503);
        int pending = 0;
        while (true) {
            try {
                assertThat(payflow.payments(withoutFallback.sandboxKey()).createPayment(payment(otherWallet, "pm_card_visa").build())
                        .getStatus()).isEqualTo(Payment.Status.pending);
                pending++;
            } catch (io.grpc.StatusRuntimeException refused) {
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                break;
            }
            assertThat(pending).as("Stripe's breaker opens within its window of 10 calls").isLessThanOrEqualTo(10);
        }
        assertThat(pending).isPositive();
        int stripeCalls = stripe.createRequests().size();
        String orderId = newOrderId();
        paypal.answersPost(ORDERS, 200, order(orderId, "PAYER_ACTION_REQUIRED", "CAPTURE", "pmt_x", "10.00", "USD", ""));

        Payment moved = payflow.payments(withFallback.sandboxKey()).createPayment(payment(wallet, "paypal").build());

        assertThat(moved.getProvider()).isEqualTo("paypal");
        assertThat(moved.getStatus()).isEqualTo(Payment.Status.requires_action);
        assertThat(moved.getNextAction().getRedirectUrl()).isEqualTo(FakePayPal.approveUrl(orderId));
        assertThat(moved.getStatusHistoryList()).extracting(Payment.StatusChange::getStatus, Payment.StatusChange::getCause,
                Payment.StatusChange::getCauseId).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Payment.Status.pending, "api", moved.getStatusHistory(0).getCauseId()),
                        org.assertj.core.groups.Tuple.tuple(Payment.Status.pending, "fallback", "stripe"),
                        org.assertj.core.groups.Tuple.tuple(Payment.Status.requires_action, "gateway", moved.getStatusHistory(2).getCauseId()));
        assertThat(moved.getStatusHistory(0).getCauseId()).startsWith("req_");

        // A Stripe token cannot be charged through PayPal; a partner without a fallback has nowhere to go.
        assertGrpcError(() -> payflow.payments(withFallback.sandboxKey()).createPayment(payment(wallet, "pm_card_visa").build()),
                Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        assertGrpcError(() -> payflow.payments(withoutFallback.sandboxKey()).createPayment(payment(otherWallet, "paypal").build()),
                Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        // Nor does a payment that names its provider move.
        assertGrpcError(() -> payflow.payments(withFallback.sandboxKey()).createPayment(payment(wallet, "paypal").setProvider("stripe").build()),
                Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        assertThat(paypal.postsTo(ORDERS)).hasSize(1);
        assertThat(stripe.createRequests()).hasSize(stripeCalls);

        String metrics = metrics();
        assertThat(metrics).contains("payflow_provider_circuit_open{mode=\"test\",provider=\"stripe\"} 1.0");
        assertThat(metrics).contains("payflow_provider_circuit_open{mode=\"test\",provider=\"paypal\"} 0.0");
        assertThat(metrics).contains("payflow_provider_calls_seconds_count{mode=\"test\",operation=\"create\",outcome=\"unknown\","
                + "provider=\"stripe\"} " + pending + "\n");
        assertThat(metrics).containsPattern("payflow_provider_calls_seconds_count\\{mode=\"test\",operation=\"create\",outcome=\"answered\","
                + "provider=\"paypal\"} [1-9]");
        assertThat(metrics).contains("payflow_provider_calls_seconds_bucket{mode=\"test\",operation=\"create\",outcome=\"answered\","
                + "provider=\"paypal\",le=\"100.0\"}");
        assertThat(metrics).contains("payflow_payments_stuck{provider=\"stripe\",status=\"pending\"} 0.0");

        // Past the recovery delay the payments Stripe never answered are still pending: stuck, by provider.
        payflow.clock().advance(Duration.ofMinutes(16));
        payflow.server().paymentRecovery().recoverDue();
        assertThat(metrics()).contains("payflow_payments_stuck{provider=\"stripe\",status=\"pending\"} " + pending + ".0");
        assertThat(metrics()).contains("payflow_payments_stuck{provider=\"paypal\",status=\"requires_action\"} 0.0");
    }

    @Test
    @Order(100)
    void withPayPalsCircuitOpenNothingMovesToStripeSinceEveryPayPalMethodIsPayPals() {
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        assertThat(settings(partner, "{\"defaultProvider\": \"paypal\", \"fallbackProvider\": \"stripe\"}").status()).isEqualTo(200);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        // Stripe's breaker (opened by the test before) lets trial calls through again after its wait: a fallback would be taken.
        payflow.clock().advance(dev.payflow.core.gateway.StripePayments.BREAKER_OPEN_FOR.plusSeconds(1));
        paypal.answersPost(ORDERS, 503, "{\"name\": \"INTERNAL_SERVER_ERROR\"}");
        int pending = 0;
        while (true) {
            try {
                assertThat(payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, "paypal").build()).getStatus())
                        .isEqualTo(Payment.Status.pending);
                pending++;
            } catch (io.grpc.StatusRuntimeException refused) {
                assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                break;
            }
            assertThat(pending).as("PayPal's breaker opens within its window of 10 calls").isLessThanOrEqualTo(10);
        }
        int stripeCalls = stripe.createRequests().size();

        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, "paypal").build()),
                Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, "8kk8451t").build()),
                Status.Code.UNAVAILABLE, "GATEWAY_UNAVAILABLE");
        assertThat(stripe.createRequests()).hasSize(stripeCalls);
    }

    private static String metrics() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
