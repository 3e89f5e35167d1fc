package dev.payflow.core.webhook;

import dev.payflow.core.app.PageRequest;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.WebhookRepository;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The partner's delivery log: its events, each with every attempt, and a replay. */
public final class WebhookEvents {
    private final Database database;
    private final WebhookRepository repository;
    private final WebhookDelivery delivery;

    public WebhookEvents(Database database, WebhookRepository repository, WebhookDelivery delivery) {
        this.database = Objects.requireNonNull(database, "database");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.delivery = Objects.requireNonNull(delivery, "delivery");
    }

    /** An event and its attempts, oldest first. */
    public record Logged(PartnerEvent event, List<PartnerEvent.Attempt> attempts) {
    }

    /** The list's filters, validated. */
    public record Filter(Optional<String> type, Optional<PartnerEvent.DeliveryStatus> deliveryStatus, Optional<Instant> createdAtOrAfter,
            Optional<Instant> createdBefore) {
        public Filter {
            type.ifPresent(t -> {
                if (!EventTypes.isKnown(t)) {
                    throw PayflowException.of(ErrorReason.INVALID_FIELD, "type: %s is not an event type (expected one of: %s)",
                            dev.payflow.core.domain.Strings.forMessage(t), String.join(", ", EventTypes.ALL));
                }
            });
            if (createdAtOrAfter.isPresent() && createdBefore.isPresent() && !createdAtOrAfter.get().isBefore(createdBefore.get())) {
                throw PayflowException.of(ErrorReason.INVALID_FIELD, "createdAfter: %s is not before createdBefore: %s", createdAtOrAfter.get(),
                        createdBefore.get());
            }
        }

        String key() {
            return "events|" + type.orElse("") + "|" + deliveryStatus.map(PartnerEvent.DeliveryStatus::wireName).orElse("") + "|"
                    + createdAtOrAfter.map(Instant::toString).orElse("") + "|" + createdBefore.map(Instant::toString).orElse("");
        }
    }

    public Page<PartnerEvent> list(PartnerScope scope, Filter filter, int pageSize, String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, filter.key());
        List<PartnerEvent> rows = database.inTransaction(tx -> repository.listEvents(tx, scope,
                new WebhookRepository.EventFilter(filter.type(), filter.deliveryStatus(), filter.createdAtOrAfter(), filter.createdBefore()),
                page.afterId(), page.size()));
        return pageOf(rows, page);
    }

    /** The page of {@code rows} (one more than a page if a next one exists) and the token after it. */
    private static Page<PartnerEvent> pageOf(List<PartnerEvent> rows, PageRequest page) {
        if (rows.size() <= page.size()) {
            return new Page<>(rows, "");
        }
        List<PartnerEvent> items = rows.subList(0, page.size());
        return new Page<>(items, page.tokenAfter(items.get(items.size() - 1).id()));
    }

    public Logged get(PartnerScope scope, String id) {
        requireEventId(id, "id");
        return database.inTransaction(tx -> repository.findEvent(tx, scope, id).map(e -> new Logged(e, repository.attempts(tx, scope, id))))
                .orElseThrow(() -> notFound(id));
    }

    /** Sends the event again now (same {@code webhook-id}, same body); returns it with every attempt. */
    public Logged replay(PartnerScope scope, String eventId) {
        requireEventId(eventId, "eventId");
        delivery.replay(scope, eventId);
        return get(scope, eventId);
    }

    /** Events across partners, newest first, for operators: optionally one partner and one mode (with both, one endpoint's log). */
    public Page<PartnerEvent> listAcrossPartners(Optional<String> partnerId, Optional<Boolean> livemode, Filter filter, int pageSize,
            String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken, "admin-" + filter.key() + "|" + partnerId.orElse("") + "|"
                + livemode.map(String::valueOf).orElse(""));
        List<PartnerEvent> rows = database.inTransaction(tx -> repository.listEventsAcrossPartners(tx, partnerId, livemode,
                new WebhookRepository.EventFilter(filter.type(), filter.deliveryStatus(), filter.createdAtOrAfter(), filter.createdBefore()),
                page.afterId(), page.size()));
        return pageOf(rows, page);
    }

    /** Any partner's event with its attempts, for operators (the admin API; never reachable with a partner key). */
    public Logged getOfAnyPartner(String id) {
        requireEventId(id, "id");
        PartnerScope scope = database.inTransaction(tx -> repository.findEventOfAnyPartner(tx, id)).map(PartnerEvent::scope)
                .orElseThrow(() -> notFound(id));
        return get(scope, id);
    }

    /** An operator sends any partner's event again, as the partner's own replay does; the reason is for the audit trail. */
    public Logged replayOfAnyPartner(String id, String reasonText) {
        requireEventId(id, "id");
        dev.payflow.core.domain.Fields.required(reasonText, "reason", dev.payflow.core.domain.Limits.REASON_LENGTH_MAX);
        PartnerScope scope = database.inTransaction(tx -> repository.findEventOfAnyPartner(tx, id)).map(PartnerEvent::scope)
                .orElseThrow(() -> notFound(id));
        return replay(scope, id);
    }

    private static void requireEventId(String id, String field) {
        Ids.require(id, IdPrefix.EVENT, field);
    }

    private static PayflowException notFound(String id) {
        return PayflowException.of(ErrorReason.EVENT_NOT_FOUND, "no event %s in this mode", id);
    }
}
