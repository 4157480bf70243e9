package org.hasm.itests.update;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * What shows that a framework did not restart across a hot update: its UUID (new at every
 * framework init), the system bundle's state, and every other bundle untouched (same id, same
 * last-modified time, still in its state) - the test probe that records this among them.
 */
final class FrameworkIdentity {
    private final String uuid;
    private final Map<Long, String> bundles;

    private FrameworkIdentity(String uuid, Map<Long, String> bundles) {
        this.uuid = uuid;
        this.bundles = bundles;
    }

    /**
     * @param context any bundle context of the framework
     * @param except the bundle being updated, left out
     * @return the framework's identity now
     */
    static FrameworkIdentity of(BundleContext context, String except) {
        Map<Long, String> bundles = new TreeMap<>();
        for (Bundle b : context.getBundles()) {
            if (!except.equals(b.getSymbolicName())) {
                bundles.put(b.getBundleId(), b.getSymbolicName() + " state=" + b.getState()
                        + " modified=" + b.getLastModified());
            }
        }
        return new FrameworkIdentity(context.getProperty(Constants.FRAMEWORK_UUID), bundles);
    }

    /** Fails if {@code later} is not the same framework, with the same other bundles. */
    void assertSameAs(FrameworkIdentity later) {
        assertEquals("framework UUID (a restart makes a new one)", uuid, later.uuid);
        assertEquals("the other bundles, system bundle and test probe included", bundles, later.bundles);
    }
}
