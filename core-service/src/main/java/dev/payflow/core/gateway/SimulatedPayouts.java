package dev.payflow.core.gateway;

import dev.payflow.core.domain.Money;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Payouts in sandbox without a Stripe key, to simulated connected accounts: the transfer is made
 * at once ({@code tr_sim_...}), the bank payout goes {@code in_transit} with an arrival
 * {@code delay} from now, and is {@code paid} when asked about after that, or {@code failed} with
 * the failure code its recipient was created to fail with (the connected account's metadata
 * {@code simulatedPayoutFailure}), as Stripe's test bank accounts do. No state of its own: what
 * the simulated bank will answer is carried in the payout's id, so a restart changes nothing.
 */
public final class SimulatedPayouts implements PayoutProvider {
    private static final String TRANSFER_PREFIX = "tr_sim_";
    private static final String PAYOUT_PREFIX = "po_sim_";
    private static final String FAILS = "_fails_";

    private final Clock clock;
    private final Duration delay;

    public SimulatedPayouts(Clock clock, Duration delay) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.delay = Objects.requireNonNull(delay, "delay");
    }

    @Override
    public String name() {
        return SimulatedConnect.NAME;
    }

    @Override
    public Outcome<Transfer> createTransfer(CreateTransfer call) {
        return new Outcome.Answered<>(transfer(call.payoutId(), call.amount().minorUnits(), false));
    }

    @Override
    public Outcome<Optional<Transfer>> findTransfer(String providerAccountId, String transferGroup) {
        // Every simulated transfer is made by the first call, so a retry finds it under its derived id (the amount is not kept).
        return new Outcome.Answered<>(Optional.empty());
    }

    @Override
    public Outcome<String> reverseTransfer(String providerTransferId, Money amount, Map<String, String> metadata, String idempotencyKey) {
        return new Outcome.Answered<>("trr_sim_" + providerTransferId.substring(TRANSFER_PREFIX.length()));
    }

    @Override
    public Outcome<BankPayout> createPayout(CreatePayout call) {
        String id = PAYOUT_PREFIX + body(call.payoutId()) + call.simulatedFailureCode().map(code -> FAILS + code).orElse("");
        Instant arrival = clock.instant().plus(delay);
        return new Outcome.Answered<>(new BankPayout(id, "in_transit", Optional.of(arrival), Optional.empty(), Optional.empty(), json(id,
                "in_transit")));
    }

    /** Asked at or after the arrival date (the payout worker asks then): paid, or failed as its recipient was created to fail. */
    @Override
    public Outcome<BankPayout> retrievePayout(String providerAccountId, String providerPayoutId) {
        int fails = providerPayoutId.indexOf(FAILS);
        if (fails >= 0) {
            String code = providerPayoutId.substring(fails + FAILS.length());
            return new Outcome.Answered<>(new BankPayout(providerPayoutId, "failed", Optional.empty(), Optional.of(code),
                    Optional.of("the simulated bank refused the payout (" + code + ")"), json(providerPayoutId, "failed")));
        }
        return new Outcome.Answered<>(new BankPayout(providerPayoutId, "paid", Optional.empty(), Optional.empty(), Optional.empty(),
                json(providerPayoutId, "paid")));
    }

    /** A simulated payout is in transit from the start: the simulated bank has taken it, as a real one would have by then. */
    @Override
    public Outcome<BankPayout> cancelPayout(String providerAccountId, String providerPayoutId, String idempotencyKey) {
        return new Outcome.Refused<>("payout_not_cancelable", "the simulated bank has already taken payout " + providerPayoutId);
    }

    /** The gateway id of the simulated transfer of a payout of ours: derived from our id, so a repeated create makes the same one. */
    static Transfer transfer(String payoutId, long amountMinor, boolean reversed) {
        String id = TRANSFER_PREFIX + body(payoutId);
        return new Transfer(id, amountMinor, reversed, "{\"id\":\"" + id + "\",\"object\":\"transfer\",\"simulated\":true}");
    }

    private static String body(String payoutId) {
        return payoutId.substring(payoutId.indexOf('_') + 1);
    }

    private static String json(String id, String status) {
        return "{\"id\":\"" + id + "\",\"object\":\"payout\",\"status\":\"" + status + "\",\"simulated\":true}";
    }
}
