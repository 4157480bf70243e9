package org.hasm.psom.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.hasm.spi.shared.Persistence;
import org.hasm.spi.shared.SharedLock;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.shared.SharedObjectException.Reason;
import org.hasm.spi.shared.SharedObjects;
import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;

/**
 * The {@link SharedObjects} service of one using bundle (bundle scope): the locks it takes are that
 * bundle's, named {@code <symbolic name>@<bundle id>#<n>}, and all of them are released when the
 * bundle stops using the service (it stops, or is updated).
 */
@Component(service = SharedObjects.class, scope = ServiceScope.BUNDLE)
public class BundleSharedObjects implements SharedObjects {
    private static final AtomicLong INSTANCES = new AtomicLong();

    @Reference
    private PsomModule module;

    private String holder;

    @Activate
    void activate(ComponentContext context) {
        Bundle b = context.getUsingBundle();
        holder = (b == null ? "unknown" : b.getSymbolicName() + "@" + b.getBundleId()) + "#" + INSTANCES.incrementAndGet();
    }

    @Deactivate
    void deactivate() {
        Psom p = module.core();
        if (p != null) {
            p.releaseHolder(holder);
        }
    }

    private Psom core(String name) throws SharedObjectException {
        Psom p = module.core();
        if (p == null) {
            throw new SharedObjectException(name, Reason.UNAVAILABLE, "PSOM is not running on this SCM");
        }
        return p;
    }

    private static Psom.Handle handle(SharedLock lock) throws SharedObjectException {
        if (lock instanceof Psom.Handle h) {
            return h;
        }
        throw new SharedObjectException(lock == null ? "?" : lock.name(), Reason.NOT_HELD, "not a lock PSOM granted: " + lock);
    }

    @Override
    public boolean create(String name, Persistence persistence) throws SharedObjectException {
        return core(name).create(name, persistence);
    }

    @Override
    public boolean exists(String name) throws SharedObjectException {
        return core(name).exists(name);
    }

    @Override
    public SharedLock lock(String name, Duration wait) throws SharedObjectException {
        return core(name).lock(name, wait, holder);
    }

    @Override
    public void write(SharedLock lock, byte[] value) throws SharedObjectException {
        Psom.Handle h = handle(lock);
        checkOwner(h);
        core(h.name()).write(h, value);
    }

    @Override
    public void unlock(SharedLock lock) throws SharedObjectException {
        Psom.Handle h = handle(lock);
        checkOwner(h);
        core(h.name()).unlock(h);
    }

    @Override
    public Optional<byte[]> read(String name) throws SharedObjectException {
        return core(name).read(name);
    }

    @Override
    public void delete(SharedLock lock) throws SharedObjectException {
        Psom.Handle h = handle(lock);
        checkOwner(h);
        core(h.name()).delete(h);
    }

    @Override
    public List<String> names(String prefix) {
        Psom p = module.core();
        return p == null ? List.of() : p.names(prefix);
    }

    private void checkOwner(Psom.Handle h) throws SharedObjectException {
        if (!h.holder().equals(holder)) {
            throw new SharedObjectException(h.name(), Reason.NOT_HELD, "the lock of " + h.name() + " belongs to "
                    + h.holder() + ", not to " + holder);
        }
    }
}
