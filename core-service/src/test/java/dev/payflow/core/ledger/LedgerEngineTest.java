package dev.payflow.core.ledger;

import static dev.payflow.core.persistence.jooq.Tables.IDEMPOTENCY_KEYS;
import static dev.payflow.core.persistence.jooq.Tables.SYSTEM_ACCOUNTS;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.CreateWalletRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine itself, as the movements PayFlow starts on its own (webhooks, expiries, corrections) will use it. */
class LedgerEngineTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static LedgerEngine engine;
    private static Database database;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        database = payflow.server().database();
        Clock clock = Clock.systemUTC();
        engine = new LedgerEngine(database, clock, new Ids(clock, new SecureRandom()), new WalletRepository(), new LedgerRepository(),
                new HoldRepository(), new IdempotencyRepository(), new SystemAccountRepository());
    }

    @AfterAll
    static void stop() {
        LedgerInvariants.assertHold(database);
        payflow.close();
    }

    @Test
    void aReplayedGatewayDrivenBookingWithASystemKeyBooksOnce() {
        Wallet wallet = newWallet("USD");
        IdempotencyKey key = IdempotencyKey.system("stripe-webhook", "gwe_" + UUID.randomUUID().toString().replace("-", ""), "fund");
        Movement funding = Movement.of("StripePaymentSucceeded", key, credit(wallet, 2_500), wallet.getId(), 2_500);

        LedgerTransaction first = engine.book(scope(), funding).requireTransaction();
        LedgerTransaction replayed = engine.book(scope(), funding).requireTransaction();

        assertThat(replayed).isEqualTo(first);
        assertThat(first.idempotencyKey()).startsWith("sys:stripe-webhook:");
        assertThat(database.reader().fetchCount(TRANSACTIONS, TRANSACTIONS.IDEMPOTENCY_KEY.eq(key.value()))).isEqualTo(1);
        assertThat(payflow.wallets(partner.sandboxKey()).getWallet(dev.payflow.proto.v1.GetWalletRequest.newBuilder().setId(wallet.getId())
                .build()).getBalance()).isEqualTo("25.00");
    }

    @Test
    void aSystemKeyNeverCollidesWithAPartnersKeyOfTheSameText() {
        assertThat(catchThrowableOfType(PayflowException.class, () -> IdempotencyKey.fromPartner("sys:stripe-webhook:x:fund")).reason())
                .isEqualTo(ErrorReason.INVALID_FIELD);
        assertThat(IdempotencyKey.system("stripe-webhook", "x", "fund").isSystem()).isTrue();
        assertThat(IdempotencyKey.fromPartner("stripe-webhook:x:fund").isSystem()).isFalse();
    }

    @Test
    void aSystemAccountKindIsCreatedOnFirstUseForAWalletThatExistedBeforeIt() {
        Wallet wallet = newWallet("CHF");
        PartnerScope scope = scope();
        assertThat(database.reader().fetchCount(SYSTEM_ACCOUNTS, SYSTEM_ACCOUNTS.PARTNER_ID.eq(partner.partnerId())
                .and(SYSTEM_ACCOUNTS.CURRENCY.eq("CHF")))).as("a new wallet creates no system accounts").isZero();

        Instruction correction = new Instruction.Post(TransactionType.CREDIT, new Money(700, CurrencyUnit.of("CHF")),
                LedgerAccount.System.of(SystemAccountKind.ADJUSTMENTS), new LedgerAccount.Wallet(wallet.getId()), "Correction", "{}", "",
                Instruction.GatewayReference.NONE);
        engine.book(scope, Movement.of("Adjustment", IdempotencyKey.system("adjustment", "adj_1" + UUID.randomUUID().toString()
                .replace("-", ""), "book"), correction));

        assertThat(database.reader().fetch(SYSTEM_ACCOUNTS, SYSTEM_ACCOUNTS.PARTNER_ID.eq(partner.partnerId())
                .and(SYSTEM_ACCOUNTS.CURRENCY.eq("CHF"))).getValues(SYSTEM_ACCOUNTS.KIND)).containsExactly("adjustments");
    }

    @Test
    void movementsBookedWithinOneTransactionKeepTheirOwnKeysAndOutcomes() {
        Wallet wallet = newWallet("USD");
        IdempotencyKey fund = IdempotencyKey.system("batch", UUID.randomUUID().toString().replace("-", ""), "fund");
        IdempotencyKey overdraw = IdempotencyKey.system("batch", UUID.randomUUID().toString().replace("-", ""), "overdraw");
        Instruction.Post debit = new Instruction.Post(TransactionType.DEBIT, new Money(10_000, CurrencyUnit.of("USD")),
                new LedgerAccount.Wallet(wallet.getId()), LedgerAccount.System.of(SystemAccountKind.SETTLEMENT), "", "{}", "",
                Instruction.GatewayReference.NONE);

        LedgerEngine.Outcome[] outcomes = database.inTransaction(tx -> new LedgerEngine.Outcome[] {
                engine.bookWithin(tx, scope(), Movement.of("Batch", fund, credit(wallet, 1_000))),
                engine.bookWithin(tx, scope(), Movement.of("Batch", overdraw, debit))});

        assertThat(outcomes[0].booking()).isPresent();
        assertThat(outcomes[1].refusal()).hasValueSatisfying(refusal -> assertThat(refusal.reason()).isEqualTo(ErrorReason.INSUFFICIENT_FUNDS));
        assertThat(database.reader().fetchOne(IDEMPOTENCY_KEYS, IDEMPOTENCY_KEYS.IDEMPOTENCY_KEY.eq(overdraw.value())).getErrorReason())
                .as("the refused member's error is recorded on its own key").isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(catchThrowableOfType(PayflowException.class, () -> engine.book(scope(), Movement.of("Batch", overdraw, debit))).reason())
                .as("and replayed").isEqualTo(ErrorReason.INSUFFICIENT_FUNDS);
    }

    private static Instruction.Post credit(Wallet wallet, long amountMinor) {
        return new Instruction.Post(TransactionType.CREDIT, new Money(amountMinor, CurrencyUnit.of(wallet.getCurrency())),
                new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, "simulated"), new LedgerAccount.Wallet(wallet.getId()),
                "Funds from a gateway event", "{}", "simulated", Instruction.GatewayReference.NONE);
    }

    private static PartnerScope scope() {
        return new PartnerScope(partner.partnerId(), false);
    }

    private static Wallet newWallet(String currency) {
        return payflow.wallets(partner.sandboxKey()).createWallet(CreateWalletRequest.newBuilder().setExternalUserId("user-" + UUID.randomUUID())
                .setExternalWalletId("wallet-" + UUID.randomUUID()).setName("Engine test").setCurrency(currency).build());
    }
}
