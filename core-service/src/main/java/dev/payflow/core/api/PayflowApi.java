package dev.payflow.core.api;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.Debits;
import dev.payflow.core.app.Holds;
import dev.payflow.core.app.PaymentMethods;
import dev.payflow.core.app.Payments;
import dev.payflow.core.app.StripeWebhooks;
import dev.payflow.core.app.Transfers;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.app.WalletManagement;
import dev.payflow.core.webhook.WebhookEndpoints;
import dev.payflow.core.webhook.WebhookEvents;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.util.List;

/** The PayFlow gRPC services, each behind the interceptor chain, ready to add to any server. */
public final class PayflowApi {
    private PayflowApi() {
    }

    /** The use cases the API exposes. */
    public record UseCases(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics,
            WalletManagement wallets, Credits credits, Debits debits, Transfers transfers, Holds holds, LedgerQueries ledger,
            Authenticator authenticator, Payments payments, StripeWebhooks stripeWebhooks, WebhookEndpoints webhookEndpoints,
            WebhookEvents webhookEvents, PaymentMethods paymentMethods) {
    }

    public static List<ServerServiceDefinition> services(UseCases useCases, MeterRegistry meters, SecureRandom random) {
        List<ServerServiceDefinition> plain = List.of(
                new WalletGrpcService(useCases.wallets(), useCases.credits(), useCases.debits(), useCases.payments()).bindService(),
                new LedgerGrpcService(useCases.ledger()).bindService(),
                new TransferGrpcService(useCases.transfers(), useCases.ledger()).bindService(),
                new HoldGrpcService(useCases.holds()).bindService(),
                new NotBuiltYet.Payouts().bindService(),
                new StripeWebhookGrpcService(useCases.stripeWebhooks()).bindService(),
                new PartnerAdminGrpcService(useCases.partners(), useCases.apiKeys(), useCases.statistics(),
                        partner -> useCases.webhookEndpoints().adoptOnboardingUrl(partner.id(), partner.webhookUrl())).bindService(),
                new PaymentGrpcService(useCases.payments(), useCases.paymentMethods()).bindService(),
                new GatewayEventAdminGrpcService(useCases.stripeWebhooks()).bindService(),
                new WebhookGrpcService(useCases.webhookEndpoints(), useCases.webhookEvents()).bindService(),
                new WebhookAdminGrpcService(useCases.webhookEndpoints(), useCases.partners()).bindService(),
                new PaymentMethodGrpcService(useCases.paymentMethods()).bindService());
        List<ServerInterceptor> chain = chain(AccessRules.of(plain), useCases.authenticator(), meters, random);
        return plain.stream().map(service -> ServerInterceptors.interceptForward(service, chain)).toList();
    }

    /**
     * The interceptors every call passes, first to last. Each does one thing and depends only on
     * what the ones before it put in the call context, so the order is fixed:
     * <ol>
     * <li>{@link RequestIdInterceptor}: the request id, first, so every reply and log line below has it;</li>
     * <li>{@link CallMetricsInterceptor}: outside error mapping, so it counts the code the caller saw;</li>
     * <li>{@link ErrorMappingInterceptor}: every failure of the steps after it becomes a
     * {@code google.rpc.Status} with an ErrorInfo;</li>
     * <li>{@link AuthenticationInterceptor}: who is calling, with the credential the access rule names;</li>
     * <li>{@link AccessRuleInterceptor}: whether that caller may call this RPC;</li>
     * <li>{@link IdempotencyKeyHeaderInterceptor}: the {@code Idempotency-Key} header for the services.</li>
     * </ol>
     * A per-partner rate limiter belongs after the access rule (it needs the partner, and should
     * not spend a partner's budget on calls it was never allowed to make); an operator-session
     * check is another authentication step for {@link AccessRules.Operator} rules. Either is one
     * more entry in this list.
     */
    static List<ServerInterceptor> chain(AccessRules rules, Authenticator authenticator, MeterRegistry meters, SecureRandom random) {
        AuthFailures failures = new AuthFailures(meters);
        return List.of(
                new RequestIdInterceptor(random),
                new CallMetricsInterceptor(meters),
                new ErrorMappingInterceptor(),
                new AuthenticationInterceptor(rules, authenticator, failures),
                new AccessRuleInterceptor(rules, failures),
                new IdempotencyKeyHeaderInterceptor());
    }
}
