package dev.payflow.core.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.domain.IdPrefix;
import dev.payflow.core.domain.Ids;
import dev.payflow.core.domain.ReconciliationFinding;
import dev.payflow.core.domain.ReconciliationRun;
import dev.payflow.core.persistence.ReconciliationRepository;
import dev.payflow.core.testing.ConsoleSessions;
import dev.payflow.core.testing.TestServer;
import dev.payflow.core.testing.WebhookReceiver;
import dev.payflow.proto.v1.Wallet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real headless Chromium (Debian's chromium and chromedriver; no browser or
 * driver is downloaded): one browser session, one flow through the pages an operator uses, with a
 * screenshot of each page under target/console-screenshots. On a developer machine without
 * Chromium it is skipped; in CI (CI=true, where .ci/run installs Chromium) a missing browser fails.
 */
class ConsoleEndToEndTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
    private static final String PASSWORD = "correct horse battery staple";

    private static TestServer payflow;
    private static WebhookReceiver receiver;
    private static WebDriver browser;
    private static WebDriverWait wait;
    private static int screenshot;

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if ("true".equals(System.getenv("CI"))) {
            assertThat(present).as("CI installs chromium and chromium-driver (.ci/run); the console test must run there").isTrue();
        }
        Assumptions.assumeTrue(present, "no /usr/bin/chromium and /usr/bin/chromedriver here: apt-get install -y chromium chromium-driver");
        payflow = TestServer.start();
        receiver = WebhookReceiver.start();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Headless, and nothing that reaches out to the network on its own (the machines' network is closed).
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--window-size=1280,1600",
                "--user-data-dir=" + Files.createTempDirectory("payflow-chromium"));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (payflow != null) {
            payflow.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void anAdminOnboardsAPartnerIssuesAKeyFreezesAWalletAndASecondOperatorApprovesAnAdjustmentThatTheAuditLogShows() throws IOException {
        String approverEmail = "approver-" + UUID.randomUUID() + "@payflow.test";
        String viewerEmail = "viewer-" + UUID.randomUUID() + "@payflow.test";
        ConsoleSessions.createOperator(payflow, approverEmail, "operator", PASSWORD);
        ConsoleSessions.createOperator(payflow, viewerEmail, "viewer", PASSWORD);

        browser.get("http://localhost:" + payflow.server().adminPort() + "/admin");
        signIn(TestServer.BOOTSTRAP_ADMIN_EMAIL, TestServer.BOOTSTRAP_ADMIN_PASSWORD);
        // The dashboard comes first, its charts drawn by Chart.js from the console's own jar.
        wait.until(ExpectedConditions.attributeToBe(By.id("chart-volume"), "data-rendered", "true"));
        wait.until(ExpectedConditions.attributeToBe(By.id("chart-status"), "data-rendered", "true"));
        assertThat(((JavascriptExecutor) browser).executeScript("return typeof Chart")).isEqualTo("function");
        snap("sign-in-done");
        click("nav-partners");

        // Partners: onboard, approve, issue a sandbox key (shown once).
        type("partner-name", "RoSaBank");
        type("partner-company", "Rosa Banking Solutions Inc");
        type("partner-email", "api-" + UUID.randomUUID() + "@rosabank.example");
        click("partner-create");
        waitForMessage("created (pending)");
        new Select(browser.findElement(By.id("status-value"))).selectByValue("approved");
        type("status-reason", "KYB documents verified");
        click("status-submit");
        waitForMessage("is now approved");
        type("key-name", "backend");
        type("key-reason", "RoSaBank starts its integration");
        click("key-submit");
        waitForMessage("It is shown once");
        String key = browser.findElement(By.id("key-value")).getText();
        assertThat(key).startsWith("sk_test_");
        // Fees and limits, through UpdatePartner with a mask of the fields filled in.
        type("settings-fee", "500");
        type("settings-rate", "50");
        click("settings-submit");
        waitForMessage("fee 500 bp, rate limit 50/s, burst default");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("partners-table"), "500"));
        snap("partners");

        // The key works for the partner; its wallet is what the operator freezes next.
        Wallet wallet = payflow.newWallet(key, "USD");

        // CSRF: a request with the cookie but without the token is refused, right here in the browser.
        Object status = ((JavascriptExecutor) browser).executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/admin/partners', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'},"
                + " body: JSON.stringify({name: 'x', companyName: 'x', email: 'csrf@x.example'})}).then(r => done(r.status));");
        assertThat(status).isEqualTo(403L);

        // Wallets: look up, freeze, unfreeze.
        click("nav-wallets");
        type("wallet-id", wallet.getId());
        click("wallet-lookup");
        wait.until(ExpectedConditions.textToBe(By.id("wallet-current-status"), "active"));
        new Select(browser.findElement(By.id("wallet-status"))).selectByValue("frozen");
        type("wallet-reason", "suspicious activity, ticket 17");
        click("wallet-status-submit");
        waitForMessage("is now frozen");
        wait.until(ExpectedConditions.textToBe(By.id("wallet-current-status"), "frozen"));
        snap("wallets");
        new Select(browser.findElement(By.id("wallet-status"))).selectByValue("active");
        type("wallet-reason", "cleared");
        click("wallet-status-submit");
        waitForMessage("is now active");

        // Adjustments: the admin proposes; it cannot approve its own.
        click("nav-adjustments");
        type("adjustment-wallet", wallet.getId());
        type("adjustment-amount", "12.50");
        type("adjustment-reason", "Goodwill credit for ticket 17");
        click("adjustment-propose");
        waitForMessage("proposed; another operator must approve it");
        By approve = By.cssSelector("#adjustments-table button[aria-label^='Approve']");
        wait.until(ExpectedConditions.elementToBeClickable(approve)).click();
        waitForMessage("FOUR_EYES_REQUIRED");
        snap("adjustments");

        // A second operator approves.
        click("sign-out");
        waitForMessage("Signed out.");
        signIn(approverEmail, PASSWORD);
        click("nav-adjustments");
        wait.until(ExpectedConditions.elementToBeClickable(approve)).click();
        waitForMessage("is booked");
        assertThat(payflow.balanceOf(key, wallet.getId())).isEqualTo("12.50");

        // The dashboard shows the booked adjustment in today's volume and in the last 24 hours' transactions.
        click("nav-dashboard");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("volume-table"), "12.50"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transactions-table"), "adjustment"));
        assertThat(browser.findElement(By.id("health-circuits")).getText()).isEqualTo("no real gateway configured");
        snap("dashboard");

        // The transactions page finds the adjustment's transaction by id, and in the partner's list by type.
        String booked = payflow.ledger(key).listWalletTransactions(dev.payflow.proto.v1.ListWalletTransactionsRequest.newBuilder()
                .setWalletId(wallet.getId()).build()).getTransactions(0).getId();
        click("nav-transactions");
        type("transaction-id", booked);
        click("transaction-lookup");
        wait.until(ExpectedConditions.textToBe(By.id("transaction-type"), "adjustment"));
        assertThat(browser.findElement(By.id("transaction-amount")).getText()).isEqualTo("12.50 USD");
        type("transactions-partner", partnerOf(wallet));
        new Select(browser.findElement(By.id("transactions-type"))).selectByValue("adjustment");
        click("transactions-list");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("transactions-list-table"), booked));
        snap("transactions");

        // The audit log shows it, and the chain verifies.
        click("nav-audit");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "AdjustmentService.ApproveAdjustment"));
        click("audit-verify");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-verification"), "Intact"));
        snap("audit-log");

        // The operations pages, on data the partner made (a payment, a payout, webhook events) and a run the reconciliation worker left.
        String paymentId = payflow.payments(key).createPayment(dev.payflow.proto.v1.CreatePaymentRequest.newBuilder().setAmount("25.00")
                .setCurrency("USD").setPaymentMethod("pm_card_visa").setWalletId(wallet.getId()).setIdempotencyKey(TestServer.newIdempotencyKey())
                .build()).getId();
        String payoutId = payOut(key, wallet);
        payflow.webhooks(key).putWebhookEndpoint(dev.payflow.proto.v1.PutWebhookEndpointRequest.newBuilder().setUrl(receiver.url("/hooks")).build());
        Reconciled run = completedRunWithAFinding();

        click("nav-payments");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("payments-table"), paymentId));
        new Select(browser.findElement(By.id("payments-filters-status"))).selectByValue("succeeded");
        clearMessage();
        click("payments-list");
        waitForMessage("1 payments listed.");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#payments-table button[aria-label='Show " + paymentId + "']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("payment-status"), "succeeded"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("payment-history"), "pending"));
        snap("payments");

        click("nav-payouts");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#payouts-table button[aria-label='Show " + payoutId + "']"))).click();
        wait.until(ExpectedConditions.textToBe(By.id("payout-amount"), "10.00 USD"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("payout-history"), "in_transit"));
        snap("payouts");

        click("nav-webhooks");
        type("webhooks-filters-partnerId", partnerOf(wallet));
        clearMessage();
        click("webhooks-list");
        waitForMessage("events listed.");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#webhooks-table button"))).click();
        // Recorded before the partner set its endpoint: stored skipped, and an operator can still send it.
        wait.until(ExpectedConditions.textToBe(By.id("webhook-delivery-status"), "skipped"));
        type("webhook-replay-reason", "partner asked again, ticket 18");
        click("webhook-replay");
        waitForMessage("sent again: delivered");
        wait.until(ExpectedConditions.textToBe(By.id("webhook-attempt-count"), "1"));
        assertThat(receiver.received()).hasSize(1);
        snap("webhook-deliveries");

        click("nav-reconciliation");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reconciliation-table"), run.runId()));
        click("run-start"); // the window defaults to the previous UTC day; this server has no Stripe key to reconcile with
        waitForMessage("RECONCILIATION_NOT_CONFIGURED");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#reconciliation-table button[aria-label='Show " + run.runId() + "']"))).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-findings"), "pi_console_missing"));
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#run-findings button"))).click();
        assertThat(browser.findElement(By.id("resolve-finding")).getAttribute("value")).isEqualTo(run.findingId());
        type("resolve-reason", "a test charge made in Stripe's dashboard");
        click("resolve-submit");
        waitForMessage("is resolved (acknowledge)");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-findings"), "a test charge made in Stripe's dashboard"));
        snap("reconciliation");
        click("nav-dashboard");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reconciliations-table"), run.runId()));

        // A viewer reads but cannot act.
        click("sign-out");
        waitForMessage("Signed out.");
        signIn(viewerEmail, PASSWORD);
        click("nav-partners");
        type("partner-name", "Viewer's try");
        type("partner-company", "Nope Inc");
        type("partner-email", "nope-" + UUID.randomUUID() + "@example.com");
        click("partner-create");
        waitForMessage("MISSING_PERMISSION");
        snap("viewer-refused");
        click("nav-operators");
        waitForMessage("MISSING_PERMISSION");
        click("nav-reconciliation");
        waitForMessage("runs listed.");
        click("run-start");
        waitForMessage("MISSING_PERMISSION");
        assertThat(payflow.rest("GET", "/api/admin/reconciliation/runs", payflow.server().adminToken(), null).body().getAsJsonArray("runs"))
                .as("the viewer's run was not started").hasSize(1);
    }

    private record Reconciled(String runId, String findingId) {
    }

    /** A completed sandbox run with one open finding, as the reconciliation worker records them (this server has no Stripe to run one). */
    private static Reconciled completedRunWithAFinding() {
        Ids ids = new Ids(Clock.systemUTC(), new SecureRandom());
        Instant now = Instant.now();
        Instant to = now.truncatedTo(ChronoUnit.DAYS);
        ReconciliationRun running = new ReconciliationRun(ids.next(IdPrefix.RECONCILIATION_RUN), false, to.minus(Duration.ofDays(1)), to,
                ReconciliationRun.Status.RUNNING, ReconciliationRun.Trigger.OPERATOR, "automation", Optional.empty(), "matching", 3, 0, "", now,
                Optional.of(now), Optional.empty(), List.of());
        ReconciliationFinding finding = ReconciliationFinding.open(ids.next(IdPrefix.RECONCILIATION_FINDING), running.id(),
                ReconciliationFinding.Kind.MISSING_IN_PAYFLOW, "payment_intent", "pi_console_missing", "", Optional.empty(), "USD", "9.99", "",
                "Stripe lists a PaymentIntent PayFlow has no payment for", ReconciliationFinding.Action.ACKNOWLEDGE,
                "find out who made it; nothing to book", Optional.empty(), now);
        ReconciliationRepository runs = new ReconciliationRepository();
        payflow.server().database().inTransaction(tx -> {
            runs.insertRun(tx, running);
            runs.complete(tx, running.id(), List.of(), List.of(finding), 3, now);
            return null;
        });
        return new Reconciled(running.id(), finding.id());
    }

    /** A sandbox payout of 10.00 to a simulated connected account, onboarded through its link as the partner's user would. */
    private static String payOut(String key, Wallet wallet) throws IOException {
        dev.payflow.proto.v1.ConnectedAccount account = payflow.connect(key).createConnectedAccount(
                dev.payflow.proto.v1.CreateConnectedAccountRequest.newBuilder().setExternalUserId("console-winner").setCountry("US")
                        .setEmail("winner@rosabank.example").build());
        try {
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(account.getOnboardingUrl())).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return TestServer.withBearer(dev.payflow.proto.v1.PayoutServiceGrpc.newBlockingStub(payflow.channel()), key)
                .createPayout(dev.payflow.proto.v1.CreatePayoutRequest.newBuilder().setWalletId(wallet.getId()).setAmount("10.00").setCurrency("USD")
                        .setDestination(dev.payflow.proto.v1.PayoutDestination.newBuilder().setConnectedAccountId(account.getId()))
                        .setIdempotencyKey(TestServer.newIdempotencyKey()).build()).getId();
    }

    /** The partner a wallet belongs to, as the operators' wallet lookup shows it. */
    private static String partnerOf(Wallet wallet) {
        return payflow.rest("GET", "/api/admin/wallets/" + wallet.getId(), payflow.server().adminToken(), null).body().get("partnerId").getAsString();
    }

    private static void signIn(String email, String password) {
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-email")));
        type("signin-email", email);
        type("signin-password", password);
        click("signin-submit");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    }

    private static void type(String id, String text) {
        var field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
        field.clear();
        field.sendKeys(text);
    }

    private static void click(String id) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
    }

    private static void waitForMessage(String part) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), part));
    }

    /** Empties the message line, so the next waitForMessage sees the answer to what follows, not an earlier one. */
    private static void clearMessage() {
        ((JavascriptExecutor) browser).executeScript("document.getElementById('message').textContent = '';");
    }

    private static void snap(String name) throws IOException {
        Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(file, SCREENSHOTS.resolve(String.format("%02d-%s.png", ++screenshot, name)), StandardCopyOption.REPLACE_EXISTING);
    }
}
