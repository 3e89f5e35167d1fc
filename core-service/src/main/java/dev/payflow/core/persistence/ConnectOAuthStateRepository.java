package dev.payflow.core.persistence;

import static dev.payflow.core.persistence.jooq.Tables.CONNECT_OAUTH_STATES;

import dev.payflow.core.domain.PartnerScope;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jooq.DSLContext;

/** The OAuth states PayFlow handed out (by their SHA-256 digest), each claimed at most once before it expires. */
public final class ConnectOAuthStateRepository {

    /** What a state was issued for: the partner and mode, the user who connects (empty: the partner itself), and the redirect. */
    public record IssuedState(PartnerScope scope, Optional<String> externalUserId, String redirectUri) {
        public IssuedState {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(externalUserId, "externalUserId");
            Objects.requireNonNull(redirectUri, "redirectUri");
        }
    }

    public void insert(DSLContext tx, String stateDigest, IssuedState state, Instant createdAt, Instant expiresAt) {
        tx.insertInto(CONNECT_OAUTH_STATES)
                .set(CONNECT_OAUTH_STATES.STATE_DIGEST, stateDigest)
                .set(CONNECT_OAUTH_STATES.PARTNER_ID, state.scope().partnerId())
                .set(CONNECT_OAUTH_STATES.LIVEMODE, state.scope().livemode())
                .set(CONNECT_OAUTH_STATES.EXTERNAL_USER_ID, state.externalUserId().orElse(null))
                .set(CONNECT_OAUTH_STATES.REDIRECT_URI, state.redirectUri())
                .set(CONNECT_OAUTH_STATES.CREATED_AT, Timestamps.toColumn(createdAt))
                .set(CONNECT_OAUTH_STATES.EXPIRES_AT, Timestamps.toColumn(expiresAt))
                .execute();
    }

    /** Marks the state used, if it is known, unused and not expired at {@code now}: one caller only ever gets it. */
    public Optional<IssuedState> claim(DSLContext tx, String stateDigest, Instant now) {
        return tx.update(CONNECT_OAUTH_STATES)
                .set(CONNECT_OAUTH_STATES.USED_AT, Timestamps.toColumn(now))
                .where(CONNECT_OAUTH_STATES.STATE_DIGEST.eq(stateDigest))
                .and(CONNECT_OAUTH_STATES.USED_AT.isNull())
                .and(CONNECT_OAUTH_STATES.EXPIRES_AT.gt(Timestamps.toColumn(now)))
                .returning(CONNECT_OAUTH_STATES.PARTNER_ID, CONNECT_OAUTH_STATES.LIVEMODE, CONNECT_OAUTH_STATES.EXTERNAL_USER_ID,
                        CONNECT_OAUTH_STATES.REDIRECT_URI)
                .fetchOptional()
                .map(row -> new IssuedState(new PartnerScope(row.getPartnerId(), row.getLivemode()), Optional.ofNullable(row.getExternalUserId()),
                        row.getRedirectUri()));
    }
}
