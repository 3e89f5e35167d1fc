package dev.payflow.core.persistence;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.stream.Stream;

/**
 * A column of many rows as one pgjdbc array parameter, for statements whose text stays the same
 * whatever the number of rows ({@code unnest(?::varchar[], ...)}, {@code = ANY(?::varchar[])}).
 * A constant text is kept prepared by the driver on each connection from its fifth use
 * ({@code prepareThreshold}), so PostgreSQL parses and plans it once per connection, not once per
 * call as it must for a text that changes with the number of rows.
 */
final class SqlArrays {
    private SqlArrays() {
    }

    static Array texts(Connection connection, Stream<String> values) throws SQLException {
        return connection.createArrayOf("varchar", values.toArray(String[]::new));
    }

    static Array longs(Connection connection, Stream<Long> values) throws SQLException {
        return connection.createArrayOf("int8", values.toArray(Long[]::new));
    }

    static Array booleans(Connection connection, Stream<Boolean> values) throws SQLException {
        return connection.createArrayOf("bool", values.toArray(Boolean[]::new));
    }
}
