package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.PartnerAdministration;
import dev.payflow.core.domain.AcrossPartners;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.webhook.WebhookEndpoints;
import dev.payflow.core.webhook.WebhookEvents;
import dev.payflow.proto.v1.GetPartnerWebhookEndpointRequest;
import dev.payflow.proto.v1.ListWebhookDeliveriesRequest;
import dev.payflow.proto.v1.ListWebhookDeliveriesResponse;
import dev.payflow.proto.v1.LookupWebhookDeliveryRequest;
import dev.payflow.proto.v1.PartnerWebhookEvent;
import dev.payflow.proto.v1.PutPartnerWebhookEndpointRequest;
import dev.payflow.proto.v1.ReplayWebhookDeliveryRequest;
import dev.payflow.proto.v1.WebhookEndpoint;
import dev.payflow.proto.v1.WebhookEndpointAdminServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;

/** payflow.v1.WebhookEndpointAdminService: PayFlow's team reads and sets a partner's endpoints, and reads and replays its deliveries. */
final class WebhookAdminGrpcService extends WebhookEndpointAdminServiceGrpc.WebhookEndpointAdminServiceImplBase {
    private final WebhookEndpoints endpoints;
    private final WebhookEvents events;
    private final PartnerAdministration partners;

    WebhookAdminGrpcService(WebhookEndpoints endpoints, WebhookEvents events, PartnerAdministration partners) {
        this.endpoints = endpoints;
        this.events = events;
        this.partners = partners;
    }

    @Override
    public void listWebhookDeliveries(ListWebhookDeliveriesRequest request, StreamObserver<ListWebhookDeliveriesResponse> response) {
        WebhookEvents.Filter filter = new WebhookEvents.Filter(request.getType().isEmpty() ? Optional.empty() : Optional.of(request.getType()),
                ProtoMapping.domainEnum(request.getDeliveryStatus(), PartnerEvent.DeliveryStatus.class, "deliveryStatus"),
                ProtoMapping.instant(request.hasCreatedAfter(), request.getCreatedAfter(), "createdAfter"),
                ProtoMapping.instant(request.hasCreatedBefore(), request.getCreatedBefore(), "createdBefore"));
        Page<PartnerEvent> page = events.listAcrossPartners(PaymentAdminGrpcService.partner(partners, request.getPartnerId()),
                AcrossPartners.livemode(request.getEnvironment()), filter, request.getPageSize(), request.getPageToken());
        reply(response, ListWebhookDeliveriesResponse.newBuilder()
                .addAllEvents(page.items().stream().map(e -> mapped(new WebhookEvents.Logged(e, List.of()))).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void lookupWebhookDelivery(LookupWebhookDeliveryRequest request, StreamObserver<PartnerWebhookEvent> response) {
        reply(response, mapped(events.getOfAnyPartner(request.getId())));
    }

    @Override
    public void replayWebhookDelivery(ReplayWebhookDeliveryRequest request, StreamObserver<PartnerWebhookEvent> response) {
        reply(response, mapped(events.replayOfAnyPartner(request.getId(), request.getReason())));
    }

    private static PartnerWebhookEvent mapped(WebhookEvents.Logged logged) {
        return PartnerWebhookEvent.newBuilder().setPartnerId(logged.event().scope().partnerId()).setEvent(WebhookGrpcService.event(logged)).build();
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
