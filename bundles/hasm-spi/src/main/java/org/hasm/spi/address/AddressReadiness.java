package org.hasm.spi.address;

import org.hasm.spi.Personality;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Tells a service when it can listen on a personality's addresses. Registered by hasm's address
 * module, which brings the addresses up; every service that listens on a personality's address
 * asks it instead of retrying a bind on its own.
 *
 * <p>A personality's endpoint (address and port) is <em>usable</em> when the address module has the
 * address up on this SCM for a personality it serves (in linux mode: brought up after duplicate
 * address detection found no other host answering for it) and nothing on this host listens there
 * (on loopback a paused former owner keeps its sockets until it wakes and lets go, or dies).
 *
 * <p>With Declarative Services:
 * <pre>
 * &#64;Reference
 * private AddressReadiness readiness;
 * private final Map&lt;String, AddressWait&gt; waits = new HashMap&lt;&gt;(); // by personality
 *
 * public synchronized void opMode(OpMode mode, SysConfig config) {
 *     // give away first: a personality no longer served stops waiting, then closes its sockets
 *     ...
 *     for (Personality p : context.personalities()) {
 *         if (!waits.containsKey(p.name())) {
 *             AddressWait w = readiness.whenUsable(p, port);
 *             waits.put(p.name(), w);
 *             w.usable().thenRun(() -&gt; listen(p)); // at once, or once the address is free
 *         }
 *     }
 * }
 * </pre>
 *
 * <p>The service is scoped by bundle: the waits of a bundle that stops using it (it stops, or is
 * updated) are cancelled. Safe to use from any thread; no method blocks.
 *
 * @since org.hasm.spi.address 1.0.0, hasm 1.0.0
 */
@ProviderType
public interface AddressReadiness {

    /**
     * Event topic of the waits that could not be satisfied at once: posted when one starts waiting and
     * once more when it ends, never per check. Properties: {@code scm}, {@code personality},
     * {@code addresses}, {@code ports}, {@code bundle} (the symbolic name of the bundle that waits),
     * {@code state} ({@code waiting}, {@code usable} or {@code cancelled}), {@code reason} (why it
     * waits, or why it was cancelled) and, at the end, {@code waited.ms}.
     */
    String TOPIC_WAIT = "org/hasm/netif/WAIT";

    /** How many waits may be open on one SCM at once; a service that asks for more is refused. */
    int MAX_WAITS = 1024;

    /**
     * Asks to be told when this SCM can listen on every address of a personality at every given
     * port. Never blocks.
     *
     * <p>If the endpoints are usable now, the returned wait has completed already: an action attached
     * with {@code usable().thenRun(...)} runs at once, in the caller's thread. Otherwise the wait
     * completes once they are, on hasm's one readiness thread (checked about every 50 ms), and an
     * action attached without an executor runs there: keep it short (bind, hand the serving over to
     * a thread of your own), or give an executor of yours ({@code thenRunAsync(action, executor)}) to
     * anything that may block; a slow action delays the other services' waits, and is logged.
     *
     * <p>The wait is cancelled (its stage completes with a {@link java.util.concurrent.CancellationException}
     * that says why) when this SCM does not serve the personality, or stops serving it (the address
     * module took an address of it down: the personality was given away), when the service calls
     * {@link AddressWait#cancel()}, or when the service's bundle stops using this service.
     *
     * <p>Usable is the fact of a moment: another process may take the port between the check and the
     * service's bind. A bind that fails then is a reason to ask again.
     *
     * @param personality a personality this SCM serves, as {@link org.hasm.spi.HaContext#personalities()}
     *     gives it
     * @param ports the ports the service listens on at each of the personality's addresses; 0 (any
     *     port) only waits for the addresses
     * @return the wait
     * @throws IllegalArgumentException if no port is given, a port is outside 0..65535, or the
     *     personality has no address or one that is not an IP address
     * @throws IllegalStateException if {@value #MAX_WAITS} waits are open on this SCM already
     */
    AddressWait whenUsable(Personality personality, int... ports);
}
