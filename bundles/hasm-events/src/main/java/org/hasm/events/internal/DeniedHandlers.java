package org.hasm.events.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The event handlers Felix Event Admin denied for overrunning its timeout. Event Admin says so only
 * in its own warning, which the runtime silences ({@code org.apache.felix.eventadmin.LogLevel=1}); it
 * also registers its JMX bean as a service ({@value #FILTER}) whose {@code getDeniedEventHandlers()}
 * lists them. That interface is private to Event Admin's bundle: it is called by name. An Event Admin
 * without that bean lists nothing.
 */
final class DeniedHandlers {
    static final String FILTER = "(jmx.objectname=org.apache.felix.eventadmin:type=handlerinfo,name=EventAdmin)";

    private final BundleContext context;
    // the denied handlers already reported; one caller (the writer thread)
    private final Set<String> reported = new HashSet<>();

    DeniedHandlers(BundleContext context) {
        this.context = context;
    }

    /** @return the handlers denied since the last call */
    List<String> newlyDenied() {
        List<String> fresh = new ArrayList<>();
        for (String h : denied()) {
            if (reported.add(h)) {
                fresh.add(h);
            }
        }
        return fresh;
    }

    private List<String> denied() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, FILTER);
            if (refs == null) {
                return List.of();
            }
            Object bean = context.getService(refs[0]);
            if (bean == null) {
                return List.of();
            }
            try {
                for (Class<?> type : bean.getClass().getInterfaces()) {
                    if (type.getSimpleName().equals("EventHandlerMBean")) {
                        Method m = type.getMethod("getDeniedEventHandlers");
                        Object names = m.invoke(bean);
                        return names instanceof String[] a ? List.of(a) : List.of();
                    }
                }
                return List.of();
            } finally {
                context.ungetService(refs[0]);
            }
        } catch (InvalidSyntaxException | ReflectiveOperationException | RuntimeException e) {
            return List.of(); // the filter is constant; another Event Admin, or one going away: nothing known
        }
    }
}
