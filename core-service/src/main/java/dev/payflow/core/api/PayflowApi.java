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
            WebhookEvents webhookEvents) {
    }

    /** The admin console's use cases: operators and their sessions, the audit trail, adjustments. */
    public record Console(OperatorSessions sessions, OperatorAdministration operators, AuditTrail audit, Adjustments adjustments,
            dev.payflow.core.app.WalletSupervision wallets, boolean secureCookies, java.time.Clock clock) {
    }

    public static List<ServerServiceDefinition> services(UseCases useCases, MeterRegistry meters, SecureRandom random) {
        return services(useCases, java.util.Optional.empty(), meters, random);
    }

    public static List<ServerServiceDefinition> services(UseCases useCases, java.util.Optional<Console> console, MeterRegistry meters,
            SecureRandom random) {
        List<ServerServiceDefinition> plain = new java.util.ArrayList<>(List.of(
                new WalletGrpcService(useCases.wallets(), useCases.credits(), useCases.debits(), useCases.payments()).bindService(),
                new LedgerGrpcService(useCases.ledger()).bindService(),
                new TransferGrpcService(useCases.transfers(), useCases.ledger()).bindService(),
                new HoldGrpcService(useCases.holds()).bindService(),
                new NotBuiltYet.Payouts().bindService(),
                new StripeWebhookGrpcService(useCases.stripeWebhooks()).bindService(),
                new PartnerAdminGrpcService(useCases.partners(), useCases.apiKeys(), useCases.statistics(),
                        partner -> useCases.webhookEndpoints().adoptOnboardingUrl(partner.id(), partner.webhookUrl())).bindService(),
                new PaymentGrpcService(useCases.payments()).bindService(),
                new GatewayEventAdminGrpcService(useCases.stripeWebhooks()).bindService(),
                new WebhookGrpcService(useCases.webhookEndpoints(), useCases.webhookEvents()).bindService(),
                new WebhookAdminGrpcService(useCases.webhookEndpoints(), useCases.partners()).bindService()));
        console.ifPresent(c -> {
            plain.add(new OperatorGrpcService(c.sessions(), c.operators(), c.secureCookies()).bindService());
            plain.add(new AuditLogGrpcService(c.audit()).bindService());
            plain.add(new AdjustmentGrpcService(c.adjustments()).bindService());
            plain.add(new WalletAdminGrpcService(c.wallets()).bindService());
        });
        AccessRules rules = AccessRules.of(plain);
        List<ServerInterceptor> chain = console.isPresent()
                ? chain(rules, useCases.authenticator(), meters, random, console.get(), plain, beforeStateReaders(useCases, console.get()))
                : chain(rules, useCases.authenticator(), meters, random);
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
            Console console, List<ServerServiceDefinition> services,
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
        return List.of(
                new RequestIdInterceptor(random),
                new CallMetricsInterceptor(meters),
                new AuditInterceptor(audited, signIn, console.audit()),
                new SetCookieInterceptor(),
                new ErrorMappingInterceptor(),
                new AuthenticationInterceptor(rules, authenticator, failures, java.util.Optional.of(console.sessions()), console.clock()),
                new CsrfInterceptor(safe, failures),
                new AccessRuleInterceptor(rules, failures),
                new AuditInterceptor.Capture(new AuditJson(console.audit().digests()), readers),
                new IdempotencyKeyHeaderInterceptor());
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
