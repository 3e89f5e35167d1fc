package dev.payflow.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GroupCommitConfigTest {
    @Test
    void withNothingSetGroupCommitIsOnWithTwoLanesOfAHundredAndNoWindow() {
        GroupCommitConfig config = PayflowConfig.fromEnvironment(Map.of()).groupCommit();

        assertThat(config).isEqualTo(new GroupCommitConfig(true, 2, 100, 0));
    }

    @Test
    void eachSettingIsReadFromItsVariable() {
        GroupCommitConfig config = PayflowConfig.fromEnvironment(Map.of("PAYFLOW_GROUP_COMMIT_ENABLED", "false", "PAYFLOW_GROUP_COMMIT_LANES", "3",
                "PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX", "10", "PAYFLOW_GROUP_COMMIT_WINDOW_MS", "3")).groupCommit();

        assertThat(config).isEqualTo(new GroupCommitConfig(false, 3, 10, 3));
    }

    @ParameterizedTest
    @CsvSource({
            "PAYFLOW_GROUP_COMMIT_LANES, 0, 'PAYFLOW_GROUP_COMMIT_LANES: 0 (expected: 1..64)'",
            "PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX, 1001, 'PAYFLOW_GROUP_COMMIT_BATCH_SIZE_MAX: 1001 (expected: 1..1000)'",
            "PAYFLOW_GROUP_COMMIT_WINDOW_MS, 6, 'PAYFLOW_GROUP_COMMIT_WINDOW_MS: 6 (expected: 0..5)'",
            "PAYFLOW_GROUP_COMMIT_ENABLED, yes, 'PAYFLOW_GROUP_COMMIT_ENABLED: ''yes'' (expected: true or false)'"})
    void aValueOutsideItsBoundsRefusesToStartAndSaysWhatIsExpected(String variable, String value, String message) {
        assertThatThrownBy(() -> PayflowConfig.fromEnvironment(Map.of(variable, value)))
                .isInstanceOf(PayflowConfig.ConfigException.class).hasMessage(message);
    }
}
