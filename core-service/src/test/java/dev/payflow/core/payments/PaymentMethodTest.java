package dev.payflow.core.payments;

import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static dev.payflow.core.testing.ApiErrors.assertRestError;
import static dev.payflow.core.testing.FakeStripe.paymentIntent;
import static dev.payflow.core.testing.TestServer.newIdempotencyKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.core.testing.FakeStripe;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.BillingDetails;
import dev.payflow.proto.v1.CreatePaymentMethodRequest;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.DeletePaymentMethodRequest;
import dev.payflow.proto.v1.GetPaymentMethodRequest;
import dev.payflow.proto.v1.ListPaymentMethodsRequest;
import dev.payflow.proto.v1.ListPaymentMethodsResponse;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Payment;
import dev.payflow.proto.v1.PaymentMethod;
import dev.payflow.proto.v1.PaymentMethodServiceGrpc;
import dev.payflow.proto.v1.UpdatePaymentMethodRequest;
import io.grpc.Status;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Payment methods kept as Stripe tokens: attached to Stripe's customer through stripe-java
 * (Stripe played by a fake at the HTTP level), shown, listed, changed, detached, paid with, and
 * never another partner's.
 */
class PaymentMethodTest {
    private static FakeStripe stripe;
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys otherPartner;

    @BeforeAll
    static void start() {
        stripe = FakeStripe.start();
        payflow = TestServer.startWithStripe(stripe);
        partner = payflow.onboard(Partner.Status.active);
        otherPartner = payflow.onboard(Partner.Status.active);
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

    private static PaymentMethodServiceGrpc.PaymentMethodServiceBlockingStub methods(String key) {
        return TestServer.withBearer(PaymentMethodServiceGrpc.newBlockingStub(payflow.channel()), key);
    }

    /** A fresh Stripe PaymentMethod id, as Stripe makes them. */
    private static String newToken() {
        return "pm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** A card PaymentMethod as Stripe sends it. */
    private static String stripeCard(String token, String customer, String brand, String last4, String cvcCheck) {
        return "{\"id\":\"" + token + "\",\"object\":\"payment_method\",\"type\":\"card\",\"livemode\":false,\"created\":1700000000,"
                + "\"customer\":" + (customer == null ? "null" : "\"" + customer + "\"") + ",\"billing_details\":{},\"metadata\":{},"
                + "\"card\":{\"brand\":\"" + brand + "\",\"last4\":\"" + last4 + "\",\"exp_month\":8,\"exp_year\":2031,"
                + "\"checks\":{\"cvc_check\":\"" + cvcCheck + "\"}}}";
    }

    private static PaymentMethod attach(String key, String token, String customer, String externalUserId) {
        stripe.alsoAnswers("/v1/payment_methods/" + token + "/attach", 200, stripeCard(token, customer, "visa", "4242", "pass"));
        return methods(key).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe").setProviderToken(token)
                .setCustomer(customer).setExternalUserId(externalUserId).build());
    }

    @Test
    void aTokenAttachedToACustomerAtStripeShowsItsCardAndIsKeptOnceWhenAttachedAgain() {
        String token = newToken();
        stripe.alsoAnswers("/v1/payment_methods/" + token + "/attach", 200, stripeCard(token, "cus_alice", "mastercard", "4444", "pass"));

        PaymentMethod method = methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(token).setCustomer("cus_alice").setExternalUserId("alice")
                .setBillingDetails(BillingDetails.newBuilder().setName("Alice Example").setCountry("DE"))
                .setMetadata(Struct.newBuilder().putFields("label", Value.newBuilder().setStringValue("work card").build())).build());

        assertThat(method.getId()).startsWith("pmd_");
        assertThat(method.getType()).isEqualTo("card");
        assertThat(method.getCard()).isEqualTo(PaymentMethod.Card.newBuilder().setBrand("mastercard").setLast4("4444").setExpMonth(8)
                .setExpYear(2031).build());
        assertThat(method.getVerification()).isEqualTo("verified");
        assertThat(method.getProvider()).isEqualTo("stripe");
        assertThat(method.getCustomer()).isEqualTo("cus_alice");
        assertThat(method.getExternalUserId()).isEqualTo("alice");
        assertThat(method.getStatus()).isEqualTo("active");
        assertThat(method.getBillingDetails().getName()).isEqualTo("Alice Example");
        assertThat(method.getLivemode()).isFalse();
        var attaches = stripe.requestsTo("/v1/payment_methods/" + token + "/attach");
        assertThat(attaches).hasSize(1);
        assertThat(FakeStripe.form(attaches.get(0))).containsEntry("customer", "cus_alice");
        assertThat(attaches.get(0).getHeader("Idempotency-Key")).isEqualTo("attach:" + token + ":cus_alice");

        PaymentMethod again = methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(token).setCustomer("cus_alice").build());
        assertThat(again).isEqualTo(method);
        assertThat(stripe.requestsTo("/v1/payment_methods/" + token + "/attach")).as("the second attach did not call Stripe").hasSize(1);
    }

    @Test
    void aTokenWithoutACustomerIsOnlyReadAtStripeAndAnUncheckedCardIsUnverified() {
        String token = newToken();
        stripe.alsoAnswersGet("/v1/payment_methods/" + token, stripeCard(token, null, "amex", "0005", "unchecked"));

        TestServer.Rest created = payflow.rest("POST", "/api/v1/payment-methods", partner.sandboxKey(),
                "{\"provider\": \"stripe\", \"providerToken\": \"" + token + "\", \"externalUserId\": \"bob\"}");

        assertThat(created.status()).isEqualTo(200);
        assertThat(created.body().get("id").getAsString()).startsWith("pmd_");
        assertThat(created.body().getAsJsonObject("card").get("brand").getAsString()).isEqualTo("amex");
        assertThat(created.body().get("verification").getAsString()).isEqualTo("unverified");
        assertThat(created.body().get("customer").getAsString()).isEmpty();
        assertThat(created.body().get("livemode").getAsBoolean()).isFalse();
        assertThat(stripe.getsOf("/v1/payment_methods/" + token)).hasSize(1);
        assertThat(stripe.requestsTo("/v1/payment_methods/" + token + "/attach")).isEmpty();
    }

    @Test
    void methodsAreListedByUserAndTypeNewestFirstAcrossPages() {
        String user = "lister-" + UUID.randomUUID();
        PaymentMethod first = attach(partner.sandboxKey(), newToken(), "cus_lister", user);
        PaymentMethod second = attach(partner.sandboxKey(), newToken(), "cus_lister", user);
        PaymentMethod third = attach(partner.sandboxKey(), newToken(), "cus_lister", user);

        ListPaymentMethodsResponse page = methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder()
                .setExternalUserId(user).setType("card").setPageSize(2).build());
        ListPaymentMethodsResponse rest = methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder()
                .setExternalUserId(user).setType("card").setPageSize(2).setPageToken(page.getNextPageToken()).build());

        assertThat(page.getPaymentMethodsList()).extracting(PaymentMethod::getId).containsExactly(third.getId(), second.getId());
        assertThat(rest.getPaymentMethodsList()).extracting(PaymentMethod::getId).containsExactly(first.getId());
        assertThat(rest.getNextPageToken()).isEmpty();
        assertThat(methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId(user)
                .setType("paypal").build()).getPaymentMethodsList()).isEmpty();
        assertGrpcError(() -> methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setType("cash").build()),
                Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertThat(payflow.rest("GET", "/api/v1/payment-methods?externalUserId=" + user, partner.sandboxKey(), null).body()
                .getAsJsonArray("paymentMethods")).hasSize(3);
    }

    @Test
    void metadataAndBillingDetailsChangeOnlyWhenSentAndACardNumberInThemIsRefused() {
        PaymentMethod method = attach(partner.sandboxKey(), newToken(), "cus_update", "updater");

        PaymentMethod renamed = methods(partner.sandboxKey()).updatePaymentMethod(UpdatePaymentMethodRequest.newBuilder().setId(method.getId())
                .setBillingDetails(BillingDetails.newBuilder().setName("Carol").setEmail("carol@example.com").setPostalCode("10115")).build());
        TestServer.Rest relabelled = payflow.rest("PATCH", "/api/v1/payment-methods/" + method.getId(), partner.sandboxKey(),
                "{\"metadata\": {\"label\": \"travel\"}}");

        assertThat(renamed.getBillingDetails().getName()).isEqualTo("Carol");
        assertThat(renamed.getMetadata()).isEqualTo(method.getMetadata());
        assertThat(relabelled.status()).isEqualTo(200);
        assertThat(relabelled.body().getAsJsonObject("metadata").get("label").getAsString()).isEqualTo("travel");
        assertThat(relabelled.body().getAsJsonObject("billingDetails").get("name").getAsString()).as("not sent, not changed").isEqualTo("Carol");
        assertGrpcError(() -> methods(partner.sandboxKey()).updatePaymentMethod(UpdatePaymentMethodRequest.newBuilder().setId(method.getId())
                .setBillingDetails(BillingDetails.newBuilder().setName("4000 0566 5566 5556")).build()), Status.Code.INVALID_ARGUMENT,
                "CARD_DATA_NOT_ACCEPTED");
        assertGrpcError(() -> methods(partner.sandboxKey()).updatePaymentMethod(UpdatePaymentMethodRequest.newBuilder().setId(method.getId())
                .setBillingDetails(BillingDetails.newBuilder().setCountry("Germany")).build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertThat(get(partner.sandboxKey(), method.getId()).getBillingDetails().getName()).isEqualTo("Carol");
    }

    @Test
    void aDetachedMethodIsDetachedAtStripeOnceLeavesTheListsAndCannotBePaidWith() {
        String token = newToken();
        PaymentMethod method = attach(partner.sandboxKey(), token, "cus_detach", "detacher");
        stripe.alsoAnswers("/v1/payment_methods/" + token + "/detach", 200, stripeCard(token, null, "visa", "4242", "pass"));

        PaymentMethod detached = methods(partner.sandboxKey()).deletePaymentMethod(DeletePaymentMethodRequest.newBuilder()
                .setId(method.getId()).build());
        TestServer.Rest again = payflow.rest("DELETE", "/api/v1/payment-methods/" + method.getId(), partner.sandboxKey(), null);

        assertThat(detached.getStatus()).isEqualTo("detached");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().get("status").getAsString()).isEqualTo("detached");
        assertThat(stripe.requestsTo("/v1/payment_methods/" + token + "/detach")).as("detached at Stripe once").hasSize(1);
        assertThat(get(partner.sandboxKey(), method.getId()).getStatus()).isEqualTo("detached");
        assertThat(methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId("detacher")
                .build()).getPaymentMethodsList()).isEmpty();
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payWith(method.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "PAYMENT_METHOD_DETACHED");
        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(token).build()), Status.Code.FAILED_PRECONDITION, "PAYMENT_METHOD_DETACHED");
        assertGrpcError(() -> methods(partner.sandboxKey()).updatePaymentMethod(UpdatePaymentMethodRequest.newBuilder()
                .setId(method.getId()).setMetadata(Struct.getDefaultInstance()).build()), Status.Code.FAILED_PRECONDITION,
                "PAYMENT_METHOD_DETACHED");
    }

    @Test
    void aPaymentNamingOurMethodSendsStripeItsTokenAndCustomer() {
        String token = newToken();
        PaymentMethod method = attach(partner.sandboxKey(), token, "cus_payer", "payer");
        String intent = FakeStripe.newPaymentIntentId();
        stripe.answersCreateWith(paymentIntent(intent, "succeeded", 700, "usd", ""));

        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(payWith(method.getId()).build());

        assertThat(payment.getStatus()).isEqualTo(Payment.Status.succeeded);
        assertThat(FakeStripe.form(stripe.createRequests().get(0))).containsEntry("payment_method", token)
                .containsEntry("customer", "cus_payer");
        assertGrpcError(() -> payflow.payments(partner.sandboxKey()).createPayment(payWith(method.getId()).setPaymentMethod("pm_card_visa")
                .build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
    }

    @Test
    void anotherPartnerCanNeitherSeeNorChangeNorPayWithAPartnersMethod() {
        PaymentMethod method = attach(partner.sandboxKey(), newToken(), "cus_private", "private-user");
        String theirs = otherPartner.sandboxKey();

        assertGrpcError(() -> get(theirs, method.getId()), Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> methods(theirs).updatePaymentMethod(UpdatePaymentMethodRequest.newBuilder().setId(method.getId())
                .setMetadata(Struct.getDefaultInstance()).build()), Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> methods(theirs).deletePaymentMethod(DeletePaymentMethodRequest.newBuilder().setId(method.getId()).build()),
                Status.Code.NOT_FOUND, "PAYMENT_METHOD_NOT_FOUND");
        assertGrpcError(() -> payflow.payments(theirs).createPayment(payWith(method.getId()).build()), Status.Code.NOT_FOUND,
                "PAYMENT_METHOD_NOT_FOUND");
        assertThat(methods(theirs).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId("private-user").build())
                .getPaymentMethodsList()).isEmpty();
        assertThat(get(partner.sandboxKey(), method.getId()).getStatus()).as("the owner's method is untouched").isEqualTo("active");
    }

    @Test
    void tokensOfAnotherFormatCardNumbersAndUnknownProvidersAreRefusedBeforeStripeIsCalled() {
        assertGrpcError(() -> create("stripe", "tok_visa"), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> create("stripe", "4242424242424242"), Status.Code.INVALID_ARGUMENT, "CARD_DATA_NOT_ACCEPTED");
        assertGrpcError(() -> create("stripe", "pm_card visa"), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> create("adyen", "pm_card_visa"), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> create("", "pm_card_visa"), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        assertGrpcError(() -> create("stripe", ""), Status.Code.INVALID_ARGUMENT, "MISSING_FIELD");
        // A PayPal vault token's format is checked first; a well-formed one meets a server without PayPal.
        assertGrpcError(() -> create("paypal", "vault_token_1"), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertGrpcError(() -> create("paypal", "8kk8451t"), Status.Code.FAILED_PRECONDITION, "GATEWAY_NOT_CONFIGURED");
        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(newToken()).setCustomer("alice").build()), Status.Code.INVALID_ARGUMENT, "INVALID_FIELD");
        assertRestError(payflow.rest("POST", "/api/v1/payment-methods", partner.sandboxKey(),
                "{\"provider\": \"stripe\", \"providerToken\": \"pm_ok\", \"metadata\": {\"pan\": \"5555 5555 5555 4444\"}}"), 400,
                "CARD_DATA_NOT_ACCEPTED");
        assertGrpcError(() -> get(partner.sandboxKey(), "pm_card_visa"), Status.Code.INVALID_ARGUMENT, "INVALID_ID");
    }

    @Test
    void aTokenStripeRefusesIsNotStoredAndStripeDownIsGatewayUnavailable() {
        String refused = newToken();
        stripe.alsoAnswers("/v1/payment_methods/" + refused + "/attach", 400, "{\"error\":{\"type\":\"invalid_request_error\","
                + "\"code\":\"resource_missing\",\"message\":\"No such PaymentMethod: '" + refused + "'\"}}");
        String unanswered = newToken();
        stripe.alsoAnswers("/v1/payment_methods/" + unanswered + "/attach", 503, "{\"error\":{\"type\":\"api_error\",\"message\":\"down\"}}");

        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(refused).setCustomer("cus_refused").setExternalUserId("refused-user").build()), Status.Code.INVALID_ARGUMENT,
                "PAYMENT_METHOD_REFUSED");
        assertGrpcError(() -> methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider("stripe")
                .setProviderToken(unanswered).setCustomer("cus_refused").setExternalUserId("refused-user").build()), Status.Code.UNAVAILABLE,
                "GATEWAY_UNAVAILABLE");

        assertThat(methods(partner.sandboxKey()).listPaymentMethods(ListPaymentMethodsRequest.newBuilder().setExternalUserId("refused-user")
                .build()).getPaymentMethodsList()).as("nothing was stored").isEmpty();
    }

    private static PaymentMethod create(String provider, String token) {
        return methods(partner.sandboxKey()).createPaymentMethod(CreatePaymentMethodRequest.newBuilder().setProvider(provider)
                .setProviderToken(token).build());
    }

    private static PaymentMethod get(String key, String id) {
        return methods(key).getPaymentMethod(GetPaymentMethodRequest.newBuilder().setId(id).build());
    }

    private static CreatePaymentRequest.Builder payWith(String paymentMethodId) {
        return CreatePaymentRequest.newBuilder().setAmount("7.00").setCurrency("USD").setPaymentMethodId(paymentMethodId)
                .setIdempotencyKey(newIdempotencyKey());
    }
}
