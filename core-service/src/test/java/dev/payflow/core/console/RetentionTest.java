package dev.payflow.core.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.config.PayflowConfig;
import dev.payflow.core.config.RetentionConfig;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListLedgerEntriesRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.payflow.proto.v1.CreatePaymentRequest;
import dev.payflow.proto.v1.GetPaymentRequest;
import dev.payflow.proto.v1.ListWalletTransactionsRequest;
import dev.payflow.proto.v1.Payment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The retention job on a controllable clock: personal data of wallets closed over 3 years ago is redacted, the books are not. */
class RetentionTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;

    @BeforeAll
    static void start() {
        payflow = TestServer.start(TestClock.frozenAt(Instant.parse("2026-01-10T12:00:00Z")));
        partner = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static Wallet closedWalletWithHistory() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "20.00", "USD");
        payflow.debit(partner.sandboxKey(), wallet.getId(), "20.00", "USD");
        payflow.setWalletStatus(partner.sandboxKey(), wallet.getId(), Wallet.Status.closed);
        return wallet;
    }

    @Test
    void walletsClosedMoreThanThreeYearsAgoLoseTheirPersonalDataButKeepEveryLedgerEntry() {
        Wallet old = closedWalletWithHistory();
        var entriesBefore = payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder()
                .setWalletId(old.getId()).build()).getLedgerEntriesList();
        payflow.clock().advance(Duration.ofDays(2 * 365));
        Wallet recent = closedWalletWithHistory();
        Wallet active = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.clock().advance(Duration.ofDays(365 + 2));

        int redacted = payflow.server().retention().redactDue();

        assertThat(redacted).isEqualTo(1);
        Wallet after = payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder().setId(old.getId()).build());
        String placeholder = "redacted_" + old.getId();
        assertThat(after.getName()).isEqualTo(placeholder);
        assertThat(after.getExternalUserId()).isEqualTo(placeholder);
        assertThat(after.getExternalWalletId()).isEqualTo(placeholder);
        assertThat(after.getMetadata().getFieldsCount()).isZero();
        assertThat(after.getStatus()).isEqualTo(Wallet.Status.closed);
        assertThat(payflow.ledger(partner.sandboxKey()).listLedgerEntries(ListLedgerEntriesRequest.newBuilder().setWalletId(old.getId()).build())
                .getLedgerEntriesList()).isEqualTo(entriesBefore);
        assertThat(payflow.balanceOf(partner.sandboxKey(), recent.getId())).isEqualTo("0.00");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder().setId(recent.getId())
                .build()).getName()).as("closed two years ago: kept").isEqualTo(recent.getName());
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder().setId(active.getId())
                .build()).getName()).as("active: kept").isEqualTo(active.getName());
        assertThat(payflow.server().retention().redactDue()).as("a second run finds nothing to do").isZero();
        LedgerInvariants.assertHold(payflow.server().database());
    }

    @Test
    void theWalletsWebhookEventsAndPaymentsLoseItsPersonalDataButKeepTheirMoneyAndTheOtherWalletsData() {
        Wallet old = payflow.newWallet(partner.sandboxKey(), "USD");
        Wallet kept = payflow.newWallet(partner.sandboxKey(), "USD");
        Payment payment = payflow.payments(partner.sandboxKey()).createPayment(CreatePaymentRequest.newBuilder()
                .setAmount("30.00").setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(old.getId()).setCapture(true)
                .setDescription("Dues of Jane Roe, flat 4B").setIdempotencyKey(TestServer.newIdempotencyKey())
                .setMetadata(Struct.newBuilder().putFields("member", Value.newBuilder().setStringValue("jane.roe@example.com").build()))
                .build());
        payflow.transfer(partner.sandboxKey(), old.getId(), kept.getId(), "30.00", "USD");
        payflow.setWalletStatus(partner.sandboxKey(), old.getId(), Wallet.Status.closed);
        List<String> eventIds = eventIdsNaming(old.getId());
        Map<String, String> moneyBefore = moneyFieldsOf(eventIds);
        var transactionsBefore = transactionsOf(old.getId());
        assertThat(eventIds).as("funds added, credited, debited, completed, transfer, payment").hasSizeGreaterThanOrEqualTo(6);
        assertThat(bodiesOf(eventIds)).anyMatch(body -> body.contains(old.getExternalWalletId()));
        payflow.clock().advance(Duration.ofDays(3 * 365 + 2));

        assertThat(payflow.server().retention().redactDue()).isGreaterThanOrEqualTo(1);

        String placeholder = "redacted_" + old.getId();
        assertThat(eventIdsNaming(old.getId())).as("no event is deleted").isEqualTo(eventIds);
        assertThat(bodiesOf(eventIds)).allSatisfy(body -> assertThat(body)
                .doesNotContain(old.getExternalWalletId(), old.getExternalUserId(), "jane.roe@example.com", "Jane Roe"));
        assertThat(bodiesOf(eventIds)).anyMatch(body -> body.contains("\"externalWalletId\":\"" + placeholder + "\""));
        assertThat(bodiesOf(eventIds)).as("the other wallet of the transfer keeps its own data")
                .anyMatch(body -> body.contains(kept.getExternalWalletId()));
        assertThat(moneyFieldsOf(eventIds)).as("ids, amounts, balances and sequences as sent").isEqualTo(moneyBefore);
        Payment paymentAfter = payflow.payments(partner.sandboxKey()).getPayment(GetPaymentRequest.newBuilder().setId(payment.getId()).build());
        assertThat(paymentAfter.getMetadata().getFieldsCount()).isZero();
        assertThat(paymentAfter.getDescription()).isEmpty();
        assertThat(paymentAfter.getAmount()).isEqualTo("30.00");
        assertThat(paymentAfter.getStatus()).isEqualTo(payment.getStatus());
        assertThat(paymentAfter.getTransactionId()).isEqualTo(payment.getTransactionId());
        assertThat(transactionsOf(old.getId())).as("transactions are financial records: untouched").isEqualTo(transactionsBefore);
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder().setId(kept.getId())
                .build()).getExternalWalletId()).isEqualTo(kept.getExternalWalletId());
        LedgerInvariants.assertHold(payflow.server().database());
    }

    /** Ids of the stored events whose body names the wallet, oldest first. */
    private static List<String> eventIdsNaming(String walletId) {
        return payflow.server().database().reader()
                .fetch("select id from partner_events where strpos(body, ?) > 0 order by id", "\"" + walletId + "\"")
                .getValues(0, String.class);
    }

    private static List<String> bodiesOf(List<String> eventIds) {
        return eventIds.stream().map(id -> payflow.server().database().reader()
                .fetchOne("select body from partner_events where id = ?", id).get(0, String.class)).toList();
    }

    /** Every field of the events that is not personal data (ids, amounts, balances, sequences, statuses), flattened by path. */
    private static Map<String, String> moneyFieldsOf(List<String> eventIds) {
        Map<String, String> fields = new java.util.TreeMap<>();
        List<String> bodies = bodiesOf(eventIds);
        for (int i = 0; i < bodies.size(); i++) {
            flatten(eventIds.get(i), JsonParser.parseString(bodies.get(i)), fields);
        }
        return fields;
    }

    private static void flatten(String path, JsonElement element, Map<String, String> into) {
        if (element.isJsonObject()) {
            element.getAsJsonObject().entrySet().forEach(e -> flatten(path + "." + e.getKey(), e.getValue(), into));
        } else if (element.isJsonArray()) {
            for (int i = 0; i < element.getAsJsonArray().size(); i++) {
                flatten(path + "[" + i + "]", element.getAsJsonArray().get(i), into);
            }
        } else if (path.matches(".*\\.(id|type|amount|currency|balance|walletSequence|status|walletId|transactionId|amountRefunded)$")) {
            into.put(path, element.toString());
        }
    }

    private static List<dev.payflow.proto.v1.Transaction> transactionsOf(String walletId) {
        return payflow.ledger(partner.sandboxKey()).listWalletTransactions(ListWalletTransactionsRequest.newBuilder().setWalletId(walletId)
                .build()).getTransactionsList();
    }

    @Test
    void periodsCanBeLengthenedButNeverShortened() {
        assertThat(RetentionConfig.fromEnvironment(Map.of("PAYFLOW_RETENTION_WALLET_YEARS", "5")).walletYearsAfterClosing()).isEqualTo(5);
        for (String[] shorter : new String[][] {{"PAYFLOW_RETENTION_WALLET_YEARS", "2"}, {"PAYFLOW_RETENTION_TRANSACTION_YEARS", "6"},
                {"PAYFLOW_RETENTION_AUDIT_YEARS", "9"}}) {
            assertThatThrownBy(() -> RetentionConfig.fromEnvironment(Map.of(shorter[0], shorter[1])))
                    .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining(shorter[0]).hasMessageContaining("never shortened");
        }
    }
}
