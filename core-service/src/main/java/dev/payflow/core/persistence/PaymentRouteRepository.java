package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.PAYMENTS;

import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PaymentRoute;
import java.util.Optional;
import org.jooq.DSLContext;

/** Where a payment is routed (the connected account and the platform's fee), kept on the payment's row. */
public final class PaymentRouteRepository {

    /** Routes a payment just inserted, in the same transaction. */
    public void attach(DSLContext tx, PartnerScope scope, PaymentRoute route) {
        int rows = tx.update(PAYMENTS)
                .set(PAYMENTS.CONNECTED_ACCOUNT_ID, route.connectedAccountId())
                .set(PAYMENTS.PLATFORM_FEE_MINOR, route.platformFee().minorUnits())
                .where(PAYMENTS.PARTNER_ID.eq(scope.partnerId())).and(PAYMENTS.LIVEMODE.eq(scope.livemode()))
                .and(PAYMENTS.ID.eq(route.paymentId())).and(PAYMENTS.CONNECTED_ACCOUNT_ID.isNull())
                .execute();
        if (rows != 1) {
            throw new IllegalStateException("payment " + route.paymentId() + ": " + rows + " rows routed, expected 1");
        }
    }

    public Optional<PaymentRoute> find(DSLContext tx, PartnerScope scope, String paymentId) {
        return tx.select(PAYMENTS.CONNECTED_ACCOUNT_ID, PAYMENTS.PLATFORM_FEE_MINOR, PAYMENTS.CURRENCY).from(PAYMENTS)
                .where(PAYMENTS.PARTNER_ID.eq(scope.partnerId())).and(PAYMENTS.LIVEMODE.eq(scope.livemode())).and(PAYMENTS.ID.eq(paymentId))
                .and(PAYMENTS.CONNECTED_ACCOUNT_ID.isNotNull())
                .fetchOptional(r -> new PaymentRoute(paymentId, r.value1(), new Money(r.value2(), CurrencyUnit.of(r.value3()))));
    }
}
