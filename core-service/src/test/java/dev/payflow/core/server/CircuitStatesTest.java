package dev.payflow.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.payflow.core.gateway.StripePayments;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The gateway circuits as the operators' dashboard shows them: every breaker of the registry, by name, its state in lowercase. */
class CircuitStatesTest {
    @Test
    void everyBreakerIsShownByNameWithItsStateInLowercase() {
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(StripePayments.breakerConfig(Clock.systemUTC()));
        breakers.circuitBreaker("stripe-test");
        breakers.circuitBreaker("stripe-live").transitionToOpenState();

        assertThat(PayflowServer.circuitStates(breakers)).containsExactly(
                java.util.Map.entry("stripe-live", "open"), java.util.Map.entry("stripe-test", "closed"));

        breakers.circuitBreaker("stripe-live").transitionToHalfOpenState();
        assertThat(PayflowServer.circuitStates(breakers)).containsEntry("stripe-live", "half_open");
    }
}
