package dev.payflow.core.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.payflow.core.domain.ErrorReason;
import dev.payflow.core.domain.PayflowException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which webhook URLs PayFlow calls: every forbidden address kind, in each mode, with the reason it gives. */
class UrlGuardTest {
    /** Names as a hostile partner's DNS would answer them. */
    private static final Map<String, List<String>> DNS = Map.of(
            "partner.example", List.of("93.184.216.34"),
            "rebind.example", List.of("127.0.0.1"),
            "internal.example", List.of("10.1.2.3"),
            "metadata.example", List.of("169.254.169.254"),
            "mixed.example", List.of("93.184.216.34", "192.168.0.10"),
            "localhost", List.of("127.0.0.1"));
    private static final UrlGuard.HostResolver RESOLVER = host -> {
        List<String> addresses = DNS.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        List<InetAddress> resolved = new java.util.ArrayList<>();
        for (String address : addresses) {
            resolved.add(InetAddress.getByName(address));
        }
        return resolved;
    };
    private final UrlGuard development = new UrlGuard(RESOLVER, false);
    private final UrlGuard production = new UrlGuard(RESOLVER, true);

    @ParameterizedTest(name = "live mode refuses {0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "https://127.0.0.1/hook            | 127.0.0.1 is a loopback address",
            "https://rebind.example/hook       | host rebind.example resolves to 127.0.0.1, a loopback address",
            "https://10.0.0.1/hook             | a private address",
            "https://172.16.5.4/hook           | a private address",
            "https://192.168.1.1/hook          | a private address",
            "https://internal.example/hook     | resolves to 10.1.2.3, a private address",
            "https://169.254.1.1/hook          | a link-local address",
            "https://169.254.169.254/latest    | a cloud-metadata address",
            "https://metadata.example/latest   | resolves to 169.254.169.254, a cloud-metadata address",
            "https://100.100.100.200/latest    | a cloud-metadata address",
            "https://[fd00:ec2::254]/latest    | a cloud-metadata address",
            "https://100.64.0.1/hook           | a CGNAT address",
            "https://224.0.0.1/hook            | a multicast address",
            "https://0.0.0.0/hook              | the unspecified address",
            "https://[::1]/hook                | a loopback address",
            "https://[fe80::1]/hook            | a link-local address",
            "https://[fc00::1]/hook            | a private address",
            "https://[::ffff:10.0.0.1]/hook    | a private address",
            "https://mixed.example/hook        | resolves to 192.168.0.10, a private address",
            "http://partner.example/hook       | http is not allowed in live mode",
            "https://nowhere.example/hook      | does not resolve"})
    void liveModeRefusesEveryForbiddenAddressKindWithAClearReason(String url, String reason) {
        assertThatThrownBy(() -> development.check(url, true))
                .isInstanceOfSatisfying(PayflowException.class, e -> assertThat(e.reason()).isEqualTo(ErrorReason.WEBHOOK_URL_NOT_ALLOWED))
                .hasMessageContaining(reason);
    }

    @Test
    void liveModeAcceptsAPublicHttpsHostAndConnectsToTheAddressThatPassed() {
        UrlGuard.Target target = development.check("https://partner.example:8443/hooks?x=1", true);
        assertThat(target.address().getHostAddress()).isEqualTo("93.184.216.34");
        assertThat(target.host()).isEqualTo("partner.example");
        assertThat(target.port()).isEqualTo(8443);
        assertThat(target.https()).isTrue();
    }

    @Test
    void sandboxInDevelopmentMayUseHttpLocalhostButNeverAPrivateLinkLocalOrMetadataAddress() {
        assertThat(development.check("http://localhost:8099/hook", false).address().isLoopbackAddress()).isTrue();
        assertThat(development.check("http://127.0.0.1:8099/hook", false).address().isLoopbackAddress()).isTrue();
        for (String url : List.of("http://10.0.0.1/hook", "https://192.168.1.1/hook", "https://169.254.169.254/latest", "https://[fe80::1]/",
                "http://internal.example/hook")) {
            assertThatThrownBy(() -> development.check(url, false)).as(url)
                    .isInstanceOfSatisfying(PayflowException.class, e -> assertThat(e.reason()).isEqualTo(ErrorReason.WEBHOOK_URL_NOT_ALLOWED));
        }
        // http is for loopback only, even in sandbox.
        assertThatThrownBy(() -> development.check("http://partner.example/hook", false))
                .hasMessageContaining("http is allowed only for localhost in sandbox");
    }

    @Test
    void inProductionSandboxEndpointsObeyTheLiveRules() {
        assertThatThrownBy(() -> production.check("http://localhost:8099/hook", false))
                .isInstanceOfSatisfying(PayflowException.class, e -> assertThat(e.reason()).isEqualTo(ErrorReason.WEBHOOK_URL_NOT_ALLOWED))
                .hasMessageContaining("not allowed in production");
        assertThat(production.check("https://partner.example/hook", false).address().getHostAddress()).isEqualTo("93.184.216.34");
    }

    @ParameterizedTest(name = "{0} is refused before any look-up: {1}")
    @CsvSource(delimiter = '|', value = {
            "ftp://partner.example/hook              | scheme 'ftp'",
            "https://user:pw@partner.example/hook    | credentials in the URL",
            "https://partner.example/hook#frag       | a fragment",
            "not a url                               | not a URL",
            "https:///path                           | no host"})
    void malformedUrlsAreInvalidFields(String url, String reason) {
        assertThatThrownBy(() -> development.check(url, false))
                .isInstanceOfSatisfying(PayflowException.class, e -> assertThat(e.reason()).isIn(ErrorReason.INVALID_FIELD, ErrorReason.MISSING_FIELD))
                .hasMessageContaining(reason);
    }
}
