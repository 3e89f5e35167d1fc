package dev.payflow.core.gateway;

import dev.payflow.core.domain.PaymentStatus;
import java.util.Optional;

/**
 * The sandbox's payments when no Stripe test key is configured: every payment is authorised at
 * once (and captured unless asked not to), without I/O. Its ids are derived from ours, so a
 * replay shows the same one.
 */
public final class SimulatedPayments implements PaymentProvider {

    @Override
    public String name() {
        return SimulatedGateway.NAME;
    }

    @Override
    public CallOutcome createPayment(CreatePayment call) {
        String id = "sim_" + call.paymentId().substring(call.paymentId().indexOf('_') + 1);
        PaymentStatus status = call.capture() ? PaymentStatus.SUCCEEDED : PaymentStatus.REQUIRES_CAPTURE;
        String json = "{\"id\":\"" + id + "\",\"object\":\"simulated_payment\",\"status\":\"" + status.wireName() + "\",\"amount\":"
                + call.amount().minorUnits() + ",\"currency\":\"" + call.amount().currency().code() + "\"}";
        return new CallOutcome.Answered(new ProviderPayment(id, status, Optional.empty(), Optional.empty(), Optional.empty(),
                "simulated_payment", json));
    }

    @Override
    public CallOutcome retrievePayment(String providerPaymentId) {
        // The simulated gateway answers every call at once: nothing it made is ever left unknown.
        return new CallOutcome.Refused("not_found", "the simulated gateway keeps nothing", Optional.empty(), "{}");
    }

    @Override
    public CallOutcome findPayment(String paymentId) {
        return new CallOutcome.Refused("not_found", "the simulated gateway keeps nothing", Optional.empty(), "{}");
    }

    @Override
    public CallOutcome capturePayment(String providerPaymentId, String idempotencyKey) {
        return answered(providerPaymentId, PaymentStatus.SUCCEEDED);
    }

    @Override
    public CallOutcome cancelPayment(String providerPaymentId, String idempotencyKey) {
        return answered(providerPaymentId, PaymentStatus.CANCELLED);
    }

    @Override
    public RefundOutcome refund(String providerPaymentId, long amountMinor, String reason, java.util.Map<String, String> metadata,
            String idempotencyKey) {
        String id = "sim_re_" + idempotencyKey.substring(idempotencyKey.indexOf('_') + 1, idempotencyKey.indexOf(':'));
        return new RefundOutcome.Answered(id, "succeeded", "{\"id\":\"" + id + "\",\"object\":\"simulated_refund\",\"status\":\"succeeded\"}");
    }

    private static CallOutcome answered(String id, PaymentStatus status) {
        return new CallOutcome.Answered(new ProviderPayment(id, status, Optional.empty(), Optional.empty(), Optional.empty(),
                "simulated_payment", "{\"id\":\"" + id + "\",\"object\":\"simulated_payment\",\"status\":\"" + status.wireName() + "\"}"));
    }

    @Override
    public String publishableKey() {
        return "";
    }

    @Override
    public boolean settles(String currencyCode) {
        return true;
    }

    /**
     * Any {@code pm_...} token, as a card: {@code pm_card_<brand>} shows that brand (Stripe's test
     * tokens read the same), anything else {@code visa}; always the test card's last four digits.
     */
    @Override
    public MethodOutcome attachPaymentMethod(String providerToken, Optional<String> customer) {
        String brand = providerToken.startsWith("pm_card_") ? providerToken.substring("pm_card_".length()).toLowerCase(java.util.Locale.ROOT)
                : "visa";
        return new MethodOutcome.Answered(new ProviderPaymentMethod("card",
                Optional.of(new dev.payflow.core.domain.PaymentMethod.Card(brand, SIMULATED_LAST4, 12, SIMULATED_EXP_YEAR)), true, customer));
    }

    @Override
    public MethodOutcome detachPaymentMethod(String providerToken) {
        return new MethodOutcome.Answered(new ProviderPaymentMethod("card", Optional.empty(), true, Optional.empty()));
    }

    /** The last four digits of Stripe's test Visa, which sandbox partners know. */
    static final String SIMULATED_LAST4 = "4242";
    /** A fixed year far enough ahead that a simulated card never expires during a test. */
    static final int SIMULATED_EXP_YEAR = 2034;
}
