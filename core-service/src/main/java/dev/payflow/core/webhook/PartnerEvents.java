package dev.payflow.core.webhook;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.PartnerEvent;
import dev.payflow.core.domain.PartnerScope;
import dev.payflow.core.persistence.WebhookRepository;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/**
 * The outbox's one door: records events for a partner inside the caller's database transaction,
 * so an event exists exactly when the change it announces committed. Any feature that changes
 * what a partner sees (the ledger now; payments, payouts and Connect next) records through
 * {@link #record}; delivery picks the events up from the outbox afterwards.
 */
public final class PartnerEvents {
    private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();

    private final Clock clock;
    private final Ids ids;
    private final WebhookRepository repository;

    public PartnerEvents(Clock clock, Ids ids, WebhookRepository repository) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ids = Objects.requireNonNull(ids, "ids");
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /** One event's type and its {@code data} as a JSON object. */
    public record Draft(String type, String dataJson) {
        public Draft {
            if (!EventTypes.isKnown(Objects.requireNonNull(type, "type"))) {
                throw new IllegalArgumentException("type: " + type + " (expected one of " + EventTypes.ALL + ")");
            }
            Objects.requireNonNull(dataJson, "dataJson");
        }
    }

    /** Records one event in {@code tx}; returns its id. */
    public String record(DSLContext tx, PartnerScope scope, String type, String dataJson) {
        return recordAll(tx, scope, List.of(new Draft(type, dataJson))).get(0);
    }

    /** An event to record for a partner: its scope and its draft. */
    public record ScopedDraft(PartnerScope scope, Draft draft) {
        public ScopedDraft {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(draft, "draft");
        }
    }

    /** Records events in {@code tx}, in one statement; returns their ids in order. */
    public List<String> recordAll(DSLContext tx, PartnerScope scope, List<Draft> drafts) {
        return recordEach(tx, drafts.stream().map(draft -> new ScopedDraft(scope, draft)).toList());
    }

    /** Records events of one or more partners in {@code tx}, in one statement; returns their ids in order. */
    public List<String> recordEach(DSLContext tx, List<ScopedDraft> drafts) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        // Every event of the statement shares its stamp: formatted once, not once per event.
        String createdAt = DateTimeFormatter.ISO_INSTANT.format(now);
        List<PartnerEvent> events = new ArrayList<>(drafts.size());
        for (ScopedDraft scoped : drafts) {
            String id = ids.next(IdPrefix.EVENT);
            Draft draft = scoped.draft();
            events.add(new PartnerEvent(id, scoped.scope(), draft.type(), envelope(id, draft.type(), createdAt, scoped.scope().livemode(),
                    draft.dataJson()), now, PartnerEvent.DeliveryStatus.PENDING, 0, Optional.of(now), Optional.empty()));
        }
        repository.insertEvents(tx, events);
        return events.stream().map(PartnerEvent::id).toList();
    }

    /**
     * {@code {"id", "type", "createdAt", "livemode", "data"}}: the body every attempt sends, as the
     * contract's payflow.v1.Event. Written as text around the data, without parsing it: the bytes
     * are those of {@link #envelopeByGson} (what every stored body is), which the data's own text
     * gives after {@link JsonText#reprintedPlain} (the same text, unless it holds HTML escapes);
     * data that scan is not sure of goes through Gson as before.
     */
    public static String envelope(String id, String type, String createdAt, boolean livemode, String dataJson) {
        String data = JsonText.reprintedPlain(dataJson);
        if (data == null) {
            return envelopeByGson(id, type, createdAt, livemode, dataJson);
        }
        StringBuilder out = new StringBuilder(data.length() + id.length() + type.length() + createdAt.length() + 64);
        JsonText.appendQuoted(out.append("{\"id\":"), id, JsonText.Escaping.PLAIN);
        JsonText.appendQuoted(out.append(",\"type\":"), type, JsonText.Escaping.PLAIN);
        JsonText.appendQuoted(out.append(",\"createdAt\":"), createdAt, JsonText.Escaping.PLAIN);
        return out.append(",\"livemode\":").append(livemode).append(",\"data\":").append(data).append('}').toString();
    }

    /**
     * The envelope as Gson builds it from the parsed data (HTML escaping off, so {@code <} stays
     * {@code <}; an object member whose value is null is dropped, as Gson drops nulls): the
     * reference {@link #envelope} matches byte for byte, and its path for data it cannot scan.
     */
    public static String envelopeByGson(String id, String type, String createdAt, boolean livemode, String dataJson) {
        JsonObject envelope = new JsonObject();
        envelope.addProperty("id", id);
        envelope.addProperty("type", type);
        envelope.addProperty("createdAt", createdAt);
        envelope.addProperty("livemode", livemode);
        envelope.add("data", JsonParser.parseString(dataJson).getAsJsonObject());
        return JSON.toJson(envelope);
    }
}
