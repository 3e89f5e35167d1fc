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
import java.time.Duration;
import java.time.Instant;
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
    void periodsCanBeLengthenedButNeverShortened() {
        assertThat(RetentionConfig.fromEnvironment(Map.of("PAYFLOW_RETENTION_WALLET_YEARS", "5")).walletYearsAfterClosing()).isEqualTo(5);
        for (String[] shorter : new String[][] {{"PAYFLOW_RETENTION_WALLET_YEARS", "2"}, {"PAYFLOW_RETENTION_TRANSACTION_YEARS", "6"},
                {"PAYFLOW_RETENTION_AUDIT_YEARS", "9"}}) {
            assertThatThrownBy(() -> RetentionConfig.fromEnvironment(Map.of(shorter[0], shorter[1])))
                    .isInstanceOf(PayflowConfig.ConfigException.class).hasMessageContaining(shorter[0]).hasMessageContaining("never shortened");
        }
    }
}
