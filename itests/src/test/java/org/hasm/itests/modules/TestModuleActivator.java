package org.hasm.itests.modules;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.hasm.spi.Call;
import org.hasm.spi.HaModule;
import org.hasm.spi.SysConfig;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Registers the test modules that its bundle's {@value #HEADER} header describes, one
 * {@link HaModule} service each, plus one control service per module.
 *
 * <p>Header syntax: {@code name;tier=hasm;rank=10;fail=TEST;block=OPMODE, other;rank=120}
 * ({@code fail} and {@code block} take {@code |}-separated call names). More attributes:
 * {@code when=DEGRADED} blocks opMode only in that system configuration;
 * {@code failTimes=N} makes only the first N calls named by {@code fail} fail; {@code panicTimes=N} makes each of
 * the first N opMode calls start a worker thread that calls {@code panic} and dies;
 * {@code blockEvents=TOPIC} registers an Event Admin handler of that topic that blocks (until released, at
 * most a minute) in every event it gets but those marked {@value #BLOCK_PROPERTY}{@code =false};
 * {@code sendEvent=TOPIC} sends events of that topic with Event Admin's {@code sendEvent}, from a thread of its
 * own (with {@code blockEvents} of the same topic: a handler that overruns Event Admin's timeout in a
 * synchronous delivery; see {@link #sendTwice}); {@code after=a|b} and {@code deadline.OPMODE=300} (any call)
 * become the service properties {@link HaModule#MODULE_AFTER} and {@link HaModule#MODULE_DEADLINE_OPMODE} (and
 * the others).
 *
 * <p>The control service is a {@code Function<String, Object>} with property
 * {@value #CONTROL_PROPERTY}{@code =<module name>}: a JDK type, because the test probe has its own
 * copy of these classes and cannot share them. Commands: {@code calls} (the recorded calls, a
 * {@code List<String>}), {@code blocked} (Boolean), {@code release}, {@code rank=<n>} (changes the
 * service property in place), {@code deadline=<CALL>} (the deadline its context tells, a Long in
 * ms), {@code unregister}, {@code register}.
 */
public final class TestModuleActivator implements BundleActivator {

    /** The manifest header listing the modules of a test bundle. */
    public static final String HEADER = "Hasm-Test-Modules";
    /** Service property of a control service: the module it controls. */
    public static final String CONTROL_PROPERTY = "hasm.test.module";
    /** Service property of the test's recorder of calls across all test modules. */
    public static final String RECORDER_PROPERTY = "hasm.test.recorder";

    /** Event property: {@code false} lets an event through a blocking handler. */
    static final String BLOCK_PROPERTY = "hasm.test.block";

    private final List<Registered> modules = new ArrayList<>();
    private final List<Thread> senders = new ArrayList<>();

    /** One module with its registration; the registration is guarded by this object. */
    private static final class Registered {
        final TestModule module;
        final Hashtable<String, Object> properties;
        ServiceRegistration<HaModule> registration;

        Registered(TestModule module, Hashtable<String, Object> properties) {
            this.module = module;
            this.properties = properties;
        }
    }

    @Override
    public void start(BundleContext context) {
        String header = context.getBundle().getHeaders().get(HEADER);
        if (header == null || header.isBlank()) {
            return;
        }
        Consumer<String> recorder = entry -> record(context, entry);
        for (String clause : header.split(",")) {
            Registered r = parse(clause.trim(), recorder);
            synchronized (r) {
                r.registration = context.registerService(HaModule.class, r.module, r.properties);
            }
            modules.add(r);
            Hashtable<String, Object> controlProps = new Hashtable<>();
            controlProps.put(CONTROL_PROPERTY, r.properties.get(HaModule.MODULE_NAME));
            Function<String, Object> control = command -> control(context, r, command);
            context.registerService(Function.class, control, controlProps);
            String blockEvents = attributes(clause.trim()).get("blockEvents");
            if (blockEvents != null) {
                Hashtable<String, Object> handlerProps = new Hashtable<>();
                handlerProps.put(EventConstants.EVENT_TOPIC, blockEvents);
                TestModule module = r.module;
                // the handler overruns Event Admin's timeout: until the module is released (bounded)
                EventHandler handler = event -> {
                    if (!Boolean.FALSE.equals(event.getProperty(BLOCK_PROPERTY))) {
                        module.blockOnce();
                    }
                };
                context.registerService(EventHandler.class, handler, handlerProps);
            }
            String sendEvent = attributes(clause.trim()).get("sendEvent");
            if (sendEvent != null) {
                Thread sender = new Thread(() -> sendTwice(context, sendEvent), "hasm-test-sender-" + sendEvent);
                sender.setDaemon(true);
                sender.start();
                senders.add(sender);
            }
        }
    }

    /**
     * Sends an event of {@code topic} synchronously, once Event Admin is there (at most a minute): first one
     * marked {@value #BLOCK_PROPERTY}{@code =false}, which a blocking handler lets through, then one it blocks
     * in. Felix Event Admin obtains a handler at its first delivery and only then decides whether it times it,
     * so a handler's first event is never timed: the second is.
     */
    private static void sendTwice(BundleContext context, String topic) {
        ServiceTracker<EventAdmin, EventAdmin> tracker = new ServiceTracker<>(context, EventAdmin.class, null);
        tracker.open();
        try {
            EventAdmin admin = tracker.waitForService(60_000);
            if (admin != null) {
                admin.sendEvent(new Event(topic, Map.of(BLOCK_PROPERTY, false)));
                admin.sendEvent(new Event(topic, Map.of()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the bundle stops
        } catch (IllegalStateException e) {
            // the bundle stopped while sending
        } finally {
            tracker.close();
        }
    }

    private static Map<String, String> attributes(String clause) {
        String[] parts = clause.split(";");
        Map<String, String> attrs = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            attrs.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
        }
        return attrs;
    }

    @Override
    public void stop(BundleContext context) {
        // a call still blocked in a module must not outlive its bundle
        for (Registered r : modules) {
            r.module.release();
        }
        for (Thread sender : senders) {
            sender.interrupt();
        }
    }

    /**
     * Appends to the test's recorder, a {@code Consumer<String>} service with
     * {@value #RECORDER_PROPERTY}{@code =true}, if there is one: it orders calls across bundles
     * even when the controller (and its journal) is gone.
     */
    private static void record(BundleContext context, String entry) {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences(Consumer.class.getName(),
                    "(" + RECORDER_PROPERTY + "=true)");
            if (refs == null) {
                return;
            }
            @SuppressWarnings("unchecked")
            Consumer<String> recorder = (Consumer<String>) context.getService(refs[0]);
            if (recorder != null) {
                try {
                    recorder.accept(entry);
                } finally {
                    context.ungetService(refs[0]);
                }
            }
        } catch (InvalidSyntaxException | IllegalStateException e) {
            // the filter is constant; an invalid context means the bundle is stopping: nothing to record into
        }
    }

    private static Registered parse(String clause, Consumer<String> recorder) {
        String name = clause.split(";")[0].trim();
        Map<String, String> attrs = attributes(clause);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(HaModule.MODULE_NAME, name);
        props.put(HaModule.MODULE_TIER, attrs.getOrDefault("tier", HaModule.TIER_SERVICE));
        props.put(HaModule.MODULE_RANK, Integer.valueOf(attrs.getOrDefault("rank", "100")));
        if (attrs.containsKey("after")) {
            props.put(HaModule.MODULE_AFTER, attrs.get("after").split("\\|"));
        }
        for (Call c : Call.values()) {
            String deadline = attrs.get("deadline." + c.name());
            if (deadline != null) {
                props.put(deadlineProperty(c), Long.valueOf(deadline));
            }
        }
        String when = attrs.get("when");
        TestModule module = new TestModule(name, calls(attrs.get("fail")), calls(attrs.get("block")),
                when == null ? null : SysConfig.valueOf(when), recorder,
                Integer.parseInt(attrs.getOrDefault("failTimes", "-1")), Integer.parseInt(attrs.getOrDefault("panicTimes", "0")));
        return new Registered(module, props);
    }

    private static String deadlineProperty(Call call) {
        return switch (call) {
            case INIT -> HaModule.MODULE_DEADLINE_INIT;
            case TEST -> HaModule.MODULE_DEADLINE_TEST;
            case OPMODE -> HaModule.MODULE_DEADLINE_OPMODE;
            case STOP -> HaModule.MODULE_DEADLINE_STOP;
            case SHUTDOWN -> HaModule.MODULE_DEADLINE_SHUTDOWN;
        };
    }

    private static Set<Call> calls(String list) {
        Set<Call> set = EnumSet.noneOf(Call.class);
        if (list != null && !list.isBlank()) {
            for (String c : list.split("\\|")) {
                set.add(Call.valueOf(c.trim()));
            }
        }
        return set;
    }

    private static Object control(BundleContext context, Registered r, String command) {
        switch (command) {
            case "calls":
                return r.module.calls();
            case "blocked":
                return r.module.blocked();
            case "release":
                r.module.release();
                return null;
            case "unregister":
                synchronized (r) {
                    if (r.registration != null) {
                        r.registration.unregister();
                        r.registration = null;
                    }
                }
                return null;
            case "register":
                synchronized (r) {
                    if (r.registration == null) {
                        r.registration = context.registerService(HaModule.class, r.module, r.properties);
                    }
                }
                return null;
            default:
                if (command.startsWith("deadline=")) {
                    return r.module.deadline(Call.valueOf(command.substring(9)));
                }
                if (command.startsWith("rank=")) {
                    synchronized (r) {
                        r.properties.put(HaModule.MODULE_RANK, Integer.valueOf(command.substring(5)));
                        if (r.registration != null) {
                            r.registration.setProperties(r.properties);
                        }
                    }
                    return null;
                }
                throw new IllegalArgumentException("unknown test module command: " + command);
        }
    }
}
