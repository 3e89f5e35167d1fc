package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.LOGIN_THROTTLES;
import static dev.payflow.core.persistence.jooq.Tables.OPERATORS;
import static dev.payflow.core.persistence.jooq.Tables.OPERATOR_SESSIONS;

import dev.payflow.core.domain.Operator;
import dev.payflow.core.domain.OperatorRole;
import dev.payflow.core.persistence.jooq.tables.records.OperatorsRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** Operators, their sessions and the sign-in throttles. Admin data: not scoped to a partner. */
public final class OperatorRepository {

    /** An operator with the hash of its password, which never leaves the sign-in check. */
    public record WithPassword(Operator operator, String passwordHash) {
    }

    /** A session as stored: the operator it belongs to, its CSRF token and its three ends. */
    public record Session(String idHash, String operatorId, String csrfToken, Instant createdAt, Instant lastSeenAt, Instant expiresAt,
            Optional<Instant> endedAt) {
    }

    /** Failed sign-ins of one subject in its current window. */
    public record Throttle(String subject, int failures, Instant windowStartedAt, Optional<Instant> lockedUntil) {
    }

    /** Inserts an operator; false if the email is taken (the unique constraint decides). */
    public boolean insert(DSLContext tx, Operator operator, String passwordHash) {
        return tx.insertInto(OPERATORS)
                .set(OPERATORS.ID, operator.id())
                .set(OPERATORS.EMAIL, operator.email())
                .set(OPERATORS.DISPLAY_NAME, operator.displayName())
                .set(OPERATORS.ROLE, operator.role().wireName())
                .set(OPERATORS.STATUS, operator.status().wireName())
                .set(OPERATORS.PASSWORD_HASH, passwordHash)
                .set(OPERATORS.CREATED_AT, Timestamps.toColumn(operator.createdAt()))
                .set(OPERATORS.UPDATED_AT, Timestamps.toColumn(operator.updatedAt()))
                .onConflict(OPERATORS.EMAIL).doNothing()
                .execute() == 1;
    }

    public Optional<Operator> find(DSLContext tx, String id) {
        return tx.selectFrom(OPERATORS).where(OPERATORS.ID.eq(id)).fetchOptional().map(OperatorRepository::toOperator);
    }

    public Optional<Operator> findForUpdate(DSLContext tx, String id) {
        return tx.selectFrom(OPERATORS).where(OPERATORS.ID.eq(id)).forUpdate().fetchOptional().map(OperatorRepository::toOperator);
    }

    public Optional<WithPassword> findByEmail(DSLContext tx, String email) {
        return tx.selectFrom(OPERATORS).where(OPERATORS.EMAIL.eq(email)).fetchOptional()
                .map(r -> new WithPassword(toOperator(r), r.getPasswordHash()));
    }

    /** Newest first, after {@code afterId} if given; one more than {@code limit}, to tell if a next page exists. */
    public List<Operator> list(DSLContext tx, Optional<String> afterId, int limit) {
        return tx.selectFrom(OPERATORS)
                .where(afterId.map(OPERATORS.ID::lt).orElse(DSL.noCondition()))
                .orderBy(OPERATORS.ID.desc())
                .limit(limit + 1)
                .fetch(OperatorRepository::toOperator);
    }

    public void update(DSLContext tx, String id, OperatorRole role, Operator.Status status, Instant now) {
        int updated = tx.update(OPERATORS)
                .set(OPERATORS.ROLE, role.wireName())
                .set(OPERATORS.STATUS, status.wireName())
                .set(OPERATORS.UPDATED_AT, Timestamps.toColumn(now))
                .where(OPERATORS.ID.eq(id))
                .execute();
        requireOne(updated, "operator " + id);
    }

    // --- Sessions --------------------------------------------------------------------------------

    public void insertSession(DSLContext tx, Session session) {
        tx.insertInto(OPERATOR_SESSIONS)
                .set(OPERATOR_SESSIONS.ID_HASH, session.idHash())
                .set(OPERATOR_SESSIONS.OPERATOR_ID, session.operatorId())
                .set(OPERATOR_SESSIONS.CSRF_TOKEN, session.csrfToken())
                .set(OPERATOR_SESSIONS.CREATED_AT, Timestamps.toColumn(session.createdAt()))
                .set(OPERATOR_SESSIONS.LAST_SEEN_AT, Timestamps.toColumn(session.lastSeenAt()))
                .set(OPERATOR_SESSIONS.EXPIRES_AT, Timestamps.toColumn(session.expiresAt()))
                .execute();
    }

    public Optional<Session> findSession(DSLContext tx, String idHash) {
        return tx.selectFrom(OPERATOR_SESSIONS).where(OPERATOR_SESSIONS.ID_HASH.eq(idHash)).fetchOptional()
                .map(r -> new Session(r.getIdHash(), r.getOperatorId(), r.getCsrfToken(), Timestamps.fromColumn(r.getCreatedAt()),
                        Timestamps.fromColumn(r.getLastSeenAt()), Timestamps.fromColumn(r.getExpiresAt()),
                        Optional.ofNullable(r.getEndedAt()).map(Timestamps::fromColumn)));
    }

    /** Moves the idle deadline of a live session forward. */
    public void touchSession(DSLContext tx, String idHash, Instant now) {
        tx.update(OPERATOR_SESSIONS)
                .set(OPERATOR_SESSIONS.LAST_SEEN_AT, Timestamps.toColumn(now))
                .where(OPERATOR_SESSIONS.ID_HASH.eq(idHash).and(OPERATOR_SESSIONS.ENDED_AT.isNull()))
                .execute();
    }

    public void endSession(DSLContext tx, String idHash, Instant now) {
        tx.update(OPERATOR_SESSIONS)
                .set(OPERATOR_SESSIONS.ENDED_AT, Timestamps.toColumn(now))
                .where(OPERATOR_SESSIONS.ID_HASH.eq(idHash).and(OPERATOR_SESSIONS.ENDED_AT.isNull()))
                .execute();
    }

    public int endSessionsOf(DSLContext tx, String operatorId, Instant now) {
        return tx.update(OPERATOR_SESSIONS)
                .set(OPERATOR_SESSIONS.ENDED_AT, Timestamps.toColumn(now))
                .where(OPERATOR_SESSIONS.OPERATOR_ID.eq(operatorId).and(OPERATOR_SESSIONS.ENDED_AT.isNull()))
                .execute();
    }

    // --- Throttles -------------------------------------------------------------------------------

    /** The subject's row, locked, so concurrent failures count one by one. */
    public Optional<Throttle> findThrottleForUpdate(DSLContext tx, String subject) {
        return tx.selectFrom(LOGIN_THROTTLES).where(LOGIN_THROTTLES.SUBJECT.eq(subject)).forUpdate().fetchOptional()
                .map(r -> new Throttle(r.getSubject(), r.getFailures(), Timestamps.fromColumn(r.getWindowStartedAt()),
                        Optional.ofNullable(r.getLockedUntil()).map(Timestamps::fromColumn)));
    }

    public Optional<Throttle> findThrottle(DSLContext tx, String subject) {
        return tx.selectFrom(LOGIN_THROTTLES).where(LOGIN_THROTTLES.SUBJECT.eq(subject)).fetchOptional()
                .map(r -> new Throttle(r.getSubject(), r.getFailures(), Timestamps.fromColumn(r.getWindowStartedAt()),
                        Optional.ofNullable(r.getLockedUntil()).map(Timestamps::fromColumn)));
    }

    public void saveThrottle(DSLContext tx, Throttle throttle) {
        tx.insertInto(LOGIN_THROTTLES)
                .set(LOGIN_THROTTLES.SUBJECT, throttle.subject())
                .set(LOGIN_THROTTLES.FAILURES, throttle.failures())
                .set(LOGIN_THROTTLES.WINDOW_STARTED_AT, Timestamps.toColumn(throttle.windowStartedAt()))
                .set(LOGIN_THROTTLES.LOCKED_UNTIL, throttle.lockedUntil().map(Timestamps::toColumn).orElse(null))
                .onConflict(LOGIN_THROTTLES.SUBJECT).doUpdate()
                .set(LOGIN_THROTTLES.FAILURES, throttle.failures())
                .set(LOGIN_THROTTLES.WINDOW_STARTED_AT, Timestamps.toColumn(throttle.windowStartedAt()))
                .set(LOGIN_THROTTLES.LOCKED_UNTIL, throttle.lockedUntil().map(Timestamps::toColumn).orElse(null))
                .execute();
    }

    public void clearThrottle(DSLContext tx, String subject) {
        tx.deleteFrom(LOGIN_THROTTLES).where(LOGIN_THROTTLES.SUBJECT.eq(subject)).execute();
    }

    private static Operator toOperator(OperatorsRecord r) {
        return new Operator(r.getId(), r.getEmail(), r.getDisplayName(), OperatorRole.fromWireName(r.getRole()).orElseThrow(),
                Operator.Status.fromWireName(r.getStatus()).orElseThrow(), Timestamps.fromColumn(r.getCreatedAt()),
                Timestamps.fromColumn(r.getUpdatedAt()));
    }

    private static void requireOne(int rows, String what) {
        if (rows != 1) {
            throw new IllegalStateException(what + ": " + rows + " rows written (expected: 1)");
        }
    }
}
