package dev.payflow.core.api;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.Adjustments;
import dev.payflow.core.app.AuditTrail;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.OperatorAdministration;
import dev.payflow.core.app.OperatorSessions;
import dev.payflow.proto.v1.OperatorServiceGrpc;
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
            WebhookEvents webhookEvents, dev.payflow.core.app.ConnectAccounts connect, dev.payflow.core.app.Payouts payouts,
            PaymentMethods paymentMethods, dev.payflow.core.app.PayPalWebhooks paypalWebhooks) {
    }

    /** The admin console's use cases: operators and their sessions, the audit trail, adjustments. */
    public record Console(OperatorSessions sessions, OperatorAdministration operators, AuditTrail audit, Adjustments adjustments,
            dev.payflow.core.app.WalletSupervision wallets, boolean secureCookies, java.time.Clock clock,
            dev.payflow.core.app.Reconciliation reconciliation) {
    }

    public static List<ServerServiceDefinition> services(UseCases useCases, MeterRegistry meters, SecureRandom random) {
        return services(useCases, java.util.Optional.empty(), meters, random, TrafficControls.unlimited());
    }

    /** The services behind the chain, with the call log, rate limits and key-usage counts the controls give. */
    public static List<ServerServiceDefinition> services(UseCases useCases, MeterRegistry meters, SecureRandom random, TrafficControls traffic) {
        return services(useCases, java.util.Optional.empty(), meters, random, traffic);
    }

    /**
     * The services behind the chain: the partner and admin services, the console's when it is
     * given, with the call log, rate limits and key-usage counts the controls give.
     */
    public static List<ServerServiceDefinition> services(UseCases useCases, java.util.Optional<Console> console, MeterRegistry meters,
            SecureRandom random, TrafficControls traffic) {
        List<ServerServiceDefinition> plain = new java.util.ArrayList<>(List.of(
                new WalletGrpcService(useCases.wallets(), useCases.credits(), useCases.debits(), useCases.payments()).bindService(),
                new LedgerGrpcService(useCases.ledger()).bindService(),
                new ExportGrpcService(useCases.ledger()).bindService(),
                new TransactionAdminGrpcService(useCases.ledger(), useCases.partners()).bindService(),
                new PaymentAdminGrpcService(useCases.payments(), useCases.partners()).bindService(),
                new PayoutAdminGrpcService(useCases.payouts(), useCases.partners()).bindService(),
                new TransferGrpcService(useCases.transfers(), useCases.ledger()).bindService(),
                new HoldGrpcService(useCases.holds()).bindService(),
                new PayoutGrpcService(useCases.payouts()).bindService(),
                new StripeWebhookGrpcService(useCases.stripeWebhooks()).bindService(),
                new PayPalWebhookGrpcService(useCases.paypalWebhooks()).bindService(),
                new PartnerAdminGrpcService(useCases.partners(), useCases.apiKeys(), useCases.statistics(),
                        partner -> useCases.webhookEndpoints().adoptOnboardingUrl(partner.id(), partner.webhookUrl()),
                        traffic.keyUsage()).bindService(),
                new PaymentGrpcService(useCases.payments(), useCases.paymentMethods()).bindService(),
                new GatewayEventAdminGrpcService(useCases.stripeWebhooks(), useCases.paypalWebhooks()).bindService(),
                new WebhookGrpcService(useCases.webhookEndpoints(), useCases.webhookEvents()).bindService(),
                new WebhookAdminGrpcService(useCases.webhookEndpoints(), useCases.webhookEvents(), useCases.partners()).bindService(),
                new ConnectGrpcService(useCases.connect()).bindService(),
                new ApiKeyGrpcService(useCases.apiKeys()).bindService(),
                new PaymentMethodGrpcService(useCases.paymentMethods()).bindService()));
        console.ifPresent(c -> {
            plain.add(new OperatorGrpcService(c.sessions(), c.operators(), c.secureCookies()).bindService());
            plain.add(new AuditLogGrpcService(c.audit()).bindService());
            plain.add(new AdjustmentGrpcService(c.adjustments()).bindService());
            plain.add(new WalletAdminGrpcService(c.wallets()).bindService());
            plain.add(new ReconciliationGrpcService(c.reconciliation()).bindService());
        });
        AccessRules rules = AccessRules.of(plain);
        List<ServerInterceptor> chain = console.isPresent()
                ? chain(rules, useCases.authenticator(), meters, random, traffic, console.get(), plain, beforeStateReaders(useCases, console.get()))
                : chain(rules, useCases.authenticator(), meters, random, traffic);
        return plain.stream().map(service -> ServerInterceptors.interceptForward(service, chain)).toList();
    }

    /** How the audit trail reads an object's state before a call changes it, by id prefix. */
    private static java.util.Map<String, java.util.function.Function<String, java.util.Optional<com.google.protobuf.Message>>> beforeStateReaders(
            UseCases useCases, Console console) {
        return java.util.Map.of(
                dev.payflow.core.domain.IdPrefix.PARTNER.prefix(), id -> java.util.Optional.of(ProtoMapping.partner(useCases.partners().get(id))),
                dev.payflow.core.domain.IdPrefix.OPERATOR.prefix(), id -> java.util.Optional.of(ConsoleMapping.operator(console.operators().get(id))),
                dev.payflow.core.domain.IdPrefix.ADJUSTMENT.prefix(),
                id -> java.util.Optional.of(ConsoleMapping.adjustment(console.adjustments().get(id))),
                dev.payflow.core.domain.IdPrefix.WALLET.prefix(), id -> java.util.Optional.of(ProtoMapping.wallet(console.wallets().lookup(id))));
    }

    /**
     * The chain with the console's steps: the audit trail's outer part after call metrics (so it
     * records the outcome the caller saw, after error mapping), the session cookie, operators'
     * sessions as an authentication step, the CSRF check right after it, and the audit trail's
     * inner part after the access rule (it notes request and reply).
     */
    static List<ServerInterceptor> chain(AccessRules rules, Authenticator authenticator, MeterRegistry meters, SecureRandom random,
            TrafficControls traffic, Console console, List<ServerServiceDefinition> services,
            java.util.Map<String, java.util.function.Function<String, java.util.Optional<com.google.protobuf.Message>>> readers) {
        AuthFailures failures = new AuthFailures(meters);
        java.util.Set<String> safe = new java.util.HashSet<>();
        java.util.Set<String> audited = new java.util.HashSet<>();
        java.util.Set<String> signIn = new java.util.HashSet<>();
        for (ServerServiceDefinition service : services) {
            for (io.grpc.ServerMethodDefinition<?, ?> method : service.getMethods()) {
                String name = method.getMethodDescriptor().getFullMethodName();
                boolean isSafe = HttpRules.isGet(method.getMethodDescriptor().getSchemaDescriptor());
                if (isSafe) {
                    safe.add(name);
                }
                AccessRules.Requirement requirement = rules.require(name);
                if (name.equals(OperatorServiceGrpc.getCreateSessionMethod().getFullMethodName())) {
                    signIn.add(name);
                    audited.add(name);
                } else if (requirement instanceof AccessRules.Operator && !isSafe) {
                    audited.add(name);
                }
            }
        }
        PartnerRateLimiter limiter = new PartnerRateLimiter(traffic.settingsOf(), traffic.rateLimitPerSecond(), traffic.rateLimitBurst(),
                traffic.replicas(), traffic.clock());
        return List.of(
                new RequestIdInterceptor(random),
                new CallMetricsInterceptor(meters, traffic.callLog()),
                new AuditInterceptor(audited, signIn, console.audit()),
                new SetCookieInterceptor(),
                new ErrorMappingInterceptor(),
                new AuthGuardInterceptor(rules, failures, limiter, meters, traffic.clock(), traffic.authFailuresPerMinute()),
                new AuthenticationInterceptor(rules, authenticator, failures, java.util.Optional.of(console.sessions()), console.clock()),
                new CsrfInterceptor(safe, failures),
                new AccessRuleInterceptor(rules, failures),
                new RateLimitInterceptor(limiter, traffic.keyUsage(), meters),
                new AuditInterceptor.Capture(new AuditJson(console.audit().digests()), readers),
                new IdempotencyKeyHeaderInterceptor());
    }

    /**
     * The interceptors every call passes, first to last. Each does one thing and depends only on
     * what the ones before it put in the call context, so the order is fixed:
     * <ol>
     * <li>{@link RequestIdInterceptor}: the request id, first, so every reply and log line below has it;</li>
     * <li>{@link CallMetricsInterceptor}: outside error mapping, so it counts (and logs) the code the caller saw;</li>
     * <li>{@link ErrorMappingInterceptor}: every failure of the steps after it becomes a
     * {@code google.rpc.Status} with an ErrorInfo;</li>
     * <li>{@link AuthGuardInterceptor}: refuses addresses that failed authentication too often, and keys known to be unknown;</li>
     * <li>{@link AuthenticationInterceptor}: who is calling, with the credential the access rule names;</li>
     * <li>{@link AccessRuleInterceptor}: whether that caller may call this RPC;</li>
     * <li>{@link RateLimitInterceptor}: the partner's token bucket (after the access rule, so a call it may not
     * make costs it nothing), and the key's use;</li>
     * <li>{@link IdempotencyKeyHeaderInterceptor}: the {@code Idempotency-Key} header for the services.</li>
     * </ol>
     * An operator-session check is another authentication step for {@link AccessRules.Operator}
     * rules: one more entry in this list.
     */
    static List<ServerInterceptor> chain(AccessRules rules, Authenticator authenticator, MeterRegistry meters, SecureRandom random) {
        return chain(rules, authenticator, meters, random, TrafficControls.unlimited());
    }

    static List<ServerInterceptor> chain(AccessRules rules, Authenticator authenticator, MeterRegistry meters, SecureRandom random,
            TrafficControls traffic) {
        AuthFailures failures = new AuthFailures(meters);
        PartnerRateLimiter limiter = new PartnerRateLimiter(traffic.settingsOf(), traffic.rateLimitPerSecond(), traffic.rateLimitBurst(),
                traffic.replicas(), traffic.clock());
        return List.of(
                new RequestIdInterceptor(random),
                new CallMetricsInterceptor(meters, traffic.callLog()),
                new ErrorMappingInterceptor(),
                new AuthGuardInterceptor(rules, failures, limiter, meters, traffic.clock(), traffic.authFailuresPerMinute()),
                new AuthenticationInterceptor(rules, authenticator, failures),
                new AccessRuleInterceptor(rules, failures),
                new RateLimitInterceptor(limiter, traffic.keyUsage(), meters),
                new IdempotencyKeyHeaderInterceptor());
    }
}
