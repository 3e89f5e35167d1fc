package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.webhook.WebhookEndpoints;
import dev.payflow.core.webhook.WebhookEvents;
import dev.payflow.proto.v1.GetEventRequest;
import dev.payflow.proto.v1.GetWebhookEndpointRequest;
import dev.payflow.proto.v1.ListEventsRequest;
import dev.payflow.proto.v1.ListEventsResponse;
import dev.payflow.proto.v1.PutWebhookEndpointRequest;
import dev.payflow.proto.v1.ReplayEventRequest;
import dev.payflow.proto.v1.RollWebhookSecretRequest;
import dev.payflow.proto.v1.WebhookAttempt;
import dev.payflow.proto.v1.WebhookEndpoint;
import dev.payflow.proto.v1.WebhookEndpointServiceGrpc;
import dev.payflow.proto.v1.WebhookEvent;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;

/** payflow.v1.WebhookEndpointService: the partner's own endpoint and delivery log, in the key's mode. */
final class WebhookGrpcService extends WebhookEndpointServiceGrpc.WebhookEndpointServiceImplBase {
    private static final JsonFormat.Parser JSON = JsonFormat.parser();

    private final WebhookEndpoints endpoints;
    private final WebhookEvents events;

    WebhookGrpcService(WebhookEndpoints endpoints, WebhookEvents events) {
        this.endpoints = endpoints;
        this.events = events;
    }

    @Override
    public void getWebhookEndpoint(GetWebhookEndpointRequest request, StreamObserver<WebhookEndpoint> response) {
        reply(response, endpoint(endpoints.get(CallContext.scope())));
    }

    @Override
    public void putWebhookEndpoint(PutWebhookEndpointRequest request, StreamObserver<WebhookEndpoint> response) {
        reply(response, endpoint(endpoints.put(CallContext.scope(), new WebhookEndpoints.Settings(request.getUrl(), request.getEventTypesList(),
                request.hasEnabled() ? Optional.of(request.getEnabled()) : Optional.empty()))));
    }

    @Override
    public void rollWebhookSecret(RollWebhookSecretRequest request, StreamObserver<WebhookEndpoint> response) {
        reply(response, endpoint(endpoints.rollSecret(CallContext.scope(),
                request.hasExpiresInHours() ? Optional.of(request.getExpiresInHours()) : Optional.empty())));
    }

    @Override
    public void listEvents(ListEventsRequest request, StreamObserver<ListEventsResponse> response) {
        WebhookEvents.Filter filter = new WebhookEvents.Filter(request.getType().isEmpty() ? Optional.empty() : Optional.of(request.getType()),
                ProtoMapping.domainEnum(request.getDeliveryStatus(), PartnerEvent.DeliveryStatus.class, "deliveryStatus"),
                ProtoMapping.instant(request.hasCreatedAfter(), request.getCreatedAfter(), "createdAfter"),
                ProtoMapping.instant(request.hasCreatedBefore(), request.getCreatedBefore(), "createdBefore"));
        PartnerScope scope = CallContext.scope();
        Page<PartnerEvent> page = events.list(scope, filter, request.getPageSize(), request.getPageToken());
        reply(response, ListEventsResponse.newBuilder()
                .addAllEvents(page.items().stream().map(e -> event(new WebhookEvents.Logged(e, List.of()))).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getEvent(GetEventRequest request, StreamObserver<WebhookEvent> response) {
        reply(response, event(events.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void replayEvent(ReplayEventRequest request, StreamObserver<WebhookEvent> response) {
        reply(response, event(events.replay(CallContext.scope(), request.getEventId())));
    }

    static WebhookEndpoint endpoint(WebhookEndpoints.View view) {
        dev.payflow.core.domain.WebhookEndpoint e = view.endpoint();
        WebhookEndpoint.Builder builder = WebhookEndpoint.newBuilder()
                .setUrl(e.url())
                .addAllEventTypes(e.eventTypes())
                .setEnabled(e.enabled())
                .setStatus(WebhookEndpoint.Status.valueOf(e.status().wireName()))
                .setSecretPrefix(e.secretPrefix())
                .setSecret(view.newSecret().orElse(""))
                .setLivemode(e.scope().livemode())
                .setDisabledReason(e.disabledReason())
                .setCreatedAt(ProtoMapping.timestamp(e.createdAt()))
                .setUpdatedAt(ProtoMapping.timestamp(e.updatedAt()));
        e.previousSecretExpiresAt().ifPresent(at -> builder.setPreviousSecretExpiresAt(ProtoMapping.timestamp(at)));
        e.failingSince().ifPresent(at -> builder.setFailingSince(ProtoMapping.timestamp(at)));
        return builder.build();
    }

    static WebhookEvent event(WebhookEvents.Logged logged) {
        PartnerEvent e = logged.event();
        WebhookEvent.Builder builder = WebhookEvent.newBuilder()
                .setId(e.id())
                .setType(e.type())
                .setCreatedAt(ProtoMapping.timestamp(e.createdAt()))
                .setLivemode(e.scope().livemode())
                .setDeliveryStatus(WebhookEvent.DeliveryStatus.valueOf(e.deliveryStatus().wireName()))
                .setAttemptCount(e.attemptCount())
                .setData(data(e.body()));
        e.nextAttemptAt().ifPresent(at -> builder.setNextAttemptAt(ProtoMapping.timestamp(at)));
        e.deliveredAt().ifPresent(at -> builder.setDeliveredAt(ProtoMapping.timestamp(at)));
        for (PartnerEvent.Attempt a : logged.attempts()) {
            builder.addAttempts(WebhookAttempt.newBuilder()
                    .setNumber(a.number())
                    .setAttemptedAt(ProtoMapping.timestamp(a.attemptedAt()))
                    .setUrl(a.url())
                    .setHttpStatus(a.httpStatus().orElse(0))
                    .setLatencyMs(a.latencyMs())
                    .setSucceeded(a.succeeded())
                    .setError(a.error())
                    .setResponseExcerpt(a.responseExcerpt()));
        }
        return builder.build();
    }

    /** The envelope's {@code data}, as sent. */
    private static Struct data(String body) {
        dev.payflow.proto.v1.Event.Builder envelope = dev.payflow.proto.v1.Event.newBuilder();
        try {
            JSON.merge(body, envelope);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored event body is not a payflow.v1.Event", e);
        }
        return envelope.getData();
    }
}
