package dev.payflow.core.api;

import dev.payflow.core.app.ApiKeyAdministration;
import dev.payflow.core.app.Authenticator;
import dev.payflow.core.app.LedgerQueries;
import dev.payflow.core.app.Credits;
import dev.payflow.core.app.Debits;
import dev.payflow.core.app.Holds;
import dev.payflow.core.app.Transfers;
import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.app.WalletManagement;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.util.List;

/** The PayFlow gRPC services, each behind the access interceptor, ready to add to any server. */
public final class PayflowApi {
    private PayflowApi() {
    }

    /** The use cases the API exposes. */
    public record UseCases(PartnerAdministration partners, ApiKeyAdministration apiKeys, SystemStatistics statistics,
            WalletManagement wallets, Credits credits, Debits debits, Transfers transfers, Holds holds, LedgerQueries ledger,
            Authenticator authenticator) {
    }

    public static List<ServerServiceDefinition> services(UseCases useCases, MeterRegistry meters, SecureRandom random) {
        List<ServerServiceDefinition> plain = List.of(
                new WalletGrpcService(useCases.wallets(), useCases.credits(), useCases.debits()).bindService(),
                new LedgerGrpcService(useCases.ledger()).bindService(),
                new TransferGrpcService(useCases.transfers(), useCases.ledger()).bindService(),
                new HoldGrpcService(useCases.holds()).bindService(),
                new NotBuiltYet.Payouts().bindService(),
                new NotBuiltYet.StripeWebhooks().bindService(),
                new PartnerAdminGrpcService(useCases.partners(), useCases.apiKeys(), useCases.statistics()).bindService());
        ApiInterceptor interceptor = new ApiInterceptor(AccessRules.of(plain), useCases.authenticator(), meters, random);
        return plain.stream().map(service -> ServerInterceptors.intercept(service, interceptor)).toList();
    }
}
