package dev.payflow.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A partner's user's payment method, kept as the provider's token ({@code pm_...}) with what the
 * provider shows of it; never a card number.
 *
 * @param provider      the provider that keeps the token ({@code stripe}, {@code simulated})
 * @param providerToken the provider's token, as the partner sent it
 */
public record PaymentMethod(String id, PartnerScope scope, String type, Optional<Card> card, String verification, String provider,
        String providerToken, Optional<String> customer, Optional<String> externalUserId, Status status, BillingDetails billingDetails,
        String metadataJson, Instant createdAt, Instant updatedAt) {
    /** The types partners filter by, as they read them. */
    public static final java.util.List<String> TYPES = java.util.List.of("card", "bank_account", "paypal");

    public PaymentMethod {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(card, "card");
        Objects.requireNonNull(verification, "verification");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerToken, "providerToken");
        Objects.requireNonNull(customer, "customer");
        Objects.requireNonNull(externalUserId, "externalUserId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(billingDetails, "billingDetails");
        Objects.requireNonNull(metadataJson, "metadataJson");
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("type: " + type + " (expected: one of " + TYPES + ")");
        }
    }

    public PaymentMethod detached(Instant now) {
        return new PaymentMethod(id, scope, type, card, verification, provider, providerToken, customer, externalUserId, Status.DETACHED,
                billingDetails, metadataJson, createdAt, now);
    }

    public PaymentMethod changed(BillingDetails newBillingDetails, String newMetadataJson, Instant now) {
        return new PaymentMethod(id, scope, type, card, verification, provider, providerToken, customer, externalUserId, status,
                newBillingDetails, newMetadataJson, createdAt, now);
    }

    /** A card as the provider shows it: never more than its last four digits. */
    public record Card(String brand, String last4, int expMonth, int expYear) {
        public Card {
            Objects.requireNonNull(brand, "brand");
            Objects.requireNonNull(last4, "last4");
            if (!last4.matches("[0-9]{4}")) {
                throw new IllegalArgumentException("last4: " + Strings.forMessage(last4) + " (expected: four digits)");
            }
        }
    }

    /** Who pays, as the partner knows them; each part may be empty. */
    public record BillingDetails(String name, String email, String phone, String postalCode, String country) {
        public static final BillingDetails NONE = new BillingDetails("", "", "", "", "");
        /** E.164 allows 15 digits; 40 leaves room for spaces, a plus and an extension. */
        static final int PHONE_LENGTH_MAX = 40;
        /** The longest postal codes in use are about 10 characters. */
        static final int POSTAL_CODE_LENGTH_MAX = 20;

        public BillingDetails {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(phone, "phone");
            Objects.requireNonNull(postalCode, "postalCode");
            Objects.requireNonNull(country, "country");
        }

        /** These details validated, as {@link #of} does. */
        public BillingDetails validated() {
            return of(name, email, phone, postalCode, country);
        }

        /** Validates, in order: name (free text, scanned for card numbers), email, phone, postal code, country. */
        public static BillingDetails of(String name, String email, String phone, String postalCode, String country) {
            String checkedName = Fields.freeText(name, "billingDetails.name", Limits.NAME_LENGTH_MAX);
            String checkedEmail = Fields.optional(email, "billingDetails.email", Limits.EMAIL_LENGTH_MAX);
            String checkedPhone = Fields.freeText(phone, "billingDetails.phone", PHONE_LENGTH_MAX);
            String checkedPostalCode = Fields.optional(postalCode, "billingDetails.postalCode", POSTAL_CODE_LENGTH_MAX);
            String checkedCountry = Fields.optional(country, "billingDetails.country", 2);
            if (!checkedCountry.isEmpty() && !checkedCountry.matches("[A-Z]{2}")) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "billingDetails.country: %s (expected: two capital letters, ISO 3166-1)",
                        Strings.forMessage(checkedCountry));
            }
            return new BillingDetails(checkedName, checkedEmail, checkedPhone, checkedPostalCode, checkedCountry);
        }
    }

    /** Whether payments may name it. */
    public enum Status {
        ACTIVE("active"),
        DETACHED("detached");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Status fromWireName(String name) {
            for (Status status : values()) {
                if (status.wireName.equals(name)) {
                    return status;
                }
            }
            throw new IllegalArgumentException("payment method status: " + name);
        }
    }
}
