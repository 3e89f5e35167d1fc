package dev.payflow.core.api;

import static dev.payflow.core.api.ProtoMapping.timestamp;

import dev.payflow.core.app.OperatorPrincipal;
import dev.payflow.core.domain.Adjustment;
import dev.payflow.core.domain.AuditRecord;
import dev.payflow.core.domain.Operator;
import dev.payflow.proto.v1.AuditRecord.Builder;
import dev.payflow.proto.v1.OperatorSession;

/** The console's domain objects as contract messages: operators, sessions, audit records, adjustments. */
final class ConsoleMapping {
    private ConsoleMapping() {
    }

    static dev.payflow.proto.v1.Operator operator(Operator o) {
        return dev.payflow.proto.v1.Operator.newBuilder()
                .setId(o.id())
                .setEmail(o.email())
                .setDisplayName(o.displayName())
                .setRole(dev.payflow.proto.v1.Operator.Role.valueOf(o.role().wireName()))
                .setStatus(dev.payflow.proto.v1.Operator.Status.valueOf(o.status().wireName()))
                .setCreatedAt(timestamp(o.createdAt()))
                .setUpdatedAt(timestamp(o.updatedAt()))
                .build();
    }

    static OperatorSession session(OperatorPrincipal principal) {
        OperatorSession.Builder session = OperatorSession.newBuilder().setOperator(operator(principal.operator()));
        principal.session().ifPresent(s -> session.setExpiresAt(timestamp(s.expiresAt()))
                .setIdleExpiresAt(timestamp(s.idleExpiresAt()))
                .setCsrfToken(s.csrfToken()));
        return session.build();
    }

    static dev.payflow.proto.v1.AuditRecord auditRecord(AuditRecord r) {
        Builder record = dev.payflow.proto.v1.AuditRecord.newBuilder()
                .setSeq(r.seq())
                .setOccurredAt(timestamp(r.occurredAt()))
                .setActorId(r.actorId())
                .setActorRole(r.actorRole())
                .setAction(r.action())
                .setTarget(r.target())
                .setOutcome(r.outcome())
                .setReason(r.reason())
                .setBefore(r.before())
                .setAfter(r.after())
                .setRequestId(r.requestId())
                .setSourceDigest(r.sourceDigest())
                .setPreviousHash(r.previousHash())
                .setHash(r.hash());
        return record.build();
    }

    static dev.payflow.proto.v1.Adjustment adjustment(Adjustment a) {
        dev.payflow.proto.v1.Adjustment.Builder adjustment = dev.payflow.proto.v1.Adjustment.newBuilder()
                .setId(a.id())
                .setPartnerId(a.scope().partnerId())
                .setWalletId(a.walletId())
                .setLivemode(a.scope().livemode())
                .setAmount(a.amount().format())
                .setCurrency(a.amount().currency().code())
                .setDirection(dev.payflow.proto.v1.Adjustment.Direction.valueOf(a.direction().wireName()))
                .setReason(a.reason())
                .setStatus(dev.payflow.proto.v1.Adjustment.Status.valueOf(a.status().wireName()))
                .setProposedBy(a.proposedBy())
                .setDecidedBy(a.decidedBy().orElse(""))
                .setDecisionReason(a.decisionReason())
                .setTransactionId(a.transactionId().orElse(""))
                .setFailureReason(a.failureReason())
                .setProposedAt(timestamp(a.proposedAt()));
        a.decidedAt().ifPresent(at -> adjustment.setDecidedAt(timestamp(at)));
        return adjustment.build();
    }
}
