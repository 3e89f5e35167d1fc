package dev.payflow.core.ledger;

import static dev.payflow.core.persistence.jooq.Tables.SYSTEM_ACCOUNTS;
import static dev.payflow.core.testing.ApiErrors.assertGrpcError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.CreditWalletRequest;
import dev.payflow.proto.v1.DebitWalletRequest;
import dev.payflow.proto.v1.GetWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Transaction;
import io.grpc.Status;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Safeguards beyond the everyday rules: a wallet balance limit instead of an overflow, no side
 * effects from refused requests, and the database refusing rows that would break the books even
 * if the application tried to write them.
 */
class LedgerSafeguardsTest {
    /** PostgreSQL's foreign_key_violation: the composite keys that tie an entry to its partner, mode and currency. */
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    /** PostgreSQL's restrict_violation, raised by the triggers that keep booked transactions unchanged. */
    private static final String RESTRICT_VIOLATION = "23001";
    /** PostgreSQL's check_violation. */
    private static final String CHECK_VIOLATION = "23514";
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static TestServer.PartnerKeys other;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        other = payflow.onboard(Partner.Status.active);
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    private static String wallet(TestServer.PartnerKeys owner, String externalId, String currency) {
        return payflow.wallets(owner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("u")
                .setExternalWalletId(externalId).setName(externalId).setCurrency(currency).build()).getId();
    }

    @Test
    void aCreditBeyondTheWalletBalanceLimitIsRefusedAndConsumesItsKeyInsteadOfOverflowing() {
        String wallet = wallet(partner, "rich", "USD");
        for (int i = 0; i < 10; i++) {
            payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(wallet)
                    .setAmount("1000000000000.00").setCurrency("USD").setIdempotencyKey("big-" + i).build());
        }
        CreditWalletRequest oneCentMore = CreditWalletRequest.newBuilder().setWalletId(wallet).setAmount("0.01").setCurrency("USD")
                .setIdempotencyKey("over").build();

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(oneCentMore), Status.Code.FAILED_PRECONDITION,
                "BALANCE_LIMIT_EXCEEDED");
        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).creditWallet(oneCentMore), Status.Code.FAILED_PRECONDITION,
                "BALANCE_LIMIT_EXCEEDED");
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(GetWalletRequest.newBuilder().setId(wallet).build()).getBalance())
                .isEqualTo("10000000000000.00");
    }

    @Test
    void aRefusedDebitInAnotherCurrencyCreatesNoSystemAccountForThatCurrency() {
        String wallet = wallet(partner, "usd-only", "USD");

        assertGrpcError(() -> payflow.wallets(partner.sandboxKey()).debitWallet(DebitWalletRequest.newBuilder().setWalletId(wallet)
                .setAmount("5").setCurrency("ISK").setIdempotencyKey("isk").build()), Status.Code.INVALID_ARGUMENT, "CURRENCY_MISMATCH");

        assertThat(payflow.server().database().reader().fetchCount(SYSTEM_ACCOUNTS, SYSTEM_ACCOUNTS.CURRENCY.eq("ISK"))).isZero();
    }

    @Test
    void theDatabaseRefusesEntriesThatCrossPartnersModesOrCurrenciesAndEditsOfBookedTransactions() throws Exception {
        String mine = wallet(partner, "mine", "EUR");
        String theirs = wallet(other, "theirs", "EUR");
        String euroWallet = wallet(partner, "second-eur", "EUR");
        String pounds = wallet(partner, "pounds", "GBP");
        Transaction credit = payflow.wallets(partner.sandboxKey()).creditWallet(CreditWalletRequest.newBuilder().setWalletId(mine)
                .setAmount("10.00").setCurrency("EUR").setIdempotencyKey("seed").build());

        try (Connection db = DriverManager.getConnection(payflow.database().jdbcUrl(), payflow.database().user(), payflow.database().password());
                Statement sql = db.createStatement()) {
            String clearing = payflow.server().database().reader().select(SYSTEM_ACCOUNTS.ID).from(SYSTEM_ACCOUNTS)
                    .where(SYSTEM_ACCOUNTS.PARTNER_ID.eq(partner.partnerId())).and(SYSTEM_ACCOUNTS.CURRENCY.eq("EUR"))
                    .and(SYSTEM_ACCOUNTS.KIND.eq("gateway_clearing")).fetchSingle(SYSTEM_ACCOUNTS.ID);
            // A balanced pair (so the commit-time balance check passes): the entry under test, and its
            // counterpart on the partner's EUR clearing account.
            String pair = "INSERT INTO ledger_entries (id, transaction_id, partner_id, livemode, currency, wallet_id, system_account_id, "
                    + "amount_minor, balance_after_minor, wallet_sequence, created_at) VALUES "
                    + "('ent_a%1$d', '%2$s', '%3$s', %4$s, '%5$s', '%6$s', NULL, 1, 1, %1$d, now()), "
                    + "('ent_b%1$d', '%2$s', '%3$s', false, 'EUR', NULL, '%7$s', -1, NULL, NULL, now())";
            String txn = credit.getId();
            assertRefused(sql, String.format(pair, 101, txn, partner.partnerId(), "false", "EUR", theirs, clearing), "an entry on another partner's wallet",
                    FOREIGN_KEY_VIOLATION, "ledger_entries_wallet_fkey");
            assertRefused(sql, String.format(pair, 102, txn, partner.partnerId(), "true", "EUR", mine, clearing), "an entry in the other mode",
                    FOREIGN_KEY_VIOLATION, "ledger_entries_transaction_fkey");
            assertRefused(sql, String.format(pair, 103, txn, partner.partnerId(), "false", "GBP", pounds, clearing),
                    "an entry in another currency than its transaction", FOREIGN_KEY_VIOLATION, "ledger_entries_transaction_fkey");
            assertRefused(sql, String.format(pair, 104, txn, partner.partnerId(), "false", "USD", euroWallet, clearing),
                    "an entry in another currency than its wallet", FOREIGN_KEY_VIOLATION, "ledger_entries_transaction_fkey");
            // An entry's partner is held to its transaction's by the composite key alone (V25 dropped the
            // entry's own key to partners, which this implies): a partner the transaction does not belong
            // to, on that partner's own wallet, and a partner that does not exist, are both refused.
            assertRefused(sql, String.format(pair, 106, txn, other.partnerId(), "false", "EUR", theirs, clearing),
                    "an entry of another partner than its transaction", FOREIGN_KEY_VIOLATION, "ledger_entries_transaction_fkey");
            assertRefused(sql, String.format(pair, 107, txn, "ptn_does_not_exist", "false", "EUR", mine, clearing),
                    "an entry of a partner that does not exist", FOREIGN_KEY_VIOLATION, "ledger_entries_transaction_fkey");
            // The control: the same shape on a wallet of the right partner, mode and currency is accepted.
            sql.execute(String.format(pair, 105, txn, partner.partnerId(), "false", "EUR", euroWallet, clearing));
            assertRefused(sql, "UPDATE transactions SET amount_minor = 1 WHERE id = '" + txn + "'", "changing a booked amount",
                    RESTRICT_VIOLATION, "never change once booked");
            assertRefused(sql, "UPDATE transactions SET to_wallet_id = '" + euroWallet + "' WHERE id = '" + txn + "'", "moving a booked transaction",
                    RESTRICT_VIOLATION, "never change once booked");
            assertRefused(sql, "UPDATE idempotency_keys SET error_reason = 'INSUFFICIENT_FUNDS' WHERE transaction_id = '" + txn + "'",
                    "a key with both a transaction and an error", CHECK_VIOLATION, "idempotency_keys_one_outcome");
            assertRefused(sql, "UPDATE partners SET email = 'UPPER@EXAMPLE.COM' WHERE id = '" + partner.partnerId() + "'", "an upper-case email",
                    CHECK_VIOLATION, "partners_email_lower_case");
        }
    }

    /** Asserts the statement is refused for the expected reason: its SQLSTATE, and the constraint or message that names the rule. */
    private static void assertRefused(Statement sql, String statement, String what, String sqlState, String rule) {
        SQLException refused = catchThrowableOfType(SQLException.class, () -> sql.execute(statement));
        assertThat((Throwable) refused).as(what + " must be refused: " + statement).isNotNull();
        assertThat(refused.getSQLState()).as("SQLSTATE of refusing %s (%s)", what, refused.getMessage()).isEqualTo(sqlState);
        assertThat(refused.getMessage()).as("why %s is refused", what).contains(rule);
    }
}
