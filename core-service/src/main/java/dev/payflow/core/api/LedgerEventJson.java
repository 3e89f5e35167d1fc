package dev.payflow.core.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.webhook.LedgerEventData;
import dev.payflow.facade.JsonNumbers;
import dev.payflow.proto.v1.HoldEventData;
import dev.payflow.proto.v1.TransactionEventData;
import dev.payflow.proto.v1.TransferEventData;
import dev.payflow.proto.v1.WalletEventData;

/**
 * The ledger events' data as the contract's messages (events.proto), printed as the REST API
 * prints its answers: lowerCamelCase, every field present, {@code object} mapped exactly as a GET
 * of the resource maps it.
 */
public final class LedgerEventJson implements LedgerEventData {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace().alwaysPrintFieldsWithNoPresence();

    @Override
    public String wallet(LedgerTransaction transaction, Wallet wallet, LedgerTransaction.WalletEntry entry) {
        return print(WalletEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setWalletId(wallet.id())
                .setExternalWalletId(wallet.externalWalletId())
                .setAmount(new Money(Math.absExact(entry.amountMinor()), entry.currency()).format())
                .setCurrency(entry.currency().code())
                .setTransactionId(transaction.id())
                .setBalance(new Money(entry.balanceAfterMinor(), entry.currency()).format())
                .setWalletSequence(entry.sequence())
                .build());
    }

    @Override
    public String transaction(LedgerTransaction transaction, String walletId) {
        return print(TransactionEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setTransactionId(transaction.id())
                .setWalletId(walletId)
                .setAmount(transaction.amount().format())
                .setCurrency(transaction.amount().currency().code())
                .setStatus(transaction.status().wireName())
                .build());
    }

    @Override
    public String transfer(LedgerTransaction transaction) {
        return print(TransferEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setTransactionId(transaction.id())
                .setFromWalletId(transaction.fromWalletId().orElse(""))
                .setToWalletId(transaction.toWalletId().orElse(""))
                .setAmount(transaction.amount().format())
                .setCurrency(transaction.amount().currency().code())
                .build());
    }

    @Override
    public String hold(Hold hold) {
        return print(HoldEventData.newBuilder()
                .setObject(ProtoMapping.hold(hold))
                .setHoldId(hold.id())
                .setWalletId(hold.walletId())
                .setAmount(hold.amount().format())
                .setCurrency(hold.amount().currency().code())
                .setStatus(hold.status().wireName())
                .build());
    }

    /**
     * An event's data as the REST API prints answers; the payment, payout and Connect events and
     * the export's lines print through here too. Integral metadata numbers print as integers
     * ({@code 2}, not protobuf-java's {@code 2.0}), as the REST facade prints them, so a partner
     * sees one JSON form of a number in answers, webhook events and exports.
     */
    static String print(MessageOrBuilder message) {
        try {
            return JsonNumbers.integralNumbersAsIntegersCompact(PRINTER.print(message));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an event's data could not be printed as JSON", e);
        }
    }
}
