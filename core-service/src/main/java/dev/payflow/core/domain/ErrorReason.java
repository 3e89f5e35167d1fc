package dev.payflow.core.domain;

/**
 * The stable reasons partners switch on. The names equal the values of {@code payflow.v1.ErrorReason}
 * in the contract (a test keeps the two in step); each reason has one fixed category, which the API
 * layer turns into a gRPC status code.
 */
public enum ErrorReason {
    MALFORMED_REQUEST(Category.INVALID_ARGUMENT),
    MISSING_FIELD(Category.INVALID_ARGUMENT),
    INVALID_FIELD(Category.INVALID_ARGUMENT),
    INVALID_ID(Category.INVALID_ARGUMENT),
    INVALID_AMOUNT(Category.INVALID_ARGUMENT),
    UNSUPPORTED_CURRENCY(Category.INVALID_ARGUMENT),
    CURRENCY_MISMATCH(Category.INVALID_ARGUMENT),
    METADATA_TOO_LARGE(Category.INVALID_ARGUMENT),
    INVALID_PAGE_SIZE(Category.INVALID_ARGUMENT),
    INVALID_PAGE_TOKEN(Category.INVALID_ARGUMENT),
    IDEMPOTENCY_KEY_MISSING(Category.INVALID_ARGUMENT),
    IDEMPOTENCY_KEY_CONFLICT(Category.INVALID_ARGUMENT),
    IDEMPOTENCY_KEY_REUSED(Category.INVALID_ARGUMENT),
    SAME_WALLET(Category.INVALID_ARGUMENT),

    MISSING_CREDENTIALS(Category.UNAUTHENTICATED),
    INVALID_API_KEY(Category.UNAUTHENTICATED),
    INVALID_ADMIN_TOKEN(Category.UNAUTHENTICATED),

    MISSING_PERMISSION(Category.PERMISSION_DENIED),
    PARTNER_SUSPENDED(Category.PERMISSION_DENIED),
    PARTNER_NOT_ACTIVE(Category.PERMISSION_DENIED),
    ADMIN_CREDENTIALS_REQUIRED(Category.PERMISSION_DENIED),

    WALLET_NOT_FOUND(Category.NOT_FOUND),
    TRANSACTION_NOT_FOUND(Category.NOT_FOUND),
    TRANSFER_NOT_FOUND(Category.NOT_FOUND),
    PAYOUT_NOT_FOUND(Category.NOT_FOUND),
    PARTNER_NOT_FOUND(Category.NOT_FOUND),
    API_KEY_NOT_FOUND(Category.NOT_FOUND),
    ROUTE_NOT_FOUND(Category.NOT_FOUND),

    WALLET_ALREADY_EXISTS(Category.ALREADY_EXISTS),
    PARTNER_ALREADY_EXISTS(Category.ALREADY_EXISTS),
    IDEMPOTENCY_KEY_IN_USE(Category.ABORTED),

    INVALID_STATUS_TRANSITION(Category.FAILED_PRECONDITION),
    WALLET_FROZEN(Category.FAILED_PRECONDITION),
    WALLET_CLOSED(Category.FAILED_PRECONDITION),
    WALLET_BALANCE_NOT_ZERO(Category.FAILED_PRECONDITION),
    INSUFFICIENT_FUNDS(Category.FAILED_PRECONDITION),
    GATEWAY_NOT_CONFIGURED(Category.FAILED_PRECONDITION),
    BALANCE_LIMIT_EXCEEDED(Category.FAILED_PRECONDITION),

    RATE_LIMITED(Category.RESOURCE_EXHAUSTED),
    NOT_IMPLEMENTED(Category.UNIMPLEMENTED),
    SERVICE_UNAVAILABLE(Category.UNAVAILABLE),
    INTERNAL_ERROR(Category.INTERNAL);

    /** The kind of failure; the API layer maps each to one gRPC code. */
    public enum Category {
        INVALID_ARGUMENT,
        UNAUTHENTICATED,
        PERMISSION_DENIED,
        NOT_FOUND,
        ALREADY_EXISTS,
        ABORTED,
        FAILED_PRECONDITION,
        RESOURCE_EXHAUSTED,
        UNIMPLEMENTED,
        UNAVAILABLE,
        INTERNAL
    }

    private final Category category;

    ErrorReason(Category category) {
        this.category = category;
    }

    public Category category() {
        return category;
    }
}
