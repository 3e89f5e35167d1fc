package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.Holds;
import dev.payflow.core.app.MovementTerms;
import dev.payflow.core.domain.HoldStatus;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.CaptureHoldRequest;
import dev.payflow.proto.v1.CreateHoldRequest;
import dev.payflow.proto.v1.GetHoldRequest;
import dev.payflow.proto.v1.Hold;
import dev.payflow.proto.v1.HoldServiceGrpc;
import dev.payflow.proto.v1.ListWalletHoldsRequest;
import dev.payflow.proto.v1.ListWalletHoldsResponse;
import dev.payflow.proto.v1.VoidHoldRequest;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.HoldService. */
final class HoldGrpcService extends HoldServiceGrpc.HoldServiceImplBase {
    private final Holds holds;

    HoldGrpcService(Holds holds) {
        this.holds = holds;
    }

    @Override
    public void createHold(CreateHoldRequest request, StreamObserver<Hold> response) {
        MovementTerms.OnWallet terms = new MovementTerms.OnWallet(request.getWalletId(), request.getAmount(), request.getCurrency(),
                request.getDescription(), ProtoMapping.metadata(request.getMetadata()));
        reply(response, ProtoMapping.hold(holds.place(CallContext.scope(), terms, ProtoMapping.instant(request.hasExpiresAt(),
                request.getExpiresAt(), "expiresAt"), IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    @Override
    public void captureHold(CaptureHoldRequest request, StreamObserver<Hold> response) {
        Holds.CaptureTerms terms = new Holds.CaptureTerms(request.getId(), optional(request.getAmount()), optional(request.getToWalletId()),
                optional(request.getDescription()), ProtoMapping.metadata(request.getMetadata()));
        reply(response, ProtoMapping.hold(holds.capture(CallContext.scope(), terms, IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    @Override
    public void voidHold(VoidHoldRequest request, StreamObserver<Hold> response) {
        // The id is checked before the key, as for every movement.
        String holdId = Ids.require(request.getId(), IdPrefix.HOLD, "id");
        reply(response, ProtoMapping.hold(holds.voidHold(CallContext.scope(), holdId, IdempotencyKeys.resolve(request.getIdempotencyKey()))));
    }

    @Override
    public void getHold(GetHoldRequest request, StreamObserver<Hold> response) {
        reply(response, ProtoMapping.hold(holds.get(CallContext.scope(), request.getId())));
    }

    @Override
    public void listWalletHolds(ListWalletHoldsRequest request, StreamObserver<ListWalletHoldsResponse> response) {
        Page<dev.payflow.core.domain.Hold> page = holds.listForWallet(CallContext.scope(), request.getWalletId(),
                ProtoMapping.domainEnum(request.getStatus(), HoldStatus.class, "status"), request.getPageSize(), request.getPageToken());
        reply(response, ListWalletHoldsResponse.newBuilder()
                .addAllHolds(page.items().stream().map(ProtoMapping::hold).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    private static Optional<String> optional(String text) {
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }
}
