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
    public String publishableKey() {
        return "";
    }

    @Override
    public boolean settles(String currencyCode) {
        return true;
    }
}
