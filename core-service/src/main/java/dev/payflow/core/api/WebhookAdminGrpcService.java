package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.webhook.WebhookEndpoints;
import dev.payflow.proto.v1.GetPartnerWebhookEndpointRequest;
import dev.payflow.proto.v1.PutPartnerWebhookEndpointRequest;
import dev.payflow.proto.v1.WebhookEndpoint;
import dev.payflow.proto.v1.WebhookEndpointAdminServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.WebhookEndpointAdminService: PayFlow's team reads and sets a partner's endpoints. */
final class WebhookAdminGrpcService extends WebhookEndpointAdminServiceGrpc.WebhookEndpointAdminServiceImplBase {
    private final WebhookEndpoints endpoints;
    private final PartnerAdministration partners;

    WebhookAdminGrpcService(WebhookEndpoints endpoints, PartnerAdministration partners) {
        this.endpoints = endpoints;
        this.partners = partners;
    }

    @Override
    public void getPartnerWebhookEndpoint(GetPartnerWebhookEndpointRequest request, StreamObserver<WebhookEndpoint> response) {
        reply(response, WebhookGrpcService.endpoint(endpoints.get(scope(request.getPartnerId(), request.getEnvironment()))));
    }

    @Override
    public void putPartnerWebhookEndpoint(PutPartnerWebhookEndpointRequest request, StreamObserver<WebhookEndpoint> response) {
        reply(response, WebhookGrpcService.endpoint(endpoints.put(scope(request.getPartnerId(), request.getEnvironment()),
                new WebhookEndpoints.Settings(request.getUrl(), request.getEventTypesList(),
                        request.hasEnabled() ? Optional.of(request.getEnabled()) : Optional.empty()))));
    }

    /** The partner (which must exist: PARTNER_NOT_FOUND otherwise) and the mode named. */
    private PartnerScope scope(String partnerId, String environment) {
        String id = partners.get(partnerId).id();
        return switch (environment) {
            case "", "sandbox" -> new PartnerScope(id, false);
            case "production" -> new PartnerScope(id, true);
            default -> throw PayflowException.of(ErrorReason.INVALID_FIELD, "environment: %s (expected: sandbox or production)",
                    dev.payflow.core.domain.Strings.forMessage(environment));
        };
    }
}
