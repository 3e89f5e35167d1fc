package dev.payflow.core.api;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.webhook.JsonText;
import dev.payflow.core.webhook.LedgerEventData;
import dev.payflow.facade.JsonNumbers;
import dev.payflow.proto.v1.HoldEventData;
import dev.payflow.proto.v1.TransactionEventData;
import dev.payflow.proto.v1.TransferEventData;
import dev.payflow.proto.v1.WalletEventData;
import java.util.Comparator;
import java.util.List;

/**
 * The ledger events' data as the contract's messages (events.proto), printed as the REST API
 * prints its answers: lowerCamelCase, every field present, {@code object} mapped exactly as a GET
 * of the resource maps it. The events of one transaction share one mapping and printing of it
 * ({@link #of}): a transfer has four events, and printing the transaction was most of their cost.
 */
public final class LedgerEventJson implements LedgerEventData {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace().alwaysPrintFieldsWithNoPresence();

    /**
     * The fields of the data messages in the order {@code JsonFormat} prints them (by number), as
     * {@link TransactionData} writes them by hand; checked against events.proto when the class
     * loads, so a field added there cannot be silently left out of the events.
     */
    private static final List<String> WALLET_FIELDS = List.of("object", "walletId", "externalWalletId", "amount", "currency", "transactionId",
            "balance", "walletSequence");
    private static final List<String> TRANSACTION_FIELDS = List.of("object", "transactionId", "walletId", "amount", "currency", "status");
    private static final List<String> TRANSFER_FIELDS = List.of("object", "transactionId", "fromWalletId", "toWalletId", "amount", "currency");

    static {
        requireFields(WalletEventData.getDescriptor(), WALLET_FIELDS);
        requireFields(TransactionEventData.getDescriptor(), TRANSACTION_FIELDS);
        requireFields(TransferEventData.getDescriptor(), TRANSFER_FIELDS);
    }

    private static void requireFields(Descriptors.Descriptor message, List<String> written) {
        List<String> declared = message.getFields().stream().sorted(Comparator.comparingInt(Descriptors.FieldDescriptor::getNumber))
                .map(Descriptors.FieldDescriptor::getJsonName).toList();
        if (!declared.equals(written)) {
            throw new IllegalStateException(message.getFullName() + " has the fields " + declared + " but its events are written with "
                    + written + ": update LedgerEventJson.TransactionData");
        }
    }

    @Override
    public TransactionEvents of(LedgerTransaction transaction) {
        return new TransactionData(transaction);
    }

    /**
     * The data of one transaction's events, written around its {@code object} printed once. Each
     * text is byte for byte what printing the event's whole message gives ({@link #print} of
     * {@link #walletMessage}, {@link #transactionMessage}, {@link #transferMessage}, the reference
     * that {@code LedgerEventJsonTest} compares with): the fields in number order, every field
     * present, int64 as a JSON string, strings escaped as {@code JsonFormat} escapes them (Gson's
     * HTML-safe escaping), unless the object's numbers were rewritten: {@link JsonNumbers} then
     * reprinted the whole data with its own Gson, which does not escape HTML, and so do we.
     */
    private static final class TransactionData implements TransactionEvents {
        private final LedgerTransaction transaction;
        private final JsonText.Escaping escaping;
        /** {@code {"object":<the transaction>}} without its closing brace. */
        private final String head;
        private final String transactionId;
        private final String amount;
        private final String currency;

        TransactionData(LedgerTransaction transaction) {
            this.transaction = transaction;
            String printed = printRaw(ProtoMapping.transaction(transaction));
            String object = JsonNumbers.integralNumbersAsIntegersCompact(printed);
            this.escaping = object.equals(printed) ? JsonText.Escaping.HTML_SAFE : JsonText.Escaping.PLAIN;
            this.head = "{\"object\":" + object;
            this.transactionId = quoted(transaction.id());
            this.amount = quoted(transaction.amount().format());
            this.currency = quoted(transaction.amount().currency().code());
        }

        @Override
        public String wallet(Wallet wallet, LedgerTransaction.WalletEntry entry) {
            long amountMinor = Math.absExact(entry.amountMinor());
            // A transfer's or a credit's entry moves the transaction's amount: its text is already made.
            String entryAmount = amountMinor == transaction.amount().minorUnits() && entry.currency().equals(transaction.amount().currency())
                    ? amount : quoted(new Money(amountMinor, entry.currency()).format());
            StringBuilder out = new StringBuilder(head.length() + 256).append(head);
            JsonText.appendQuoted(out.append(",\"walletId\":"), wallet.id(), escaping);
            JsonText.appendQuoted(out.append(",\"externalWalletId\":"), wallet.externalWalletId(), escaping);
            out.append(",\"amount\":").append(entryAmount);
            JsonText.appendQuoted(out.append(",\"currency\":"), entry.currency().code(), escaping);
            out.append(",\"transactionId\":").append(transactionId);
            JsonText.appendQuoted(out.append(",\"balance\":"), new Money(entry.balanceAfterMinor(), entry.currency()).format(), escaping);
            return out.append(",\"walletSequence\":\"").append(entry.sequence()).append("\"}").toString();
        }

        @Override
        public String transaction(String walletId) {
            StringBuilder out = new StringBuilder(head.length() + 192).append(head);
            out.append(",\"transactionId\":").append(transactionId);
            JsonText.appendQuoted(out.append(",\"walletId\":"), walletId, escaping);
            out.append(",\"amount\":").append(amount).append(",\"currency\":").append(currency);
            JsonText.appendQuoted(out.append(",\"status\":"), transaction.status().wireName(), escaping);
            return out.append('}').toString();
        }

        @Override
        public String transfer() {
            StringBuilder out = new StringBuilder(head.length() + 192).append(head);
            out.append(",\"transactionId\":").append(transactionId);
            JsonText.appendQuoted(out.append(",\"fromWalletId\":"), transaction.fromWalletId().orElse(""), escaping);
            JsonText.appendQuoted(out.append(",\"toWalletId\":"), transaction.toWalletId().orElse(""), escaping);
            return out.append(",\"amount\":").append(amount).append(",\"currency\":").append(currency).append('}').toString();
        }

        private String quoted(String value) {
            return JsonText.appendQuoted(new StringBuilder(value.length() + 2), value, escaping).toString();
        }
    }

    /** The data of a wallet event as the contract's message: the reference {@link TransactionData#wallet} matches. */
    static WalletEventData walletMessage(LedgerTransaction transaction, Wallet wallet, LedgerTransaction.WalletEntry entry) {
        return WalletEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setWalletId(wallet.id())
                .setExternalWalletId(wallet.externalWalletId())
                .setAmount(new Money(Math.absExact(entry.amountMinor()), entry.currency()).format())
                .setCurrency(entry.currency().code())
                .setTransactionId(transaction.id())
                .setBalance(new Money(entry.balanceAfterMinor(), entry.currency()).format())
                .setWalletSequence(entry.sequence())
                .build();
    }

    /** The data of {@code transaction.completed} / {@code .failed} as the contract's message: the reference {@link TransactionData#transaction} matches. */
    static TransactionEventData transactionMessage(LedgerTransaction transaction, String walletId) {
        return TransactionEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setTransactionId(transaction.id())
                .setWalletId(walletId)
                .setAmount(transaction.amount().format())
                .setCurrency(transaction.amount().currency().code())
                .setStatus(transaction.status().wireName())
                .build();
    }

    /** The data of {@code transfer.completed} as the contract's message: the reference {@link TransactionData#transfer} matches. */
    static TransferEventData transferMessage(LedgerTransaction transaction) {
        return TransferEventData.newBuilder()
                .setObject(ProtoMapping.transaction(transaction))
                .setTransactionId(transaction.id())
                .setFromWalletId(transaction.fromWalletId().orElse(""))
                .setToWalletId(transaction.toWalletId().orElse(""))
                .setAmount(transaction.amount().format())
                .setCurrency(transaction.amount().currency().code())
                .build();
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
        return JsonNumbers.integralNumbersAsIntegersCompact(printRaw(message));
    }

    /** The message as protobuf's printer prints it, before the numbers' rewrite. */
    private static String printRaw(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an event's data could not be printed as JSON", e);
        }
    }
}
