package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.FakeStripe.newPaymentIntentId;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.gateway.StripePayments;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stripe down: the circuit opens, calls are refused at once before any key is claimed, and it closes again when Stripe is back. */
class StripeCircuitBreakerTest {
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe.config(), TestClock.frozenAt(Instant.parse("2026-12-01T09:00:00Z")));
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        if (payflow != null) {
            payflow.close();
        }
        if (stripe != null) {
            stripe.close();
        }
    }

    private static CreatePaymentRequest payment(Wallet wallet, String key) {
        return CreatePaymentRequest.newBuilder().setAmount("1.00").setCurrency("USD").setPaymentMethod("pm_card_visa")
                .setWalletId(wallet.getId()).setIdempotencyKey(key).build();
    }

    @Test
    void stripeFailingOpensTheCircuitWhichAnswersGatewayUnavailableAtOnceWithoutClaimingTheKeyAndClosesWhenStripeIsBack() throws Exception {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        stripe.failsCreateWith(503);
        for (int i = 0; i < 5; i++) {
            assertThat(payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, newIdempotencyKey())).getStatus())
                    .isEqualTo(Payment.Status.pending);
        }
        int callsWhileFailing = stripe.createRequests().size();
        assertThat(metrics()).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"stripe-test\"[^}]*state=\"open\"[^}]*} 1\\.0");
        String key = newIdempotencyKey();

        long started = System.nanoTime();
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, key)), Status.Code.UNAVAILABLE,
                "GATEWAY_UNAVAILABLE");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(stripe.createRequests()).hasSize(callsWhileFailing);

        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 100, "usd", ""));
        payflow.clock().advance(StripePayments.BREAKER_OPEN_FOR.plusSeconds(1));
        Payment retried = payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, key));
        stripe.answersCreateWith(paymentIntent(newPaymentIntentId(), "succeeded", 100, "usd", ""));
        Payment next = payflow.payments(partner.sandboxKey()).createPayment(payment(wallet, newIdempotencyKey()));

        assertThat(retried.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(next.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("2.00");
        assertThat(metrics()).containsPattern("resilience4j_circuitbreaker_state\\{[^}]*name=\"stripe-test\"[^}]*state=\"closed\"[^}]*} 1\\.0");
    }

    private static String metrics() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + payflow.server().managementPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
