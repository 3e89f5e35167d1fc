package dev.payflow.core.api;

import dev.payflow.core.domain.Dispute;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.Refund;
import dev.payflow.core.webhook.PaymentEventPayloads;
import dev.payflow.proto.v1.DisputeEventData;
import dev.payflow.proto.v1.PaymentEventData;
import dev.payflow.proto.v1.RefundEventData;
import java.util.List;

/**
 * The payment events' data as the contract's messages (events.proto), printed as the REST API
 * prints its answers (through {@link LedgerEventJson#print}), with {@code object} mapped exactly as
 * a GET of the payment maps it.
 */
public final class PaymentEventJson implements PaymentEventPayloads {
    @Override
    public String payment(Payment payment, List<Refund> refunds) {
        return LedgerEventJson.print(PaymentEventData.newBuilder()
                .setObject(ProtoMapping.payment(payment, refunds))
                .setPaymentId(payment.id())
                .setWalletId(payment.walletId().orElse(""))
                .setAmount(payment.amount().format())
                .setAmountRefunded(new Money(payment.amountRefundedMinor(), payment.amount().currency()).format())
                .setCurrency(payment.amount().currency().code())
                .setStatus(payment.status().wireName())
                .setTransactionId(payment.transactionId().orElse(""))
                .build());
    }

    @Override
    public String refund(Refund refund) {
        return LedgerEventJson.print(RefundEventData.newBuilder()
                .setObject(ProtoMapping.refund(refund))
                .setRefundId(refund.id())
                .setPaymentId(refund.paymentId())
                .setAmount(refund.amount().format())
                .setCurrency(refund.amount().currency().code())
                .setStatus(refund.status().wireName())
                .build());
    }

    @Override
    public String dispute(Dispute dispute, Payment payment) {
        return LedgerEventJson.print(DisputeEventData.newBuilder()
                .setObject(ProtoMapping.dispute(dispute))
                .setDisputeId(dispute.providerDisputeId())
                .setPaymentId(payment.id())
                .setWalletId(payment.walletId().orElse(""))
                .setAmount(dispute.amount().format())
                .setCurrency(dispute.amount().currency().code())
                .setStatus(dispute.status())
                .build());
    }
}
