package dev.payflow.core.webhook;

import static dev.payflow.core.persistence.jooq.Tables.PARTNER_EVENTS;
import static dev.payflow.core.persistence.jooq.Tables.TRANSACTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.api.LedgerEventJson;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.IdempotencyKey;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.SystemAccountKind;
import dev.payflow.core.domain.TransactionType;
import dev.payflow.core.ledger.BookingObserver;
import dev.payflow.core.ledger.Instruction;
import dev.payflow.core.ledger.LedgerAccount;
import dev.payflow.core.ledger.LedgerEngine;
import dev.payflow.core.ledger.Movement;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.HoldRepository;
import dev.payflow.core.persistence.IdempotencyRepository;
import dev.payflow.core.persistence.LedgerRepository;
import dev.payflow.core.persistence.SystemAccountRepository;
import dev.payflow.core.persistence.WalletRepository;
import dev.payflow.core.persistence.WebhookRepository;
import dev.payflow.core.testing.LedgerInvariants;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Events and money share one database transaction: when the booking rolls back, for whatever
 * reason, its events are gone too, and when it commits, they are there.
 */
class OutboxTransactionTest {
    private static TestServer payflow;
    private static TestServer.PartnerKeys partner;
    private static Database database;
    private static LedgerEvents ledgerEvents;
    private static Ids ids;

    @BeforeAll
    static void start() {
        payflow = TestServer.start();
        partner = payflow.onboard(Partner.Status.active);
        database = payflow.server().database();
        ids = new Ids(Clock.systemUTC(), new SecureRandom());
        ledgerEvents = new LedgerEvents(new PartnerEvents(Clock.systemUTC(), ids, new WebhookRepository()), new LedgerEventJson());
    }

    @AfterAll
    static void stop() {
        LedgerInvariants.assertHold(database);
        payflow.close();
    }

    @Test
    void aBookingWhoseHookFailsAfterWritingItsEventsLeavesNeitherMoneyNorEvents() {
        BookingObserver failsAfterRecording = (tx, scope, movement, booking, wallets) -> {
            ledgerEvents.booked(tx, scope, movement, booking, wallets);
            assertThat(tx.fetchCount(PARTNER_EVENTS, PARTNER_EVENTS.PARTNER_ID.eq(scope.partnerId()))).as("written in the transaction").isPositive();
            throw new IllegalStateException("the process dies here");
        };
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        IdempotencyKey key = IdempotencyKey.fromPartner(TestServer.newIdempotencyKey());
        int eventsBefore = eventCount();

        assertThatThrownBy(() -> engine(failsAfterRecording).book(scope(), credit(wallet, key))).hasMessageContaining("the process dies here");

        assertThat(eventCount()).isEqualTo(eventsBefore);
        assertThat(database.reader().fetchCount(TRANSACTIONS, TRANSACTIONS.IDEMPOTENCY_KEY.eq(key.value()))).isZero();
        assertThat(payflow.balanceOf(partner.sandboxKey(), wallet.getId())).isEqualTo("0.00");
    }

    @Test
    void aBookingInsideACallersTransactionThatRollsBackTakesItsEventsWithIt() {
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        IdempotencyKey key = IdempotencyKey.fromPartner(TestServer.newIdempotencyKey());
        LedgerEngine engine = engine(ledgerEvents);
        int eventsBefore = eventCount();

        assertThatThrownBy(() -> database.inTransaction(tx -> {
            engine.bookWithin(tx, scope(), credit(wallet, key)).orThrow();
            throw new IllegalStateException("the caller fails after booking");
        })).hasMessageContaining("the caller fails");
        assertThat(eventCount()).isEqualTo(eventsBefore);

        engine.book(scope(), credit(wallet, key));
        assertThat(eventCount()).as("the committed booking's three events").isEqualTo(eventsBefore + 3);
    }

    private static LedgerEngine engine(BookingObserver observer) {
        return new LedgerEngine(database, Clock.systemUTC(), ids, new WalletRepository(), new LedgerRepository(), new HoldRepository(),
                new IdempotencyRepository(), new SystemAccountRepository(), observer);
    }

    private static Movement credit(Wallet wallet, IdempotencyKey key) {
        return Movement.of("CreditWallet", key, new Instruction.Post(TransactionType.CREDIT, new Money(1_000, CurrencyUnit.of("USD")),
                new LedgerAccount.System(SystemAccountKind.GATEWAY_CLEARING, "simulated"), new LedgerAccount.Wallet(wallet.getId()),
                "outbox test", "{}", "simulated", Instruction.GatewayReference.NONE), wallet.getId(), UUID.randomUUID());
    }

    private static int eventCount() {
        return database.reader().fetchCount(PARTNER_EVENTS, PARTNER_EVENTS.PARTNER_ID.eq(partner.partnerId()));
    }

    private static PartnerScope scope() {
        return new PartnerScope(partner.partnerId(), false);
    }
}
