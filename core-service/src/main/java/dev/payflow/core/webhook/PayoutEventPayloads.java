package dev.payflow.core.webhook;

import dev.payflow.core.domain.Payout;

/** How a payout's event data is printed: by the API, with the payout exactly as a GET of it prints it. */
public interface PayoutEventPayloads {
    String payout(Payout payout);
}
