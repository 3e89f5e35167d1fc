package dev.payflow.core.api;

import dev.payflow.core.domain.Payout;
import dev.payflow.proto.v1.PayoutDestination;

/** Payouts as the contract shows them. */
final class PayoutMapping {
    private PayoutMapping() {
    }

    static dev.payflow.proto.v1.Payout payout(Payout p) {
        dev.payflow.proto.v1.Payout.Builder builder = dev.payflow.proto.v1.Payout.newBuilder()
                .setId(p.id())
                .setWalletId(p.walletId())
                .setAmount(p.amount().format())
                .setCurrency(p.amount().currency().code())
                .setStatus(status(p.status()))
                .setDescription(p.description())
                .setIdempotencyKey(p.idempotencyKey())
                .setMetadata(ProtoMapping.struct(p.metadataJson()))
                .setLivemode(p.scope().livemode())
                .setCreatedAt(ProtoMapping.timestamp(p.createdAt()))
                .setUpdatedAt(ProtoMapping.timestamp(p.updatedAt()))
                .setDestination(PayoutDestination.newBuilder()
                        .setConnectedAccountId(p.connectedAccountId())
                        .setExternalUserId(p.externalUserId().orElse("")))
                .setProvider(p.provider())
                .setProviderTransferId(p.providerTransferId().orElse(""))
                .setProviderPayoutId(p.providerPayoutId().orElse(""))
                .setFailureCode(p.failureCode().orElse(""))
                .setFailureMessage(p.failureMessage().orElse(""))
                .addAllTransactionIds(p.transactionIds());
        p.arrivalDate().ifPresent(at -> builder.setArrivalDate(ProtoMapping.timestamp(at)));
        for (Payout.StatusChange change : p.statusHistory()) {
            builder.addStatusHistory(dev.payflow.proto.v1.Payout.StatusChange.newBuilder()
                    .setStatus(status(change.status()))
                    .setChangedAt(ProtoMapping.timestamp(change.at()))
                    .setCause(change.cause().wireName())
                    .setCauseId(change.causeId())
                    .setDetail(change.detail()));
        }
        return builder.build();
    }

    private static dev.payflow.proto.v1.Payout.Status status(dev.payflow.core.domain.PayoutStatus status) {
        return dev.payflow.proto.v1.Payout.Status.valueOf(status.wireName());
    }
}
