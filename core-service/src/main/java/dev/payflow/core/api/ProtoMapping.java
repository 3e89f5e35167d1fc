package dev.payflow.core.api;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.payflow.core.app.SystemStatistics;
import dev.payflow.core.app.WalletManagement;
import dev.payflow.core.domain.CurrencyUnit;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Hold;
import dev.payflow.core.domain.LedgerTransaction;
import dev.payflow.core.domain.Metadata;
import dev.payflow.core.domain.Money;
import dev.payflow.core.domain.Partner;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Payment;
import dev.payflow.core.domain.Permission;
import dev.payflow.core.domain.Wallet;
import dev.payflow.proto.v1.ApiKey;
import dev.payflow.proto.v1.LedgerEntry;
import dev.payflow.proto.v1.PartnerStatusChange;
import dev.payflow.proto.v1.SystemStats;
import dev.payflow.proto.v1.Transaction;
import dev.payflow.proto.v1.WalletBalance;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Domain objects to contract messages and back. Pure mapping: no decisions, no I/O. */
final class ProtoMapping {
    private static final JsonFormat.Printer CANONICAL_JSON = JsonFormat.printer().omittingInsignificantWhitespace().sortingMapKeys();
    private static final JsonFormat.Parser JSON = JsonFormat.parser();
    private static final Gson UNESCAPED_JSON = new GsonBuilder().disableHtmlEscaping().create();

    private ProtoMapping() {
    }

    /**
     * The partner's metadata as canonical JSON (sorted keys, no insignificant whitespace), so equal
     * objects fingerprint equally. JsonFormat escapes {@code < > & = '} as six-character
     * {@code \\uXXXX} sequences; re-serialising without that escaping makes the size limit count
     * the bytes the partner actually sent.
     */
    static Metadata metadata(Struct struct) {
        Optional<String> unstorable = unstorable(struct);
        if (unstorable.isPresent()) {
            return Metadata.invalid(unstorable.get());
        }
        try {
            String json = UNESCAPED_JSON.toJson(JsonParser.parseString(CANONICAL_JSON.print(struct)));
            return new Metadata(json, struct.getFieldsCount());
        } catch (InvalidProtocolBufferException e) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "metadata: not a JSON object");
        }
    }

    /**
     * What PostgreSQL's jsonb cannot hold (a NUL character, in a key or a string) or JSON cannot
     * write (NaN and the infinities, which only gRPC callers can send), found before anything is
     * recorded.
     */
    private static Optional<String> unstorable(Struct struct) {
        for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
            if (field.getKey().indexOf('\u0000') >= 0) {
                return Optional.of("keys may not contain the NUL character (U+0000)");
            }
            Optional<String> inValue = unstorable(field.getValue());
            if (inValue.isPresent()) {
                return inValue;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> unstorable(Value value) {
        switch (value.getKindCase()) {
            case STRING_VALUE:
                return value.getStringValue().indexOf('\u0000') >= 0
                        ? Optional.of("text may not contain the NUL character (U+0000)") : Optional.empty();
            case NUMBER_VALUE:
                return Double.isFinite(value.getNumberValue()) ? Optional.empty()
                        : Optional.of("numbers must be finite (NaN and Infinity are not JSON)");
            case STRUCT_VALUE:
                return unstorable(value.getStructValue());
            case LIST_VALUE:
                for (Value element : value.getListValue().getValuesList()) {
                    Optional<String> inElement = unstorable(element);
                    if (inElement.isPresent()) {
                        return inElement;
                    }
                }
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }

    static Struct struct(String json) {
        Struct.Builder builder = Struct.newBuilder();
        try {
            JSON.merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored metadata is not a JSON object", e);
        }
        return builder.build();
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    /** The first and last seconds of the years 1..9999, the range of RFC 3339 and of PostgreSQL's timestamps we store. */
    private static final long TIMESTAMP_SECONDS_MIN = -62_135_596_800L;
    private static final long TIMESTAMP_SECONDS_MAX = 253_402_300_799L;

    /** An optional moment; gRPC callers can send any seconds and nanos, so the range is checked here. */
    static Optional<Instant> instant(boolean present, Timestamp timestamp, String field) {
        if (!present) {
            return Optional.empty();
        }
        if (timestamp.getSeconds() < TIMESTAMP_SECONDS_MIN || timestamp.getSeconds() > TIMESTAMP_SECONDS_MAX
                || timestamp.getNanos() < 0 || timestamp.getNanos() > 999_999_999) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: seconds %d, nanos %d (expected: a moment in the years 1 to 9999)",
                    field, timestamp.getSeconds(), timestamp.getNanos());
        }
        return Optional.of(Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()));
    }

    /**
     * A domain enum from a contract enum whose value names are the lowercase wire words; the
     * zero ("unspecified") value means "not given".
     */
    static <E extends Enum<E>> Optional<E> domainEnum(ProtocolMessageEnum value, Class<E> type, String field) {
        // A number the contract does not define arrives as UNRECOGNIZED, which has no number to ask for.
        String name = ((Enum<?>) value).name();
        if (!name.equals("UNRECOGNIZED") && value.getNumber() == 0) {
            return Optional.empty();
        }
        if (name.equals("UNRECOGNIZED")) {
            throw PayflowException.of(ErrorReason.INVALID_FIELD, "%s: unknown value (expected one of: %s)", field,
                    Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
        }
        return Optional.of(Enum.valueOf(type, name.toUpperCase(Locale.ROOT)));
    }

    static Set<Permission> permissions(List<String> names) {
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        for (String name : names) {
            permissions.add(Permission.fromWireName(name).orElseThrow(() -> PayflowException.of(ErrorReason.INVALID_FIELD,
                    "permissions: %s is not a permission (expected some of: %s)", dev.payflow.core.domain.Strings.forMessage(name),
                    Arrays.stream(Permission.values()).map(Permission::wireName).collect(Collectors.joining(", ")))));
        }
        return permissions;
    }

    static dev.payflow.proto.v1.Wallet wallet(Wallet w) {
        return dev.payflow.proto.v1.Wallet.newBuilder()
                .setId(w.id())
                .setPartnerId(w.scope().partnerId())
                .setExternalUserId(w.externalUserId())
                .setExternalWalletId(w.externalWalletId())
                .setName(w.name())
                .setCurrency(w.currency().code())
                .setStatus(dev.payflow.proto.v1.Wallet.Status.valueOf(w.status().wireName()))
                .setBalance(w.balance().format())
                .setAvailableBalance(w.available().format())
                .setMetadata(struct(w.metadataJson()))
                .setLivemode(w.scope().livemode())
                .setCreatedAt(timestamp(w.createdAt()))
                .setUpdatedAt(timestamp(w.updatedAt()))
                .build();
    }

    static WalletBalance balance(WalletManagement.Balance b) {
        return WalletBalance.newBuilder()
                .setWalletId(b.wallet().id())
                .setCurrency(b.wallet().currency().code())
                .setBalance(b.balance().format())
                .setAvailableBalance(b.available().format())
                .setLivemode(b.wallet().scope().livemode())
                .setAsOf(timestamp(b.asOf()))
                .build();
    }

    static dev.payflow.proto.v1.Partner partner(Partner p) {
        dev.payflow.proto.v1.Partner.Builder builder = dev.payflow.proto.v1.Partner.newBuilder()
                .setId(p.id())
                .setName(p.name())
                .setCompanyName(p.companyName())
                .setEmail(p.email())
                .setContactPerson(p.contactPerson())
                .setBusinessType(p.businessType())
                .setWebhookUrl(p.webhookUrl())
                .setStatus(dev.payflow.proto.v1.Partner.Status.valueOf(p.status().wireName()))
                .setMetadata(struct(p.metadataJson()))
                .setCreatedAt(timestamp(p.createdAt()))
                .setUpdatedAt(timestamp(p.updatedAt()))
                .setPlatformFeeBasisPoints(p.settings().platformFeeBasisPoints())
                .addAllEnabledProviders(p.settings().enabledProviders())
                .setDefaultProvider(p.settings().defaultProvider())
                .setFallbackProvider(p.settings().fallbackProvider().orElse(""));
        p.settings().rateLimitPerSecond().ifPresent(builder::setRateLimitPerSecond);
        p.settings().rateLimitBurst().ifPresent(builder::setRateLimitBurst);
        for (Partner.StatusChange change : p.statusHistory()) {
            builder.addStatusHistory(PartnerStatusChange.newBuilder()
                    .setFromStatus(dev.payflow.proto.v1.Partner.Status.valueOf(change.from().wireName()))
                    .setToStatus(dev.payflow.proto.v1.Partner.Status.valueOf(change.to().wireName()))
                    .setReason(change.reason())
                    .setChangedAt(timestamp(change.changedAt())));
        }
        return builder.build();
    }

    static ApiKey apiKey(dev.payflow.core.domain.ApiKey k, String secret) {
        ApiKey.Builder builder = ApiKey.newBuilder()
                .setId(k.id())
                .setPartnerId(k.partnerId())
                .setName(k.name())
                .setEnvironment(k.livemode() ? ApiKey.Environment.production : ApiKey.Environment.sandbox)
                .setPrefix(k.prefix())
                .addAllPermissions(k.permissions().stream().map(Permission::wireName).sorted().toList())
                .setStatus(k.isRevoked() ? ApiKey.Status.revoked : ApiKey.Status.active)
                .setKey(secret)
                .setCreatedAt(timestamp(k.createdAt()));
        k.revokedAt().ifPresent(at -> builder.setRevokedAt(timestamp(at)));
        k.expiresAt().ifPresent(at -> builder.setExpiresAt(timestamp(at)));
        k.rateLimit().ifPresent(limit -> builder.setRateLimitPerSecond(limit.perSecond()).setRateLimitBurst(limit.burst()));
        return builder.build();
    }

    static Transaction transaction(LedgerTransaction t) {
        Transaction.Builder builder = Transaction.newBuilder()
                .setId(t.id())
                .setType(Transaction.Type.valueOf(t.type().wireName()))
                .setStatus(Transaction.Status.valueOf(t.status().wireName()))
                .setAmount(t.amount().format())
                .setCurrency(t.amount().currency().code())
                .setDescription(t.description())
                .setFromWalletId(t.fromWalletId().orElse(""))
                .setToWalletId(t.toWalletId().orElse(""))
                .setIdempotencyKey(t.idempotencyKey())
                .setGateway(t.gateway())
                .setGatewayTransactionId(t.gatewayTransactionId().orElse(""))
                .setFailureReason(t.failureReason().orElse(""))
                .setMetadata(struct(t.metadataJson()))
                .setLivemode(t.scope().livemode())
                .setCreatedAt(timestamp(t.createdAt()));
        t.completedAt().ifPresent(at -> builder.setCompletedAt(timestamp(at)));
        builder.setHoldId(t.holdId().orElse(""));
        t.walletEntries().forEach(e -> builder.addEntries(ledgerEntry(e)));
        return builder.build();
    }

    static dev.payflow.proto.v1.Hold hold(Hold h) {
        dev.payflow.proto.v1.Hold.Builder builder = dev.payflow.proto.v1.Hold.newBuilder()
                .setId(h.id())
                .setWalletId(h.walletId())
                .setStatus(dev.payflow.proto.v1.Hold.Status.valueOf(h.status().wireName()))
                .setAmount(h.amount().format())
                .setCurrency(h.amount().currency().code())
                .setDescription(h.description())
                .setIdempotencyKey(h.idempotencyKey())
                .setMetadata(struct(h.metadataJson()))
                .setLivemode(h.scope().livemode())
                .setCreatedAt(timestamp(h.createdAt()))
                .setExpiresAt(timestamp(h.expiresAt()))
                .setCapturedAmount(h.captured().orElse(Money.zero(h.amount().currency())).format())
                .setTransactionId(h.transactionId().orElse(""))
                .setToWalletId(h.toWalletId().orElse(""));
        h.resolvedAt().ifPresent(at -> builder.setResolvedAt(timestamp(at)));
        return builder.build();
    }

    static LedgerEntry ledgerEntry(LedgerTransaction.WalletEntry e) {
        return LedgerEntry.newBuilder()
                .setId(e.id())
                .setTransactionId(e.transactionId())
                .setWalletId(e.walletId())
                .setType(e.amountMinor() > 0 ? LedgerEntry.Type.credit : LedgerEntry.Type.debit)
                .setAmount(new Money(Math.absExact(e.amountMinor()), e.currency()).format())
                .setCurrency(e.currency().code())
                .setBalance(new Money(e.balanceAfterMinor(), e.currency()).format())
                .setDescription(e.description())
                .setCreatedAt(timestamp(e.createdAt()))
                .build();
    }

    static SystemStats stats(SystemStatistics.Stats s) {
        return SystemStats.newBuilder()
                .putAllPartnersByStatus(s.partnersByStatus())
                .setActiveApiKeys(s.activeApiKeys())
                .setSandboxWallets(s.sandboxWallets())
                .setLiveWallets(s.liveWallets())
                .setSandboxTransactions(s.sandboxTransactions())
                .setLiveTransactions(s.liveTransactions())
                .setGeneratedAt(timestamp(s.generatedAt()))
                .addAllWalletsByStatus(s.walletsByStatus().stream().map(ProtoMapping::statusCount).toList())
                .addAllTransactionsLast24H(s.transactionsLast24h().stream().map(c -> dev.payflow.proto.v1.TransactionCount.newBuilder()
                        .setLivemode(c.livemode()).setType(c.type()).setStatus(c.status()).setCount(c.count()).build()).toList())
                .addAllVolumeLast24H(s.volumeLast24h().stream().map(v -> dev.payflow.proto.v1.CurrencyVolume.newBuilder()
                        .setLivemode(v.livemode()).setCurrency(v.currency())
                        .setAmount(new Money(v.amountMinor(), dev.payflow.core.domain.CurrencyUnit.of(v.currency())).format())
                        .setTransactionCount(v.transactionCount()).build()).toList())
                .addAllPaymentsByStatus(s.paymentsByStatus().stream().map(ProtoMapping::statusCount).toList())
                .addAllPayoutsByStatus(s.payoutsByStatus().stream().map(ProtoMapping::statusCount).toList())
                .setWebhookBacklog(webhookBacklog(s.webhookBacklog()))
                .addAllGatewayCircuits(s.gatewayCircuits().entrySet().stream().map(e -> dev.payflow.proto.v1.GatewayCircuit.newBuilder()
                        .setName(e.getKey()).setState(e.getValue()).build()).toList())
                .addAllDailyVolume(s.dailyVolume().stream().map(d -> dev.payflow.proto.v1.DailyVolume.newBuilder()
                        .setDate(d.day().toString()).setLivemode(d.livemode()).setCurrency(d.currency())
                        .setAmount(new Money(d.amountMinor(), dev.payflow.core.domain.CurrencyUnit.of(d.currency())).format())
                        .setTransactionCount(d.transactionCount()).build()).toList())
                .addAllLastReconciliations(s.lastReconciliations().stream().map(r -> dev.payflow.proto.v1.LastReconciliation.newBuilder()
                        .setRunId(r.runId()).setLivemode(r.livemode()).setStatus(r.status()).setWindowFrom(timestamp(r.windowFrom()))
                        .setWindowTo(timestamp(r.windowTo())).setFinishedAt(timestamp(r.finishedAt())).setFindingCount(r.findingCount()).build())
                        .toList())
                .build();
    }

    private static dev.payflow.proto.v1.StatusCount statusCount(dev.payflow.core.domain.DashboardCounts.StatusCount c) {
        return dev.payflow.proto.v1.StatusCount.newBuilder().setLivemode(c.livemode()).setStatus(c.status()).setCount(c.count()).build();
    }

    private static dev.payflow.proto.v1.WebhookBacklog webhookBacklog(SystemStatistics.Backlog b) {
        dev.payflow.proto.v1.WebhookBacklog.Builder built = dev.payflow.proto.v1.WebhookBacklog.newBuilder()
                .setPendingEvents(b.pendingEvents()).setOldestPendingAgeSeconds(b.oldestPendingAgeSeconds());
        b.oldestPendingCreatedAt().ifPresent(at -> built.setOldestPendingCreatedAt(timestamp(at)));
        return built.build();
    }

    static dev.payflow.proto.v1.Payment payment(Payment p) {
        return payment(p, List.of());
    }

    static dev.payflow.proto.v1.Refund refund(dev.payflow.core.domain.Refund r) {
        return dev.payflow.proto.v1.Refund.newBuilder()
                .setId(r.id())
                .setPaymentId(r.paymentId())
                .setStatus(dev.payflow.proto.v1.Refund.Status.valueOf(r.status().wireName()))
                .setAmount(r.amount().format())
                .setCurrency(r.amount().currency().code())
                .setReason(r.reason())
                .setTransactionId(r.transactionId())
                .setCreatedAt(timestamp(r.createdAt()))
                .build();
    }

    /** A payment with its refunds and disputes. */
    static dev.payflow.proto.v1.Payment payment(Payment p, List<dev.payflow.core.domain.Refund> refunds,
            List<dev.payflow.core.domain.Dispute> disputes) {
        dev.payflow.proto.v1.Payment.Builder builder = payment(p, refunds).toBuilder();
        for (dev.payflow.core.domain.Dispute d : disputes) {
            builder.addDisputes(dispute(d));
        }
        return builder.build();
    }

    static dev.payflow.proto.v1.Dispute dispute(dev.payflow.core.domain.Dispute d) {
        CurrencyUnit currency = d.amount().currency();
        return dev.payflow.proto.v1.Dispute.newBuilder()
                .setId(d.providerDisputeId())
                .setStatus(d.status())
                .setReason(d.reason())
                .setAmount(d.amount().format())
                .setCurrency(currency.code())
                .setWithdrawnFromWallet(d.withdrawnFromWalletMinor().map(m -> new Money(m, currency).format()).orElse(""))
                .setWithdrawnFromSettlement(d.withdrawnFromSettlementMinor().map(m -> new Money(m, currency).format()).orElse(""))
                .setFee(d.feeMinor().map(m -> new Money(m, currency).format()).orElse(""))
                .setReinstated(d.reinstated())
                .setCreatedAt(timestamp(d.createdAt()))
                .setUpdatedAt(timestamp(d.updatedAt()))
                .build();
    }

    static dev.payflow.proto.v1.Payment payment(Payment p, List<dev.payflow.core.domain.Refund> refunds) {
        CurrencyUnit currency = p.amount().currency();
        dev.payflow.proto.v1.Payment.Builder builder = dev.payflow.proto.v1.Payment.newBuilder()
                .setId(p.id())
                .setStatus(dev.payflow.proto.v1.Payment.Status.valueOf(p.status().wireName()))
                .setAmount(p.amount().format())
                .setAmountRefunded(new Money(p.amountRefundedMinor(), currency).format())
                .setCurrency(currency.code())
                .setProvider(p.provider())
                .setProviderPaymentId(p.providerPaymentId().orElse(""))
                .setPaymentMethod(p.paymentMethod())
                .setCustomer(p.customer().orElse(""))
                .setWalletId(p.walletId().orElse(""))
                .setTransactionId(p.transactionId().orElse(""))
                .setFailureCode(p.failureCode().orElse(""))
                .setFailureMessage(p.failureMessage().orElse(""))
                .setMetadata(struct(p.metadataJson()))
                .setLivemode(p.scope().livemode())
                .setCreatedAt(timestamp(p.createdAt()))
                .setUpdatedAt(timestamp(p.updatedAt()))
                .setCapture(p.capture())
                .setDescription(p.description())
                .setIdempotencyKey(p.idempotencyKey());
        refunds.forEach(r -> builder.addRefunds(refund(r)));
        p.nextAction().ifPresent(action -> builder.setNextAction(dev.payflow.proto.v1.Payment.NextAction.newBuilder()
                .setType(action.type()).setRedirectUrl(action.redirectUrl().orElse(""))));
        for (Payment.StatusChange change : p.statusHistory()) {
            builder.addStatusHistory(dev.payflow.proto.v1.Payment.StatusChange.newBuilder()
                    .setStatus(dev.payflow.proto.v1.Payment.Status.valueOf(change.status().wireName()))
                    .setAt(timestamp(change.at()))
                    .setCause(change.cause().wireName())
                    .setCauseId(change.causeId()));
        }
        return builder.build();
    }

    /**
     * The answer of a credit made as a payment: its booked transaction once captured; before that a
     * pending credit without an id (booked, and given one, when the payment succeeds).
     */
    static Transaction creditThroughPayment(Payment p, Optional<LedgerTransaction> booked) {
        if (booked.isPresent()) {
            return transaction(booked.get()).toBuilder().setPaymentId(p.id()).build();
        }
        return Transaction.newBuilder()
                .setType(Transaction.Type.credit)
                .setStatus(p.status() == dev.payflow.core.domain.PaymentStatus.FAILED || p.status() == dev.payflow.core.domain.PaymentStatus.CANCELLED
                        ? Transaction.Status.failed : Transaction.Status.pending)
                .setAmount(p.amount().format())
                .setCurrency(p.amount().currency().code())
                .setDescription(p.description())
                .setToWalletId(p.walletId().orElse(""))
                .setIdempotencyKey(p.idempotencyKey())
                .setGateway(p.provider())
                .setGatewayTransactionId(p.providerPaymentId().orElse(""))
                .setFailureReason(p.failureCode().orElse(""))
                .setMetadata(struct(p.metadataJson()))
                .setLivemode(p.scope().livemode())
                .setCreatedAt(timestamp(p.createdAt()))
                .setPaymentId(p.id())
                .build();
    }
}
