package dev.payflow.core.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hears, on a connection of its own, every change to API keys and partners that PostgreSQL
 * announces (migration V22: {@code key:<hash>}, {@code partner:<id>}, {@code all} on
 * {@link #CHANNEL}), and tells its {@link Subscriber}. It tells it as well when it starts and stops
 * listening: what changed while nobody listened is never announced again, so a subscriber that
 * keeps copies must not trust them meanwhile.
 *
 * <p>One daemon thread: it opens the connection, LISTENs, waits for notifications, checks the
 * connection with a trivial query when it has heard nothing for {@link #HEARTBEAT_MS}, and on any
 * failure reconnects after a back-off that doubles from {@link #BACKOFF_MIN_MS} to
 * {@link #BACKOFF_MAX_MS}. {@link #close()} stops it.
 */
public final class ApiKeyChangeListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyChangeListener.class);

    /** The channel V22's triggers notify. */
    public static final String CHANNEL = "payflow_api_key_changes";
    /** What {@code pg_stat_activity.application_name} shows for the listening connection. */
    public static final String APPLICATION_NAME = "payflow-api-key-listener";
    /**
     * How long one wait for notifications lasts: also how soon {@link #close()} is noticed when the
     * thread is not interrupted out of its read.
     */
    static final int POLL_MS = 250;
    /**
     * A connection that broke without a word (a cut network, not a closed socket) is found by this
     * trivial query within this long plus the socket timeout: one round trip a second per replica.
     */
    static final long HEARTBEAT_MS = 1_000;
    /** How long a read may wait on the network before the connection counts as broken. */
    public static final int SOCKET_TIMEOUT_SECONDS = 5;
    /** The first retry comes quickly: most failures are one connection cut (a restart, a failover), not a database down. */
    static final long BACKOFF_MIN_MS = 100;
    /** A database that is down is tried every five seconds at most: a connection attempt is cheap, but not free for a recovering server. */
    static final long BACKOFF_MAX_MS = 5_000;
    /** How long {@link #close()} waits for the thread to finish. */
    private static final long STOP_WAIT_MS = 2_000;

    /** What the listener tells; called on the listener's thread, one call at a time. */
    public interface Subscriber {
        /** LISTEN is in effect: every change from now on will be announced. */
        void listening();

        /** Not listening (the connection failed, or could not be opened): changes may go unannounced until {@link #listening()}. */
        void notListening();

        void keyChanged(String keyHash);

        /** The partner, or anything that applies to all its keys, changed. */
        void partnerChanged(String partnerId);

        /** Everything may have changed (a table was truncated). */
        void everythingChanged();
    }

    /** Opens the listener's connection (tests wrap it, to hold reconnection back). */
    @FunctionalInterface
    public interface Connector {
        Connection open() throws SQLException;
    }

    private final Connector connector;
    private final Subscriber subscriber;
    private final Thread thread;
    private volatile boolean stopped;

    private ApiKeyChangeListener(Connector connector, Subscriber subscriber) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.subscriber = Objects.requireNonNull(subscriber, "subscriber");
        this.thread = new Thread(this::run, "payflow-api-key-listener");
        this.thread.setDaemon(true);
    }

    /** Starts listening on connections that {@code connector} opens; {@code subscriber} hears {@link Subscriber#listening()} once it does. */
    public static ApiKeyChangeListener start(Connector connector, Subscriber subscriber) {
        ApiKeyChangeListener listener = new ApiKeyChangeListener(connector, subscriber);
        listener.thread.start();
        return listener;
    }

    /** The connector for {@code database}: a dedicated connection, outside the pool. */
    public static Connector dedicatedTo(Database database) {
        Objects.requireNonNull(database, "database");
        return () -> database.openDedicatedConnection(APPLICATION_NAME, SOCKET_TIMEOUT_SECONDS);
    }

    private void run() {
        long backoffMs = BACKOFF_MIN_MS;
        while (!stopped) {
            try (Connection connection = connector.open()) {
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + CHANNEL);
                }
                PGConnection notifications = connection.unwrap(PGConnection.class);
                subscriber.listening();
                backoffMs = BACKOFF_MIN_MS;
                listen(connection, notifications);
            } catch (SQLException | RuntimeException e) {
                if (!stopped) {
                    LOG.warn("API key change listener: {}; the API key cache is bypassed until it listens again (retry in {} ms)",
                            e.getMessage(), backoffMs);
                }
            } finally {
                subscriber.notListening();
            }
            if (stopped) {
                break;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(backoffMs);
            } catch (InterruptedException e) {
                // close() interrupts; the loop's condition decides.
                Thread.currentThread().interrupt();
                break;
            }
            backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
        }
    }

    private void listen(Connection connection, PGConnection notifications) throws SQLException {
        long lastHeardNanos = System.nanoTime();
        while (!stopped) {
            PGNotification[] heard = notifications.getNotifications(POLL_MS);
            if (heard != null && heard.length > 0) {
                for (PGNotification notification : heard) {
                    deliver(notification.getParameter());
                }
                lastHeardNanos = System.nanoTime();
            } else if (System.nanoTime() - lastHeardNanos >= TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("SELECT 1");
                }
                lastHeardNanos = System.nanoTime();
            }
        }
    }

    private void deliver(String payload) {
        if (payload.startsWith("key:")) {
            subscriber.keyChanged(payload.substring("key:".length()));
        } else if (payload.startsWith("partner:")) {
            subscriber.partnerChanged(payload.substring("partner:".length()));
        } else {
            // "all", or a payload a newer version sends: forgetting everything is always safe.
            subscriber.everythingChanged();
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
