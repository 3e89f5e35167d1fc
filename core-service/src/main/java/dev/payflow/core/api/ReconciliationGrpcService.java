package dev.payflow.core.api;

import static dev.payflow.core.api.ProtoMapping.timestamp;
import static dev.payflow.core.api.WalletGrpcService.reply;

import dev.payflow.core.app.Reconciliation;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.ReconciliationFinding;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.CreateReconciliationRunRequest;
import dev.payflow.proto.v1.GetReconciliationRunRequest;
import dev.payflow.proto.v1.ListReconciliationRunsRequest;
import dev.payflow.proto.v1.ListReconciliationRunsResponse;
import dev.payflow.proto.v1.ReconciliationServiceGrpc;
import dev.payflow.proto.v1.ReconciliationTotal;
import dev.payflow.proto.v1.ResolveReconciliationFindingRequest;
import dev.payflow.proto.v1.SystemAccountCheck;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;

/** payflow.v1.ReconciliationService: runs against Stripe, their reports, and the explicit resolution of findings. */
final class ReconciliationGrpcService extends ReconciliationServiceGrpc.ReconciliationServiceImplBase {
    private final Reconciliation reconciliation;

    ReconciliationGrpcService(Reconciliation reconciliation) {
        this.reconciliation = reconciliation;
    }

    @Override
    public void createReconciliationRun(CreateReconciliationRunRequest request, StreamObserver<dev.payflow.proto.v1.ReconciliationRun> response) {
        Optional<Boolean> livemode = ProtoMapping.domainEnum(request.getMode(), Mode.class, "mode").map(mode -> mode == Mode.PRODUCTION);
        ReconciliationRun run = reconciliation.start(CallContext.operator().operator().id(),
                ProtoMapping.instant(request.hasFrom(), request.getFrom(), "from"), ProtoMapping.instant(request.hasTo(), request.getTo(), "to"),
                livemode);
        reply(response, run(run, List.of()));
    }

    @Override
    public void listReconciliationRuns(ListReconciliationRunsRequest request, StreamObserver<ListReconciliationRunsResponse> response) {
        Page<ReconciliationRun> page = reconciliation.list(request.getPageSize(), request.getPageToken());
        reply(response, ListReconciliationRunsResponse.newBuilder()
                .addAllRuns(page.items().stream().map(r -> run(r, List.of())).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    @Override
    public void getReconciliationRun(GetReconciliationRunRequest request, StreamObserver<dev.payflow.proto.v1.ReconciliationRun> response) {
        Reconciliation.Report report = reconciliation.get(request.getId());
        reply(response, run(report.run(), report.findings()));
    }

    @Override
    public void resolveReconciliationFinding(ResolveReconciliationFindingRequest request,
            StreamObserver<dev.payflow.proto.v1.ReconciliationFinding> response) {
        reply(response, finding(reconciliation.resolve(CallContext.operator().operator().id(), request.getRunId(), request.getId(),
                ProtoMapping.domainEnum(request.getAction(), ReconciliationFinding.Action.class, "action"), request.getReason())));
    }

    /** The contract's environment words, for {@link ProtoMapping#domainEnum}. */
    private enum Mode {
        SANDBOX,
        PRODUCTION
    }

    static dev.payflow.proto.v1.ReconciliationRun run(ReconciliationRun r, List<ReconciliationFinding> findings) {
        dev.payflow.proto.v1.ReconciliationRun.Builder run = dev.payflow.proto.v1.ReconciliationRun.newBuilder()
                .setId(r.id())
                .setMode(r.livemode() ? ApiKey.Environment.production : ApiKey.Environment.sandbox)
                .setFrom(timestamp(r.from()))
                .setTo(timestamp(r.to()))
                .setStatus(dev.payflow.proto.v1.ReconciliationRun.Status.valueOf(r.status().wireName()))
                .setTrigger(dev.payflow.proto.v1.ReconciliationRun.Trigger.valueOf(r.trigger().wireName()))
                .setStartedBy(r.startedBy())
                .setStage(r.stage())
                .setObjectsRead(r.objectsRead())
                .setFindingCount(r.findingCount())
                .setFailureMessage(r.failureMessage())
                .setCreatedAt(timestamp(r.createdAt()));
        r.startedAt().ifPresent(at -> run.setStartedAt(timestamp(at)));
        r.finishedAt().ifPresent(at -> run.setFinishedAt(timestamp(at)));
        for (ReconciliationRun.Total total : r.totals()) {
            if (total.category() == ReconciliationRun.Category.MATCHED) {
                run.addMatched(ReconciliationTotal.newBuilder().setObjectType(total.name()).setCurrency(total.currency().code())
                        .setCount(total.count()).setAmount(new Money(total.stripeMinor(), total.currency()).format()));
            } else {
                run.addSystemAccounts(SystemAccountCheck.newBuilder().setKind(total.name()).setCurrency(total.currency().code())
                        .setStripeNet(new Money(total.stripeMinor(), total.currency()).format())
                        .setPayflowNet(new Money(total.payflowMinor(), total.currency()).format()).setMatches(total.matches()));
            }
        }
        findings.forEach(f -> run.addFindings(finding(f)));
        return run.build();
    }

    static dev.payflow.proto.v1.ReconciliationFinding finding(ReconciliationFinding f) {
        dev.payflow.proto.v1.ReconciliationFinding.Builder finding = dev.payflow.proto.v1.ReconciliationFinding.newBuilder()
                .setId(f.id())
                .setRunId(f.runId())
                .setKind(dev.payflow.proto.v1.ReconciliationFinding.Kind.valueOf(f.kind().wireName()))
                .setObjectType(f.objectType())
                .setStripeId(f.stripeId())
                .setPayflowId(f.payflowId())
                .setPartnerId(f.partnerId().orElse(""))
                .setCurrency(f.currency())
                .setStripeValue(f.stripeValue())
                .setPayflowValue(f.payflowValue())
                .setDetail(f.detail())
                .setSuggestedAction(dev.payflow.proto.v1.ReconciliationFinding.Action.valueOf(f.suggestedAction().wireName()))
                .setSuggestion(f.suggestion())
                .setStatus(dev.payflow.proto.v1.ReconciliationFinding.Status.valueOf(f.status().wireName()))
                .setResolutionReason(f.resolutionReason())
                .setResolvedBy(f.resolvedBy())
                .setTransactionId(f.transactionId().orElse(""));
        f.resolutionAction().ifPresent(a -> finding.setResolutionAction(dev.payflow.proto.v1.ReconciliationFinding.Action.valueOf(a.wireName())));
        f.resolvedAt().ifPresent(at -> finding.setResolvedAt(timestamp(at)));
        return finding.build();
    }
}
