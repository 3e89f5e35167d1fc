package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.Adjustments;
import dev.payflow.core.domain.Adjustment;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.AdjustmentServiceGrpc;
import dev.payflow.proto.v1.ApproveAdjustmentRequest;
import dev.payflow.proto.v1.GetAdjustmentRequest;
import dev.payflow.proto.v1.ListAdjustmentsRequest;
import dev.payflow.proto.v1.ListAdjustmentsResponse;
import dev.payflow.proto.v1.ProposeAdjustmentRequest;
import dev.payflow.proto.v1.RejectAdjustmentRequest;
import io.grpc.stub.StreamObserver;

/** payflow.v1.AdjustmentService: four-eyes corrections of wallets. */
final class AdjustmentGrpcService extends AdjustmentServiceGrpc.AdjustmentServiceImplBase {
    private final Adjustments adjustments;

    AdjustmentGrpcService(Adjustments adjustments) {
        this.adjustments = adjustments;
    }

    @Override
    public void proposeAdjustment(ProposeAdjustmentRequest request, StreamObserver<dev.payflow.proto.v1.Adjustment> response) {
        String key = IdempotencyKeys.resolve(request.getIdempotencyKey()).value();
        Adjustment proposed = adjustments.propose(CallContext.operator().operator().id(), new Adjustments.Propose(request.getWalletId(),
                request.getAmount(), request.getCurrency(), ProtoMapping.domainEnum(request.getDirection(), Adjustment.Direction.class, "direction"),
                request.getReason(), key));
        reply(response, ConsoleMapping.adjustment(proposed));
    }

    @Override
    public void listAdjustments(ListAdjustmentsRequest request, StreamObserver<ListAdjustmentsResponse> response) {
        Page<Adjustment> page = adjustments.list(request.getPageSize(), request.getPageToken(),
                ProtoMapping.domainEnum(request.getStatus(), Adjustment.Status.class, "status"));
        reply(response, ListAdjustmentsResponse.newBuilder()
                .addAllAdjustments(page.items().stream().map(ConsoleMapping::adjustment).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getAdjustment(GetAdjustmentRequest request, StreamObserver<dev.payflow.proto.v1.Adjustment> response) {
        reply(response, ConsoleMapping.adjustment(adjustments.get(request.getId())));
    }

    @Override
    public void approveAdjustment(ApproveAdjustmentRequest request, StreamObserver<dev.payflow.proto.v1.Adjustment> response) {
        reply(response, ConsoleMapping.adjustment(adjustments.approve(CallContext.operator().operator().id(), request.getId(), request.getReason())));
    }

    @Override
    public void rejectAdjustment(RejectAdjustmentRequest request, StreamObserver<dev.payflow.proto.v1.Adjustment> response) {
        reply(response, ConsoleMapping.adjustment(adjustments.reject(CallContext.operator().operator().id(), request.getId(), request.getReason())));
    }
}
