package dev.payflow.core.api;

import dev.payflow.core.domain.Payout;
import dev.payflow.core.webhook.PayoutEventPayloads;

/**
 * A payout's event data: {@code object} (the payout exactly as a GET of it prints it) and the flat
 * fields a partner's books need, among them {@code gatewayReference} (the gateway's payout, or its
 * transfer for a payout to a Standard account).
 */
public final class PayoutEventJson implements PayoutEventPayloads {
    @Override
    public String payout(Payout payout) {
        com.google.gson.JsonObject data = new com.google.gson.JsonObject();
        data.add("object", com.google.gson.JsonParser.parseString(LedgerEventJson.print(PayoutMapping.payout(payout))));
        data.addProperty("payoutId", payout.id());
        data.addProperty("walletId", payout.walletId());
        data.addProperty("amount", payout.amount().format());
        data.addProperty("currency", payout.amount().currency().code());
        data.addProperty("status", payout.status().wireName());
        data.addProperty("gatewayReference", payout.gatewayReference().orElse(""));
        data.addProperty("failureCode", payout.failureCode().orElse(""));
        data.addProperty("failureMessage", payout.failureMessage().orElse(""));
        return data.toString();
    }
}
