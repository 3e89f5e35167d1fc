package dev.payflow.core.api;

import dev.payflow.core.app.StripeWebhooks;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.GatewayEvent;
import dev.payflow.proto.v1.GatewayEventAdminServiceGrpc;
import dev.payflow.proto.v1.ListGatewayEventsRequest;
import dev.payflow.proto.v1.ListGatewayEventsResponse;
import dev.payflow.proto.v1.ReplayGatewayEventRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.GatewayEventAdminService: operators list and replay stored gateway events. */
final class GatewayEventAdminGrpcService extends GatewayEventAdminServiceGrpc.GatewayEventAdminServiceImplBase {
    private final StripeWebhooks webhooks;
    private final dev.payflow.core.app.PayPalWebhooks paypal;

    GatewayEventAdminGrpcService(StripeWebhooks webhooks, dev.payflow.core.app.PayPalWebhooks paypal) {
        this.webhooks = webhooks;
        this.paypal = paypal;
    }

    @Override
    public void listGatewayEvents(ListGatewayEventsRequest request, StreamObserver<ListGatewayEventsResponse> response) {
        Page<dev.payflow.core.domain.GatewayEvent> page = webhooks.list(request.getType().isEmpty() ? Optional.empty() : Optional.of(request.getType()),
                request.hasLivemode() ? Optional.of(request.getLivemode()) : Optional.empty(),
                request.hasProcessed() ? Optional.of(request.getProcessed()) : Optional.empty(), request.getPageSize(), request.getPageToken());
        WalletGrpcService.reply(response, ListGatewayEventsResponse.newBuilder()
                .addAllGatewayEvents(page.items().stream().map(GatewayEventAdminGrpcService::event).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void replayGatewayEvent(ReplayGatewayEventRequest request, StreamObserver<GatewayEvent> response) {
        // Each gateway's events are applied by their own intake; the list above is the one table of both.
        WalletGrpcService.reply(response, event(paypal.owns(request.getId()) ? paypal.replay(request.getId()) : webhooks.replay(request.getId())));
    }

    private static GatewayEvent event(dev.payflow.core.domain.GatewayEvent e) {
        GatewayEvent.Builder builder = GatewayEvent.newBuilder()
                .setId(e.id())
                .setGateway(e.gateway())
                .setProviderEventId(e.providerEventId())
                .setType(e.type())
                .setLivemode(e.livemode())
                .setReceivedAt(ProtoMapping.timestamp(e.receivedAt()))
                .setProcessed(e.processedAt().isPresent())
                .setAttempts(e.attempts())
                .setLastError(e.lastError().orElse(""))
                .setPayload(e.payload());
        e.processedAt().ifPresent(at -> builder.setProcessedAt(ProtoMapping.timestamp(at)));
        return builder.build();
    }
}
