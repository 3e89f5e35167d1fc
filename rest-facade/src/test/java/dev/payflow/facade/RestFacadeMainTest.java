package dev.payflow.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RestFacadeMainTest {

  @Test
  void defaultsArePort8080AndACoreOnLocalhost9090() {
    RestFacadeMain.Settings settings = RestFacadeMain.Settings.fromEnvironment(Map.of());

    assertThat(settings).isEqualTo(new RestFacadeMain.Settings(8080, "localhost:9090"));
  }

  @Test
  void environmentOverridesPortAndTarget() {
    RestFacadeMain.Settings settings =
        RestFacadeMain.Settings.fromEnvironment(
            Map.of("PAYFLOW_HTTP_PORT", "9000", "PAYFLOW_CORE_GRPC_TARGET", "dns:///core:9090"));

    assertThat(settings).isEqualTo(new RestFacadeMain.Settings(9000, "dns:///core:9090"));
  }

  @Test
  void portThatIsNotANumberOrOutOfRangeStopsStartUpNamingTheValue() {
    assertThatThrownBy(
            () -> RestFacadeMain.Settings.fromEnvironment(Map.of("PAYFLOW_HTTP_PORT", "http")))
        .hasMessage("PAYFLOW_HTTP_PORT: \"http\" (expected: an integer 1..65535)");
    assertThatThrownBy(
            () -> RestFacadeMain.Settings.fromEnvironment(Map.of("PAYFLOW_HTTP_PORT", "70000")))
        .hasMessage("PAYFLOW_HTTP_PORT: \"70000\" (expected: an integer 1..65535)");
  }
}
