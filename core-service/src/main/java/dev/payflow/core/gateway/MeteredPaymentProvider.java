package dev.payflow.core.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A payment provider whose calls are timed and counted, per provider, mode, operation and outcome
 * ({@code payflow_provider_calls_seconds}): the count by outcome is the provider's success rate
 * (an {@code unknown} outcome is the provider failing: no answer, 5xx, 429, its circuit open; a
 * {@code refused} one is the provider answering no, a declined card), the sum and max its latency.
 * Everything else is passed through unchanged.
 */
public final class MeteredPaymentProvider implements PaymentProvider {
    /**
     * Fixed buckets, so replicas' histograms add up: from a fast answer (50 ms) to a call with all
     * its retries (PayPal's whole call is bounded at 100 s).
     */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(100)};

    private final PaymentProvider provider;
    private final String mode;
    private final MeterRegistry meters;

    public MeteredPaymentProvider(PaymentProvider provider, boolean livemode, MeterRegistry meters) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.mode = livemode ? "live" : "test";
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    private <T> T timed(String operation, Supplier<T> call, Function<T, String> outcome) {
        long started = System.nanoTime();
        String result = "unknown";
        try {
            T answer = call.get();
            result = outcome.apply(answer);
            return answer;
        } finally {
            // The wall clock of this JVM, not the service's clock: a latency is measured, not a business time.
            Timer.builder("payflow.provider.calls")
                    .description("Calls to payment providers by provider, mode, operation and outcome (answered, refused, unknown)")
                    .tag("provider", provider.name()).tag("mode", mode).tag("operation", operation).tag("outcome", result)
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(meters)
                    .record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    // Java 17 has no pattern matching in switch: instanceof, in the order of the sealed interfaces.
    private static String outcome(CallOutcome outcome) {
        return outcome instanceof CallOutcome.Answered ? "answered" : outcome instanceof CallOutcome.Refused ? "refused" : "unknown";
    }

    private static String outcome(RefundOutcome outcome) {
        return outcome instanceof RefundOutcome.Answered ? "answered" : outcome instanceof RefundOutcome.Refused ? "refused" : "unknown";
    }

    private static String outcome(MethodOutcome outcome) {
        return outcome instanceof MethodOutcome.Answered ? "answered" : outcome instanceof MethodOutcome.Refused ? "refused" : "unknown";
    }

    private static String outcome(FeeOutcome outcome) {
        return outcome instanceof FeeOutcome.NotYet ? "unknown" : "answered";
    }

    @Override
    public <T extends PaymentProvider> Optional<T> as(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : provider.as(type);
    }

    @Override
    public String name() {
        return provider.name();
    }

    @Override
    public CallOutcome createPayment(CreatePayment call) {
        return timed("create", () -> provider.createPayment(call), MeteredPaymentProvider::outcome);
    }

    @Override
    public CallOutcome retrievePayment(String providerPaymentId) {
        return timed("retrieve", () -> provider.retrievePayment(providerPaymentId), MeteredPaymentProvider::outcome);
    }

    @Override
    public CallOutcome findPayment(String paymentId) {
        return timed("find", () -> provider.findPayment(paymentId), MeteredPaymentProvider::outcome);
    }

    @Override
    public CallOutcome capturePayment(String providerPaymentId, String idempotencyKey) {
        return timed("capture", () -> provider.capturePayment(providerPaymentId, idempotencyKey), MeteredPaymentProvider::outcome);
    }

    @Override
    public CallOutcome cancelPayment(String providerPaymentId, String idempotencyKey) {
        return timed("cancel", () -> provider.cancelPayment(providerPaymentId, idempotencyKey), MeteredPaymentProvider::outcome);
    }

    @Override
    public RefundOutcome refund(String providerPaymentId, long amountMinor, String reason, Map<String, String> metadata, String idempotencyKey) {
        return timed("refund", () -> provider.refund(providerPaymentId, amountMinor, reason, metadata, idempotencyKey),
                MeteredPaymentProvider::outcome);
    }

    @Override
    public RefundOutcome refundRouted(String providerPaymentId, long amountMinor, String reason, Map<String, String> metadata,
            String idempotencyKey) {
        return timed("refund", () -> provider.refundRouted(providerPaymentId, amountMinor, reason, metadata, idempotencyKey),
                MeteredPaymentProvider::outcome);
    }

    @Override
    public FeeOutcome feeOf(String providerPaymentId) {
        return timed("fee", () -> provider.feeOf(providerPaymentId), MeteredPaymentProvider::outcome);
    }

    @Override
    public MethodOutcome attachPaymentMethod(String providerToken, Optional<String> customer) {
        return timed("attach_payment_method", () -> provider.attachPaymentMethod(providerToken, customer), MeteredPaymentProvider::outcome);
    }

    @Override
    public MethodOutcome detachPaymentMethod(String providerToken) {
        return timed("detach_payment_method", () -> provider.detachPaymentMethod(providerToken), MeteredPaymentProvider::outcome);
    }

    @Override
    public boolean acceptsCalls() {
        return provider.acceptsCalls();
    }

    @Override
    public Duration requestKeyWindow() {
        return provider.requestKeyWindow();
    }

    @Override
    public Duration approvalWindow() {
        return provider.approvalWindow();
    }

    @Override
    public String publishableKey() {
        return provider.publishableKey();
    }

    @Override
    public boolean settles(String currencyCode) {
        return provider.settles(currencyCode);
    }
}
