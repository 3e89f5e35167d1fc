package dev.payflow.core.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.TransactionStatus;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.domain.Wallet;
import dev.payflow.core.domain.WalletStatus;
import dev.payflow.core.webhook.EventTypes;
import dev.payflow.core.webhook.LedgerEventData;
import dev.payflow.core.webhook.PartnerEvents;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The ledger events' data written around one printing of the transaction is, byte for byte, what
 * printing each event's whole message gave (the reference: {@link LedgerEventJson#print} of
 * {@code walletMessage}, {@code transactionMessage}, {@code transferMessage}), and so is the
 * envelope written around it as text, against the envelope Gson built from the parsed data.
 * Partners may verify signatures over these bytes, and the stored bodies are compared by tests.
 */
class LedgerEventJsonTest {
    private static final LedgerEventJson DATA = new LedgerEventJson();
    private static final Instant AT = Instant.parse("2026-12-02T15:16:04.123456Z");
    private static final PartnerScope SANDBOX = new PartnerScope("ptn_01jbcdefghjkmnpqrstvwxyz01", false);
    private static final PartnerScope LIVE = new PartnerScope("ptn_01jbcdefghjkmnpqrstvwxyz01", true);
    private static final Gson METADATA = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final String[] ALPHABET = {"a", "Z", "7", " ", "<", ">", "&", "=", "'", "\"", "\\", "/", "\t", "\n", "\r", "\b", "\f",
            "\u0001", "\u001f", "\u007f", "é", "€", "\u2028", "\u2029", "{", "}", "[", "]", ",", ":", "🎉", "\u00a0", "\ufeff", "u003c",
            "\\u0041", "null", "2.0", "e5"};
    private static final int RANDOM_TRANSACTIONS = 300;

    @Test
    void aTransfersFourEventsAreTheFullMessagesPrinted() {
        Wallet from = wallet("wal_from", "rosca_group_123");
        Wallet to = wallet("wal_to", "member-42");
        LedgerTransaction transfer = transaction(TransactionType.TRANSFER, TransactionStatus.COMPLETED, 5_000, "USD", "rent for March",
                Optional.of(from), Optional.of(to), "", "{}");

        assertThat(assertSameEvents(transfer, List.of(from, to))).isEqualTo(4);
    }

    @Test
    void aCreditThroughAGatewayWithStringMetadataIsTheFullMessagePrinted() {
        Wallet to = wallet("wal_to", "Tom & Jerry's <club>");
        LedgerTransaction credit = transaction(TransactionType.CREDIT, TransactionStatus.COMPLETED, 1_999, "EUR", "top-up via card",
                Optional.empty(), Optional.of(to), "stripe", "{\"order\":\"A=1&B=2\",\"html\":\"<b>bold</b>\",\"quote\":\"it's \\\"fine\\\"\"}");

        assertSameEvents(credit, List.of(to));
    }

    @Test
    void aDebitWithEmptyDescriptionIsTheFullMessagePrinted() {
        Wallet from = wallet("wal_from", "");
        LedgerTransaction debit = transaction(TransactionType.DEBIT, TransactionStatus.COMPLETED, 7, "JPY", "", Optional.of(from),
                Optional.empty(), "", "{}");

        assertSameEvents(debit, List.of(from));
    }

    @Test
    void integralNumbersThatTheRewritePrintsAsIntegersLeaveEveryStringAsTheReprintWroteIt() {
        // 2 prints as 2.0 from protobuf and is rewritten, which reprints the whole data without HTML escaping.
        Wallet from = wallet("wal_from", "a<b & c='d'>");
        Wallet to = wallet("wal_to", "x\u2028y");
        LedgerTransaction transfer = transaction(TransactionType.TRANSFER, TransactionStatus.COMPLETED, 12_345, "BHD", "<script>&'=",
                Optional.of(from), Optional.of(to), "", "{\"count\":2,\"ratio\":1.5,\"n\":{\"deep\":[1,2.5,-3,1e20,\"s\",true,null]},\"gone\":null}");

        assertSameEvents(transfer, List.of(from, to));
    }

    @Test
    void fractionalNumbersOnlyKeepProtobufsHtmlSafeEscapes() {
        Wallet to = wallet("wal_to", "a<b & c='d'>");
        LedgerTransaction credit = transaction(TransactionType.CREDIT, TransactionStatus.COMPLETED, 100, "USD", "50% = <half>",
                Optional.empty(), Optional.of(to), "simulated", "{\"ratio\":1.5,\"tiny\":0.001,\"label\":\"<x>\"}");

        assertSameEvents(credit, List.of(to));
    }

    @Test
    void unicodeAndCharactersThatNeedEscapesAreTheFullMessagePrinted() {
        Wallet from = wallet("wal_from", "Zoë 🎉 \"quoted\" back\\slash \t tab \u0001 \u001f \u007f");
        Wallet to = wallet("wal_to", "line\nbreak\r\f\b");
        LedgerTransaction transfer = transaction(TransactionType.TRANSFER, TransactionStatus.COMPLETED, 1, "USD",
                "€ \u2028 \u2029 \u00a0 \ufeff / \\u0041", Optional.of(from), Optional.of(to), "",
                "{\"k<\\\"ey\":\"v\\\\al\\/ue\",\"emoji\":\"🎉\",\"ctl\":\"\\u0001\"}");

        assertSameEvents(transfer, List.of(from, to));
    }

    @Test
    void aFailedTransactionAndAnEntryOfAnotherAmountAreTheFullMessagesPrinted() {
        Wallet to = wallet("wal_to", "ext");
        // A payment whose wallet entry is its amount less a fee: the entry's amount is not the transaction's.
        LedgerTransaction payment = transaction(TransactionType.PAYMENT, TransactionStatus.COMPLETED, 10_000, "USD", "payment",
                Optional.empty(), Optional.of(to), "stripe", "{}", List.of(-321L));
        LedgerTransaction failed = new LedgerTransaction("txn_failed", LIVE, TransactionType.CREDIT, TransactionStatus.FAILED,
                new Money(500, CurrencyUnit.of("USD")), "declined", Optional.empty(), Optional.of("wal_to"), "idem-1", "stripe",
                Optional.of("pi_123"), Optional.of("card_declined"), "{}", AT, Optional.empty(), Optional.of("hld_1"), List.of());

        assertSameEvents(payment, List.of(to));
        assertSameEvents(failed, List.of());
    }

    @Test
    void randomTransactionsAreTheFullMessagesPrinted() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        try {
            for (int i = 0; i < RANDOM_TRANSACTIONS; i++) {
                randomCase(random, i);
            }
        } catch (AssertionError e) {
            throw new AssertionError("seed " + seed + "L (replay with new Random(" + seed + "L))", e);
        }
    }

    private static void randomCase(Random random, int n) {
        String currency = List.of("USD", "JPY", "BHD", "EUR").get(random.nextInt(4));
        long amount = 1 + random.nextInt(random.nextBoolean() ? 100 : 10_000_000);
        Wallet a = wallet("wal_a" + n, text(random));
        Wallet b = wallet("wal_b" + n, text(random));
        String metadata = METADATA.toJson(randomObject(random, 0));
        LedgerTransaction t = switch (random.nextInt(4)) {
            case 0 -> transaction(TransactionType.TRANSFER, TransactionStatus.COMPLETED, amount, currency, text(random), Optional.of(a),
                    Optional.of(b), "", metadata);
            case 1 -> transaction(TransactionType.CREDIT, TransactionStatus.COMPLETED, amount, currency, text(random), Optional.empty(),
                    Optional.of(b), random.nextBoolean() ? "stripe" : "", metadata);
            case 2 -> transaction(TransactionType.DEBIT, TransactionStatus.COMPLETED, amount, currency, text(random), Optional.of(a),
                    Optional.empty(), "", metadata);
            default -> transaction(TransactionType.PAYMENT, TransactionStatus.COMPLETED, amount + 1_000, currency, text(random),
                    Optional.empty(), Optional.of(b), "stripe", metadata, List.of(-(long) random.nextInt(1_000)));
        };
        assertSameEvents(t, t.type() == TransactionType.TRANSFER ? List.of(a, b) : t.type() == TransactionType.DEBIT ? List.of(a) : List.of(b));
    }

    /**
     * Asserts each event of the transaction, new against reference, data and envelope (in both
     * modes); returns how many events it compared.
     */
    private static int assertSameEvents(LedgerTransaction t, List<Wallet> wallets) {
        LedgerEventData.TransactionEvents events = DATA.of(t);
        int compared = 0;
        for (LedgerTransaction.WalletEntry entry : t.walletEntries()) {
            Wallet wallet = wallets.stream().filter(w -> w.id().equals(entry.walletId())).findFirst().orElseThrow();
            assertSameEvent(entry.amountMinor() > 0 ? EventTypes.WALLET_CREDITED : EventTypes.WALLET_DEBITED,
                    LedgerEventJson.print(LedgerEventJson.walletMessage(t, wallet, entry)), events.wallet(wallet, entry));
            compared++;
        }
        String walletId = t.toWalletId().or(t::fromWalletId).orElse("");
        assertSameEvent(EventTypes.TRANSACTION_COMPLETED, LedgerEventJson.print(LedgerEventJson.transactionMessage(t, walletId)),
                events.transaction(walletId));
        compared++;
        if (t.type() == TransactionType.TRANSFER) {
            assertSameEvent(EventTypes.TRANSFER_COMPLETED, LedgerEventJson.print(LedgerEventJson.transferMessage(t)), events.transfer());
            compared++;
        }
        return compared;
    }

    private static void assertSameEvent(String type, String reference, String data) {
        assertThat(data).isEqualTo(reference);
        String createdAt = DateTimeFormatter.ISO_INSTANT.format(AT);
        for (boolean livemode : new boolean[] {false, true}) {
            assertThat(PartnerEvents.envelope("evt_01jbcdefghjkmnpqrstvwxyz01", type, createdAt, livemode, data))
                    .isEqualTo(PartnerEvents.envelopeByGson("evt_01jbcdefghjkmnpqrstvwxyz01", type, createdAt, livemode, reference));
        }
    }

    private static LedgerTransaction transaction(TransactionType type, TransactionStatus status, long amountMinor, String currency,
            String description, Optional<Wallet> from, Optional<Wallet> to, String gateway, String metadataJson) {
        return transaction(type, status, amountMinor, currency, description, from, to, gateway, metadataJson, List.of());
    }

    /** With {@code feesMinor}: the credited wallet's entry is the amount less the first fee (negative numbers, as a payment's fee). */
    private static LedgerTransaction transaction(TransactionType type, TransactionStatus status, long amountMinor, String currency,
            String description, Optional<Wallet> from, Optional<Wallet> to, String gateway, String metadataJson, List<Long> feesMinor) {
        CurrencyUnit unit = CurrencyUnit.of(currency);
        String id = "txn_" + type.wireName() + amountMinor;
        List<LedgerTransaction.WalletEntry> entries = new ArrayList<>();
        from.ifPresent(w -> entries.add(new LedgerTransaction.WalletEntry("ent_from" + id, id, w.id(), unit, -amountMinor, 1_000_000 - amountMinor,
                17, description, AT)));
        long credited = amountMinor + feesMinor.stream().mapToLong(Long::longValue).sum();
        to.ifPresent(w -> entries.add(new LedgerTransaction.WalletEntry("ent_to" + id, id, w.id(), unit, credited, credited, 1, description, AT)));
        return new LedgerTransaction(id, SANDBOX, type, status, new Money(amountMinor, unit), description, from.map(Wallet::id), to.map(Wallet::id),
                "idem-" + id, gateway, gateway.isEmpty() ? Optional.empty() : Optional.of("gw_" + id), Optional.empty(), metadataJson, AT,
                Optional.of(AT.plusMillis(3)), Optional.empty(), entries);
    }

    private static Wallet wallet(String id, String externalWalletId) {
        return new Wallet(id, SANDBOX, "user-1", externalWalletId, "name", CurrencyUnit.of("USD"), WalletStatus.ACTIVE, "{}", 0, 0, 0, AT, AT);
    }

    private static String text(Random random) {
        StringBuilder out = new StringBuilder();
        int length = random.nextInt(8);
        for (int i = 0; i < length; i++) {
            out.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return out.toString();
    }

    private static JsonObject randomObject(Random random, int depth) {
        JsonObject object = new JsonObject();
        int size = random.nextInt(depth == 0 ? 5 : 3);
        for (int i = 0; i < size; i++) {
            object.add(text(random) + i, randomValue(random, depth + 1));
        }
        return object;
    }

    private static JsonElement randomValue(Random random, int depth) {
        return switch (random.nextInt(depth < 3 ? 9 : 7)) {
            case 0 -> new JsonPrimitive(text(random));
            case 1 -> new JsonPrimitive((long) random.nextInt(2_000_001) - 1_000_000);
            case 2 -> new JsonPrimitive(random.nextInt(20_001) / 4.0 - 2_500);
            case 3 -> new JsonPrimitive(List.of(0.1, 1e20, -0.0, 1e-7, 9007199254740992.0, 123456.789).get(random.nextInt(6)));
            case 4 -> new JsonPrimitive(random.nextBoolean());
            case 5 -> JsonNull.INSTANCE;
            case 6 -> new JsonPrimitive("");
            case 7 -> randomObject(random, depth);
            default -> {
                JsonArray array = new JsonArray();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(randomValue(random, depth + 1));
                }
                yield array;
            }
        };
    }
}
