package org.hasm.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The lifecycle of a HASM module or a service on one SCM: the patent's {@code name_Init},
 * {@code name_Test}, {@code name_OpMode}, {@code name_Stop} and {@code name_ShutDown}.
 *
 * <h2>Registration (whiteboard)</h2>
 * A bundle registers its module as an OSGi service of this type; the controller finds it. The
 * service properties say who it is and where it goes in the order:
 * <ul>
 * <li>{@link #MODULE_NAME} (required): a name unique on the SCM, made of letters, digits,
 * {@code _} and {@code -} (it is used in event topics). A second module with a name already
 * registered is reported as {@link ModuleStatus#CONFLICT} and is not called until the first
 * one leaves; a registration with an invalid property is reported as {@link ModuleStatus#INVALID}
 * (its {@link ModuleInfo#lastError()} names the property) and never called.</li>
 * <li>{@link #MODULE_TIER}: {@code hasm} for modules of the HA runtime, {@code service} (the
 * default) for applications.</li>
 * <li>{@link #MODULE_RANK}: an integer, default {@value #DEFAULT_RANK}; lower ranks come first
 * inside a tier. Ties are broken by {@code service.id}, so the order is always total.</li>
 * <li>{@link #MODULE_AFTER} (since 1.1, services only): the names of the services this one must
 * follow.</li>
 * <li>{@link #MODULE_DEADLINE_INIT}, {@link #MODULE_DEADLINE_TEST}, {@link #MODULE_DEADLINE_OPMODE},
 * {@link #MODULE_DEADLINE_STOP}, {@link #MODULE_DEADLINE_SHUTDOWN} (since 1.1): the module's own
 * deadline for that call, in milliseconds.</li>
 * </ul>
 * With Declarative Services one annotation does it:
 * <pre>
 * &#64;Component
 * &#64;HaModuleProperties(name = "nfs", tier = Tier.SERVICE, rank = 10, after = "storage-cache",
 *         deadline_opmode_ms = 30_000)
 * public class NfsService implements HaModule { ... }
 * </pre>
 * Changing the properties (for instance the rank, through Configuration Admin) takes effect at
 * the next transition.
 *
 * <h2>The calls</h2>
 * <table>
 * <caption>When each call happens</caption>
 * <tr><th>call</th><th>when</th><th>contract</th></tr>
 * <tr><td>{@link #init}</td><td>BOOT, once per boot of the module</td>
 * <td>allocate, read configuration; serve nothing yet</td></tr>
 * <tr><td>{@link #test}</td><td>BOOT, after every module's {@code init}</td>
 * <td>self-test; a failure is reported to the controller</td></tr>
 * <tr><td>{@link #opMode}</td><td>after INIT and on every transition</td>
 * <td>serve according to the role and system configuration; {@link HaContext#personalities()}
 * says which personalities this SCM now serves</td></tr>
 * <tr><td>{@link #stop}</td><td>SHUTDOWN, RESET, FAULT, surrender, and when the module leaves</td>
 * <td>stop serving; keep state</td></tr>
 * <tr><td>{@link #shutDown}</td><td>after every module's {@code stop}</td>
 * <td>release everything</td></tr>
 * </table>
 * One module is never called concurrently: the controller makes one call at a time to it, and
 * never starts a call while the previous one to the same module still runs.
 *
 * <h2>Order</h2>
 * Modules of the {@code hasm} tier come before services, one after another in the order of their
 * rank (ties broken by {@code service.id}). This <em>forward</em> order is used for {@code init},
 * {@code test} and every {@code opMode} that takes work on (READY, FAILOVER, IMPERSONATE to MASTER):
 * storage and addresses exist before a service opens them. The <em>reverse</em> order is used for
 * {@code stop}, {@code shutDown} and every {@code opMode} that gives work away (FAILBACK,
 * IMPERSONATE to SLAVE): every service has let go of a volume (or overrun its deadline) before the
 * HASM modules release it, last rank first.
 *
 * <p>Services do not wait for each other: they are started together, in rank order, and run in
 * parallel, so a slow or hung service never delays another's takeover. A service that must follow
 * another declares it with {@link #MODULE_AFTER}: in a forward call it is called once the services
 * it follows have returned (or overrun their deadline), and in a reverse call it is called before
 * them. A name that is not registered, or a module that is not called in that transition, is no
 * reason to wait. A cycle of declarations is reported in the log and broken in rank order.
 *
 * <p>In a boot every module finishes {@code init} (or overruns its deadline) before any module gets
 * {@code test}. An {@code opMode} that takes work on does not wait for the services: the
 * controller reports the new state once its HASM modules are done, and each service is
 * {@link ModuleStatus#ACTIVE} once its own call returned. A service still in its call (within its
 * deadline) when the next transition comes gets that transition's {@code opMode} when it returns,
 * each in turn (IMPERSONATE then FAILOVER: {@code (MASTER, DAC)}, then {@code (MASTER, DEGRADED)}).
 * The next transition that gives work away waits for every service's call still within its
 * deadline.
 *
 * <h2>Deadlines and failures</h2>
 * Every call has a deadline: the module's own ({@code MODULE_DEADLINE_*}) if it declares one, at
 * most the node's maximum ({@code deadline.max.ms} of the controller's configuration); otherwise the
 * controller's default for that call. {@link HaContext#deadline(Call)} tells the deadline that
 * applies. A call that throws ({@link HaException} or any runtime exception) or does not return by its
 * deadline is a failure: the module's status becomes {@link ModuleStatus#FAILED} or
 * {@link ModuleStatus#TIMED_OUT}, an event is posted, and the other modules go on - one module never
 * blocks the rest. A module that failed {@code init} or {@code test} receives no {@code opMode} until
 * it is registered again or the SCM reboots; one that failed an {@code opMode} is offered the next
 * one (what failed may be gone by then). A failed module is still offered {@code stop} and
 * {@code shutDown} so it can release what it holds. A failure of a module of the {@code hasm} tier
 * during boot or in an {@code opMode} puts the SCM in MONITOR: it cannot run as part of the pair
 * without its HA modules.
 *
 * <h2>Late returns</h2>
 * While a call that overran its deadline still runs, the module is {@link ModuleStatus#TIMED_OUT}
 * and {@link ModuleInfo#inCallSince()} tells when the call started; it is not called again, and no
 * transition waits for it. When the call returns, its real outcome is recorded: the journal gets a
 * second entry for it ({@link CallRecord#late()}) and the status becomes what the call really did
 * ({@link ModuleStatus#ACTIVE} for an {@code opMode} that passed). The controller then brings the
 * module to where the SCM is now, with the calls it missed: the current {@code opMode}, or
 * {@code stop} and {@code shutDown} if the SCM stopped or rebooted meanwhile.
 *
 * <h2>Late modules and hot update</h2>
 * A module registered while the SCM is running is brought up to the current state: {@code init},
 * {@code test}, then the current {@code opMode} if the SCM has one. A module that is unregistered
 * while the SCM runs receives {@code stop}, then {@code shutDown}. Updating a bundle therefore
 * stops the old instance and brings the new one up, without restarting the framework.
 *
 * <p>Implemented by third parties: new methods are added here only in a major version.
 */
@ConsumerType
public interface HaModule {

    /** Service property: the module's name, unique on the SCM. Required. */
    String MODULE_NAME = "hasm.module.name";
    /** Service property: the tier, {@value #TIER_HASM} or {@value #TIER_SERVICE} (default). */
    String MODULE_TIER = "hasm.module.tier";
    /** Service property: the rank inside the tier, an integer; lower comes first. */
    String MODULE_RANK = "hasm.module.rank";
    /** {@link #MODULE_TIER} value of HASM modules. */
    String TIER_HASM = "hasm";
    /** {@link #MODULE_TIER} value of services. */
    String TIER_SERVICE = "service";
    /** The rank of a module that does not say. */
    int DEFAULT_RANK = 100;
    /**
     * Service property: the names of the services this service must follow (a {@code String},
     * comma-separated, or a {@code String[]}). Only for the {@code service} tier: HASM modules are
     * ordered by their rank.
     *
     * @since 1.1
     */
    String MODULE_AFTER = "hasm.module.after";
    /**
     * Service property: this module's deadline for {@link #init}, in milliseconds (a positive
     * integer; absent or 0: the controller's default), at most the node's maximum.
     *
     * @since 1.1
     */
    String MODULE_DEADLINE_INIT = "hasm.module.deadline.init.ms";
    /**
     * Service property: this module's deadline for {@link #test}, as {@link #MODULE_DEADLINE_INIT}.
     *
     * @since 1.1
     */
    String MODULE_DEADLINE_TEST = "hasm.module.deadline.test.ms";
    /**
     * Service property: this module's deadline for {@link #opMode}, as {@link #MODULE_DEADLINE_INIT}.
     *
     * @since 1.1
     */
    String MODULE_DEADLINE_OPMODE = "hasm.module.deadline.opmode.ms";
    /**
     * Service property: this module's deadline for {@link #stop}, as {@link #MODULE_DEADLINE_INIT}.
     *
     * @since 1.1
     */
    String MODULE_DEADLINE_STOP = "hasm.module.deadline.stop.ms";
    /**
     * Service property: this module's deadline for {@link #shutDown}, as {@link #MODULE_DEADLINE_INIT}.
     *
     * @since 1.1
     */
    String MODULE_DEADLINE_SHUTDOWN = "hasm.module.deadline.shutdown.ms";

    /**
     * Prepares the module: allocate, read configuration. Serve nothing yet.
     *
     * @param context this SCM's identity and the module's link to the controller; valid until
     *     {@link #shutDown()} returns
     * @throws HaException if the module cannot run
     */
    void init(HaContext context) throws HaException;

    /**
     * Tests the module after every module's {@link #init}.
     *
     * @throws HaException if the self-test failed; the module then receives no {@code opMode}
     */
    void test() throws HaException;

    /**
     * Serves according to the role and the system configuration. Called after INIT and on every
     * transition; {@link HaContext#personalities()} already tells the personalities this SCM
     * serves from now on.
     *
     * @param mode the role this SCM now runs in
     * @param config the system configuration of the pair
     * @throws HaException if the module cannot serve in that mode
     */
    void opMode(OpMode mode, SysConfig config) throws HaException;

    /**
     * Stops serving, keeping state: before shutdown, reset, a fault, a surrender, or when the
     * module is unregistered.
     *
     * @throws HaException if it could not stop cleanly (reported; the sequence goes on)
     */
    void stop() throws HaException;

    /**
     * Releases everything, after every module's {@link #stop()}. The context given to
     * {@link #init} is no longer valid afterwards.
     *
     * @throws HaException if it could not release everything (reported; the sequence goes on)
     */
    void shutDown() throws HaException;
}
