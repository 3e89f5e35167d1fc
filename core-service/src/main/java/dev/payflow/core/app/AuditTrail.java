package dev.payflow.core.app;

import dev.payflow.core.domain.AuditRecord;
import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Page;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.persistence.AuditLogRepository;
import dev.payflow.core.persistence.Database;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The audit trail of admin actions: appends (hash-chained, serialised by the repository), lists
 * and the walk that verifies the chain. Personal data reaches it only as keyed digests
 * ({@link #digests()}), so redacting a wallet or an operator never edits a record.
 */
public final class AuditTrail {
    /** Each text of a record is bounded, so one call cannot write a megabyte into a table kept for ten years. */
    public static final int STATE_LENGTH_MAX = 16 * 1024;
    private static final int SHORT_TEXT_MAX = 128;

    private final Database database;
    private final Services services;
    private final AuditLogRepository log;
    private final PersonalDataDigests digests;

    public AuditTrail(Database database, Services services, AuditLogRepository log, PersonalDataDigests digests) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.log = Objects.requireNonNull(log, "log");
        this.digests = Objects.requireNonNull(digests, "digests");
    }

    /** What an action left to record; the trail adds the time and the chain. */
    public record Entry(String actorId, String actorRole, String action, String target, String outcome, String reason, String before,
            String after, String requestId, String source) {
    }

    public PersonalDataDigests digests() {
        return digests;
    }

    /** Appends one record in its own transaction; the source address is stored as its digest only. */
    public AuditRecord record(Entry entry) {
        AuditRecord unchained = new AuditRecord(0, services.now(), bounded(entry.actorId(), SHORT_TEXT_MAX), bounded(entry.actorRole(), 16),
                bounded(entry.action(), SHORT_TEXT_MAX), bounded(entry.target(), SHORT_TEXT_MAX), bounded(entry.outcome(), 64),
                bounded(entry.reason(), 500), bounded(entry.before(), STATE_LENGTH_MAX), bounded(entry.after(), STATE_LENGTH_MAX),
                bounded(entry.requestId(), SHORT_TEXT_MAX), digests.digest(entry.source()), "", "");
        return database.inTransaction(tx -> log.append(tx, unchained));
    }

    public record Filter(Optional<String> actorId, Optional<String> action, Optional<String> target, Optional<Instant> from,
            Optional<Instant> to) {
    }

    public Page<AuditRecord> list(int pageSize, String pageToken, Filter filter) {
        String filterKey = "audit|" + filter.actorId().orElse("") + "|" + filter.action().orElse("") + "|" + filter.target().orElse("") + "|"
                + filter.from().map(Instant::toString).orElse("") + "|" + filter.to().map(Instant::toString).orElse("");
        PageRequest page = PageRequest.of(pageSize, pageToken, filterKey);
        Optional<Long> beforeSeq;
        try {
            beforeSeq = page.afterId().map(Long::parseLong);
        } catch (NumberFormatException e) {
            throw PayflowException.of(ErrorReason.INVALID_PAGE_TOKEN, "pageToken is not a token of this list");
        }
        List<AuditRecord> rows = log.list(database.reader(), new AuditLogRepository.Filter(filter.actorId(), filter.action(), filter.target(),
                filter.from(), filter.to()), beforeSeq, page.size());
        return Pages.of(rows, page, r -> Long.toString(r.seq()));
    }

    /** The outcome of a walk of the chain. */
    public record Verification(boolean intact, long recordsChecked, long firstBrokenSeq, String problem) {
    }

    /**
     * Walks the chain oldest first and stops at the first record that is out of place: a gap in
     * the sequence (a deleted record), a previous hash that is not its predecessor's hash, or a
     * hash that does not match the record's contents (an edited record).
     */
    public Verification verify() {
        long[] checked = {0};
        long[] expectedSeq = {1};
        String[] previousHash = {AuditRecord.GENESIS_HASH};
        Verification[] broken = {null};
        log.walk(database.reader(), record -> {
            if (broken[0] != null) {
                return;
            }
            checked[0]++;
            if (record.seq() != expectedSeq[0]) {
                broken[0] = new Verification(false, checked[0], expectedSeq[0], "record " + expectedSeq[0] + " is missing (the next is " + record.seq() + ")");
            } else if (!record.previousHash().equals(previousHash[0])) {
                broken[0] = new Verification(false, checked[0], record.seq(), "record " + record.seq() + " does not name its predecessor's hash");
            } else if (!record.hash().equals(record.expectedHash())) {
                broken[0] = new Verification(false, checked[0], record.seq(), "record " + record.seq() + " does not match its hash");
            }
            expectedSeq[0] = record.seq() + 1;
            previousHash[0] = record.hash();
        });
        return broken[0] != null ? broken[0] : new Verification(true, checked[0], 0, "");
    }

    private static String bounded(String text, int max) {
        String value = text == null ? "" : text;
        return value.length() <= max ? value : value.substring(0, max - 1) + "…";
    }
}
