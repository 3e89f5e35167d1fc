package dev.payflow.core.api;

import dev.payflow.core.domain.ConnectedAccount;
import dev.payflow.core.domain.Money;
import dev.payflow.proto.v1.ConnectedAccountBalance;
import java.util.TreeMap;

/** Connected accounts as the contract shows them (connect.proto). */
final class ConnectMapping {
    private ConnectMapping() {
    }

    static dev.payflow.proto.v1.ConnectedAccount account(ConnectedAccount a) {
        ConnectedAccount.Requirements due = a.gateway().requirements();
        dev.payflow.proto.v1.ConnectedAccount.Requirements.Builder requirements = dev.payflow.proto.v1.ConnectedAccount.Requirements.newBuilder()
                .addAllCurrentlyDue(due.currentlyDue())
                .addAllEventuallyDue(due.eventuallyDue())
                .addAllPastDue(due.pastDue())
                .setDisabledReason(due.disabledReason().orElse(""));
        due.currentDeadline().ifPresent(deadline -> requirements.setCurrentDeadline(ProtoMapping.timestamp(deadline)));
        dev.payflow.proto.v1.ConnectedAccount.Builder account = dev.payflow.proto.v1.ConnectedAccount.newBuilder()
                .setId(a.id())
                .setStripeAccountId(a.providerAccountId().orElse(""))
                .setType(a.type().wireName())
                .setStatus(dev.payflow.proto.v1.ConnectedAccount.Status.valueOf(a.status().wireName()))
                .putAllCapabilities(new TreeMap<>(a.gateway().capabilities()))
                .setRequirements(requirements)
                .setPayoutsEnabled(a.payoutsEnabled())
                .setChargesEnabled(a.chargesEnabled())
                .setExternalUserId(a.externalUserId().orElse(""))
                .setEmail(a.email())
                .setCountry(a.country())
                .setBusinessType(a.businessType().orElse(""))
                .setMetadata(ProtoMapping.struct(a.metadataJson()))
                .setLivemode(a.scope().livemode())
                .setCreatedAt(ProtoMapping.timestamp(a.createdAt()))
                .setUpdatedAt(ProtoMapping.timestamp(a.updatedAt()));
        a.disconnectedAt().ifPresent(at -> account.setDisconnectedAt(ProtoMapping.timestamp(at)));
        return account.build();
    }

    static ConnectedAccountBalance balance(String accountId, boolean livemode, dev.payflow.core.domain.ConnectedAccountBalance balance) {
        ConnectedAccountBalance.Builder answer = ConnectedAccountBalance.newBuilder().setAccountId(accountId).setLivemode(livemode);
        balance.available().forEach(amount -> answer.addAvailable(amount(amount)));
        balance.pending().forEach(amount -> answer.addPending(amount(amount)));
        return answer.build();
    }

    /** A gateway amount as a decimal string; a currency PayFlow has no table entry for is shown in minor units as Stripe gives it. */
    private static ConnectedAccountBalance.Amount amount(dev.payflow.core.domain.ConnectedAccountBalance.Amount amount) {
        String text;
        try {
            text = new Money(amount.amountMinor(), dev.payflow.core.domain.CurrencyUnit.of(amount.currency())).format();
        } catch (dev.payflow.core.domain.PayflowException unknownCurrency) {
            text = Long.toString(amount.amountMinor());
        }
        return ConnectedAccountBalance.Amount.newBuilder().setAmount(text).setCurrency(amount.currency()).build();
    }
}
