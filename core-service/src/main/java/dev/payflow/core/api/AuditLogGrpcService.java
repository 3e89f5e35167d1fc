package dev.payflow.core.api;

import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.AuditTrail;
import dev.payflow.core.domain.AuditRecord;
import dev.payflow.core.domain.Page;
import dev.payflow.proto.v1.AuditLogServiceGrpc;
import dev.payflow.proto.v1.ListAuditRecordsRequest;
import dev.payflow.proto.v1.ListAuditRecordsResponse;
import dev.payflow.proto.v1.VerifyAuditLogRequest;
import dev.payflow.proto.v1.VerifyAuditLogResponse;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** payflow.v1.AuditLogService: the audit trail and its verification. */
final class AuditLogGrpcService extends AuditLogServiceGrpc.AuditLogServiceImplBase {
    private final AuditTrail trail;

    AuditLogGrpcService(AuditTrail trail) {
        this.trail = trail;
    }

    @Override
    public void listAuditRecords(ListAuditRecordsRequest request, StreamObserver<ListAuditRecordsResponse> response) {
        Page<AuditRecord> page = trail.list(request.getPageSize(), request.getPageToken(), new AuditTrail.Filter(
                nonEmpty(request.getOperatorId()), nonEmpty(request.getAction()), nonEmpty(request.getTarget()),
                ProtoMapping.instant(request.hasFrom(), request.getFrom(), "from"), ProtoMapping.instant(request.hasTo(), request.getTo(), "to")));
        reply(response, ListAuditRecordsResponse.newBuilder()
                .addAllRecords(page.items().stream().map(ConsoleMapping::auditRecord).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void verifyAuditLog(VerifyAuditLogRequest request, StreamObserver<VerifyAuditLogResponse> response) {
        AuditTrail.Verification verification = trail.verify();
        reply(response, VerifyAuditLogResponse.newBuilder()
                .setIntact(verification.intact())
                .setRecordsChecked(verification.recordsChecked())
                .setFirstBrokenSeq(verification.firstBrokenSeq())
                .setProblem(verification.problem())
                .build());
    }

    private static Optional<String> nonEmpty(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }
}
