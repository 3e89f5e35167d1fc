package dev.payflow.core.app;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.Operator;
import dev.payflow.core.domain.PayflowException;
import dev.payflow.core.domain.Text;
import dev.payflow.core.persistence.Database;
import dev.payflow.core.persistence.OperatorRepository;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators' console sessions: sign-in (with throttling), the session behind a cookie, sign-out.
 *
 * <p>The cookie is {@code <session id>.<HMAC-SHA256 of the id under PAYFLOW_SESSION_SECRET>}: a
 * forged or altered cookie is refused before the database is asked. The database keeps only the
 * SHA-256 of the id, so a copy of the sessions table opens nothing. Every sign-in makes a new id
 * (and ends the session the request came with), so an id planted in a browser before sign-in is
 * worthless after it.
 */
public final class OperatorSessions {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorSessions.class);
    public static final String COOKIE_NAME = "payflow_session";
    /** A session unused for this long ends: an unattended console closes itself. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** A session ends this long after sign-in however busy it is: a stolen cookie is worth one working day at most. */
    public static final Duration ABSOLUTE_TIMEOUT = Duration.ofHours(12);
    /** Failed sign-ins for one email within the window before it is locked: a typo or two, never a guessing run. */
    static final int ACCOUNT_FAILURES_MAX = 5;
    /** Failed sign-ins from one address within the window: several operators behind one office address may mistype. */
    static final int SOURCE_FAILURES_MAX = 20;
    /** The window failures are counted in, and how long a lock lasts. */
    static final Duration THROTTLE_WINDOW = Duration.ofMinutes(15);
    static final Duration LOCK_DURATION = Duration.ofMinutes(15);
    /** 43 base62 characters: 256 random bits, for session ids and CSRF tokens alike. */
    private static final int TOKEN_LENGTH = 43;
    private static final int PASSWORD_LENGTH_MAX = 200;

    private final Database database;
    private final Services services;
    private final OperatorRepository operators;
    private final PasswordHasher passwords;
    private final PersonalDataDigests digests;
    private final SecretKeySpec cookieKey;

    public OperatorSessions(Database database, Services services, OperatorRepository operators, PasswordHasher passwords,
            PersonalDataDigests digests, String sessionSecret) {
        this.database = Objects.requireNonNull(database, "database");
        this.services = Objects.requireNonNull(services, "services");
        this.operators = Objects.requireNonNull(operators, "operators");
        this.passwords = Objects.requireNonNull(passwords, "passwords");
        this.digests = Objects.requireNonNull(digests, "digests");
        this.cookieKey = new SecretKeySpec(Objects.requireNonNull(sessionSecret, "sessionSecret").getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** A new session and the cookie value that opens it. */
    public record SignedIn(OperatorPrincipal principal, String cookieValue) {
    }

    /**
     * Signs in. The lock is checked before the password, so a locked email stays locked even for
     * the right password; a failure counts against the email and the source address alike.
     *
     * @param source           the caller's address, as the listener saw it
     * @param presentedCookie  the session cookie the request came with, if any: it is ended
     * @param onActor          told which operator the email names (for the audit trail), before the outcome is known
     */
    public SignedIn signIn(String emailText, String password, String source, Optional<String> presentedCookie,
            java.util.function.Consumer<Operator> onActor) {
        if (emailText == null || emailText.isBlank()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "email is required");
        }
        if (password == null || password.isEmpty()) {
            throw PayflowException.of(ErrorReason.MISSING_FIELD, "password is required");
        }
        if (password.length() > PASSWORD_LENGTH_MAX) {
            // Hashing a megabyte per attempt would be an easy way to burn our CPU.
            throw PayflowException.of(ErrorReason.INVALID_CREDENTIALS, "the email or password is wrong");
        }
        String email = emailText.trim().toLowerCase(Locale.ROOT);
        String accountSubject = "account:" + digests.digest(email);
        String sourceSubject = "source:" + digests.digest(source);
        Instant now = services.now();
        requireNotLocked(accountSubject, now);
        requireNotLocked(sourceSubject, now);

        Optional<OperatorRepository.WithPassword> found = operators.findByEmail(database.reader(), email);
        found.ifPresent(f -> onActor.accept(f.operator()));
        // The hash check runs outside any transaction: it is slow on purpose and needs no lock.
        boolean matches = found.isPresent() ? passwords.matches(password, found.get().passwordHash()) : passwords.matchesNothing(password);
        if (!matches || found.get().operator().status() != Operator.Status.ACTIVE) {
            database.inTransaction(tx -> {
                countFailure(tx, accountSubject, ACCOUNT_FAILURES_MAX, now);
                countFailure(tx, sourceSubject, SOURCE_FAILURES_MAX, now);
                return null;
            });
            LOG.info("refused a console sign-in ({})", found.isPresent() ? "operator " + found.get().operator().id() : "unknown email");
            throw PayflowException.of(ErrorReason.INVALID_CREDENTIALS, "the email or password is wrong");
        }
        Operator operator = found.get().operator();
        String sessionId = Text.randomBase62(services.random(), TOKEN_LENGTH);
        String csrfToken = Text.randomBase62(services.random(), TOKEN_LENGTH);
        OperatorRepository.Session session = new OperatorRepository.Session(Text.sha256Hex(sessionId), operator.id(), csrfToken, now, now,
                now.plus(ABSOLUTE_TIMEOUT), Optional.empty());
        database.inTransaction(tx -> {
            operators.clearThrottle(tx, accountSubject);
            presentedCookie.flatMap(this::verifiedSessionId).ifPresent(old -> operators.endSession(tx, Text.sha256Hex(old), now));
            operators.insertSession(tx, session);
            return null;
        });
        return new SignedIn(principal(operator, session), sessionId + "." + signature(sessionId));
    }

    /** The operator behind a session cookie: SESSION_EXPIRED if it is forged, ended, idle too long or too old. */
    public OperatorPrincipal authenticate(String cookieValue) {
        String sessionId = verifiedSessionId(cookieValue).orElseThrow(OperatorSessions::expired);
        String idHash = Text.sha256Hex(sessionId);
        Instant now = services.now();
        OperatorRepository.Session session = operators.findSession(database.reader(), idHash).orElseThrow(OperatorSessions::expired);
        if (session.endedAt().isPresent() || !now.isBefore(session.expiresAt()) || !now.isBefore(session.lastSeenAt().plus(IDLE_TIMEOUT))) {
            throw expired();
        }
        Operator operator = operators.find(database.reader(), session.operatorId()).orElseThrow(OperatorSessions::expired);
        if (operator.status() != Operator.Status.ACTIVE) {
            throw expired();
        }
        database.inTransaction(tx -> {
            operators.touchSession(tx, idHash, now);
            return null;
        });
        return principal(operator, new OperatorRepository.Session(idHash, operator.id(), session.csrfToken(), session.createdAt(), now,
                session.expiresAt(), Optional.empty()));
    }

    /** Ends the session on the server: its cookie opens nothing from now on. */
    public void signOut(OperatorPrincipal principal) {
        principal.session().ifPresent(session -> database.inTransaction(tx -> {
            operators.endSession(tx, session.idHash(), services.now());
            return null;
        }));
    }

    /** Whether the presented token is the session's CSRF token, compared in constant time. */
    public static boolean csrfTokenMatches(OperatorPrincipal principal, String presented) {
        if (presented == null || principal.session().isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(principal.session().get().csrfToken().getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    /** Clears the sign-in lock of an email (an admin's call). */
    void unlock(String email) {
        database.inTransaction(tx -> {
            operators.clearThrottle(tx, "account:" + digests.digest(email));
            return null;
        });
    }

    /** Whether an email is locked now, for the operators' list. */
    boolean isLocked(String email) {
        return operators.findThrottle(database.reader(), "account:" + digests.digest(email))
                .flatMap(OperatorRepository.Throttle::lockedUntil).map(until -> services.now().isBefore(until)).orElse(false);
    }

    private void requireNotLocked(String subject, Instant now) {
        Optional<Instant> lockedUntil = operators.findThrottle(database.reader(), subject).flatMap(OperatorRepository.Throttle::lockedUntil);
        if (lockedUntil.isPresent() && now.isBefore(lockedUntil.get())) {
            throw PayflowException.of(ErrorReason.LOGIN_LOCKED, "too many failed sign-ins; try again after %s or ask an admin to unlock",
                    lockedUntil.get());
        }
    }

    private void countFailure(org.jooq.DSLContext tx, String subject, int failuresMax, Instant now) {
        Optional<OperatorRepository.Throttle> current = operators.findThrottleForUpdate(tx, subject);
        boolean windowOpen = current.isPresent() && now.isBefore(current.get().windowStartedAt().plus(THROTTLE_WINDOW));
        int failures = windowOpen ? current.get().failures() + 1 : 1;
        Instant windowStart = windowOpen ? current.get().windowStartedAt() : now;
        Optional<Instant> lockedUntil = failures >= failuresMax ? Optional.of(now.plus(LOCK_DURATION)) : Optional.empty();
        operators.saveThrottle(tx, new OperatorRepository.Throttle(subject, failures, windowStart, lockedUntil));
    }

    private static OperatorPrincipal principal(Operator operator, OperatorRepository.Session session) {
        return new OperatorPrincipal(operator, Optional.of(new OperatorPrincipal.Session(session.idHash(), session.csrfToken(),
                session.expiresAt(), min(session.expiresAt(), session.lastSeenAt().plus(IDLE_TIMEOUT)))));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** The session id of a cookie whose signature is ours; empty for anything else. */
    private Optional<String> verifiedSessionId(String cookieValue) {
        if (cookieValue == null) {
            return Optional.empty();
        }
        int dot = cookieValue.indexOf('.');
        if (dot <= 0 || dot != TOKEN_LENGTH) {
            return Optional.empty();
        }
        String id = cookieValue.substring(0, dot);
        byte[] presented = cookieValue.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(presented, signature(id).getBytes(StandardCharsets.US_ASCII)) ? Optional.of(id) : Optional.empty();
    }

    private String signature(String sessionId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(cookieKey);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(sessionId.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static PayflowException expired() {
        return PayflowException.of(ErrorReason.SESSION_EXPIRED, "the session has ended; sign in again");
    }
}
