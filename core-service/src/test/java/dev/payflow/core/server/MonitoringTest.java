package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.payflow.core.config.StripeConfig;
import dev.payflow.core.testing.TestClock;
import dev.payflow.core.testing.TestServer;
import dev.payflow.proto.v1.ListWalletsRequest;
import dev.payflow.proto.v1.Partner;
import dev.payflow.proto.v1.Wallet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts and the dashboard in k8s/monitoring against what the service really exports: every
 * metric an alert or a dashboard query names appears in a scrape of a server that did the things
 * those metrics count; the PrometheusRule's rules pass {@code promtool check rules} and their
 * tests on synthetic series ({@code alerts.test.yml}) pass {@code promtool test rules}.
 */
class MonitoringTest {
    private static final Path MONITORING = Path.of("..", "k8s", "monitoring");
    /** A metric name in PromQL: the families this service exports start with these. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:payflow|hikaricp|resilience4j|jvm|process)_[a-zA-Z0-9_]+)");
    private static TestServer payflow;
    private static String scrape;

    @BeforeAll
    static void exerciseEveryMeterThenScrape() throws Exception {
        // Live Stripe configured (at a port nothing listens on) so its circuit breaker exists; sandbox stays simulated.
        StripeConfig liveOnly = new StripeConfig(Optional.empty(), Optional.of("sk_live_fake_0123456789"), "", "pk_live_fake_0123456789",
                List.of(), List.of("whsec_live_fake_0123456789"), Optional.of("http://localhost:1"), Set.of("USD"),
                StripeConfig.RECOVERY_AFTER_MS_DEFAULT);
        payflow = TestServer.startWithTraffic(TestServer.TRAFFIC.withAuthFailuresPerMinute(2), TestClock.system(), liveOnly);
        TestServer.PartnerKeys partner = payflow.onboard(Partner.Status.active);
        // A webhook endpoint nothing answers, set before the events it is to receive are recorded.
        assertThat(payflow.rest("PUT", "/api/v1/webhook-endpoint", partner.sandboxKey(),
                "{\"url\":\"http://localhost:1/hooks\"}").status()).isEqualTo(200);
        Wallet wallet = payflow.newWallet(partner.sandboxKey(), "USD");
        payflow.credit(partner.sandboxKey(), wallet.getId(), "10.00", "USD");
        assertThat(payflow.rest("POST", "/api/v1/payments", partner.sandboxKey(), "{\"amount\":\"5.00\",\"currency\":\"USD\","
                + "\"paymentMethod\":\"pm_card_visa\",\"walletId\":\"" + wallet.getId() + "\",\"idempotencyKey\":\"p-1\"}").status()).isEqualTo(200);
        // One delivery run: a failed attempt.
        payflow.server().webhookDelivery().dispatchDue();
        // A partner past its own burst of 1.
        assertThat(payflow.rest("PATCH", "/api/admin/partners/" + partner.partnerId(), TestServer.ADMIN_TOKEN,
                "{\"rateLimitPerSecond\":1,\"rateLimitBurst\":1}").status()).isEqualTo(200);
        TestServer.PartnerKeys limited = payflow.onboard(Partner.Status.active);
        payflow.rest("PATCH", "/api/admin/partners/" + limited.partnerId(), TestServer.ADMIN_TOKEN, "{\"rateLimitPerSecond\":1,\"rateLimitBurst\":1}");
        payflow.wallets(limited.sandboxKey()).listWallets(ListWalletsRequest.getDefaultInstance());
        assertThat(payflow.rest("GET", "/api/v1/wallets", limited.sandboxKey(), null).status()).isEqualTo(429);
        // A Stripe webhook with a bad signature, then an address past its 2 failed authentications.
        payflow.rest("POST", "/api/v1/webhooks/stripe", null, "{}", java.util.Map.of("Stripe-Signature", "t=1,v1=00"));
        for (int i = 0; i < 3; i++) {
            payflow.rest("GET", "/api/v1/wallets", "sk_test_guess" + i, null);
        }
        scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + payflow.server().managementPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @AfterAll
    static void stop() {
        payflow.close();
    }

    @Test
    void everyMetricTheAlertsNameIsExported() throws Exception {
        assertExported(metricsIn(Files.readString(MONITORING.resolve("alerts.yaml"))));
    }

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JsonObject dashboard = JsonParser.parseString(Files.readString(MONITORING.resolve("dashboard.json"))).getAsJsonObject();
        List<String> queries = new ArrayList<>();
        for (JsonElement panel : dashboard.getAsJsonArray("panels")) {
            for (JsonElement target : panel.getAsJsonObject().getAsJsonArray("targets")) {
                queries.add(target.getAsJsonObject().get("expr").getAsString());
            }
        }
        assertThat(queries).hasSizeGreaterThan(15);
        assertThat(String.join("\n", queries)).contains("payflow_ledger_volume_minor_units_total", "payflow_webhooks_deliveries_total",
                "resilience4j_circuitbreaker_state", "payflow_grpc_server_calls_seconds_bucket");
        assertExported(metricsIn(String.join("\n", queries)));
    }

    @Test
    void thePrometheusRulesPassPromtoolAndTheirTestsOnSyntheticSeries(@TempDir Path dir) throws Exception {
        String rule = Files.readString(MONITORING.resolve("alerts.yaml"));
        int spec = rule.indexOf("\nspec:\n");
        assertThat(spec).isPositive();
        StringBuilder rules = new StringBuilder();
        for (String line : rule.substring(spec + "\nspec:\n".length()).split("\n", -1)) {
            assertThat(line.isEmpty() || line.startsWith("  ")).as("spec is indented by two spaces: %s", line).isTrue();
            rules.append(line.isEmpty() ? "" : line.substring(2)).append('\n');
        }
        Files.writeString(dir.resolve("payflow.rules.yml"), rules);
        Files.copy(MONITORING.resolve("alerts.test.yml"), dir.resolve("alerts.test.yml"));

        // 10 rules, and the five of payflow.providers (failure rates of payments and of calls, a provider down, stuck payments, bad webhook signatures).
        assertThat(promtool(dir, "check", "rules", "payflow.rules.yml")).contains("SUCCESS: 15 rules found");
        assertThat(promtool(dir, "test", "rules", "alerts.test.yml")).contains("SUCCESS");
    }

    private static String promtool(Path dir, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(MetricsTest.promtool().toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("promtool %s said:%n%s", String.join(" ", arguments), said).isZero();
        return said;
    }

    private static Set<String> metricsIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static void assertExported(Set<String> names) {
        assertThat(names).isNotEmpty();
        List<String> samples = scrape.lines().filter(line -> !line.startsWith("#")).toList();
        assertThat(names).allSatisfy(name -> assertThat(samples).as("a sample of %s", name)
                .anyMatch(line -> line.startsWith(name + "{") || line.startsWith(name + " ")));
    }
}
