package org.hasm.nas.http.internal;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.catalina.util.DOMWriter;
import org.apache.catalina.util.XMLWriter;
import org.w3c.dom.Node;

/**
 * The dead properties of one export (what PROPPATCH sets on a resource, given back by PROPFIND), kept
 * in memory within two bounds: at most {@code max.dead.properties} per resource and
 * {@code max.dead.property.bytes} for the whole export. Without them, every PROPPATCH added to an
 * unbounded map, and each property held on to the whole parsed request it came in (about 9 KiB for a
 * small property): 5000 PROPPATCHes kept 46 MiB. Here a property is kept as its XML text only.
 *
 * <p>A PROPPATCH is all or nothing (RFC 4918, 9.2): one that would pass a bound changes nothing, and
 * its multistatus says 507 (Insufficient Storage, "the server did not have sufficient space to record
 * the property") for each property it would add or enlarge and 424 (Failed Dependency) for the others.
 * Removing properties is always possible. A COPY duplicates the properties that fit and leaves the
 * others out (RFC 4918, 9.8.2 asks it of a server only as a SHOULD); a MOVE carries all of them, since
 * its source's go at once, so an export at its bound can still rename. DELETE drops them, as do the
 * overwritten destination of a COPY or MOVE: each step is the one Tomcat's own store takes.
 *
 * <p>Tomcat creates this store by its class name from the servlet's init parameters
 * ({@code propertyStore}, {@code store.maxPerResource}, {@code store.maxBytes}; see
 * {@link ExportServlet#initParameters}), hence a public class with a public constructor and setters.
 * The properties live in the memory of the SCM that serves the export, as Tomcat's own store keeps
 * them: a takeover starts without them.
 *
 * <p>Thread safety: changes are serialised by this object, which guards {@code bytes}; a resource's
 * list in {@code byResource} is never changed once put there (replaced whole), so a PROPFIND reads it
 * without the lock.
 */
public final class DeadProperties implements WebdavServlet.PropertyStore {
    /** What a property costs beyond its XML: its entry and its two names. */
    static final int PROPERTY_COST = 128;
    /** What a resource with properties costs beyond its path: its entry and its list. */
    static final int RESOURCE_COST = 128;

    // the store Tomcat initialised on this thread, for the servlet whose init() runs there
    private static final ThreadLocal<DeadProperties> INITIALISED = new ThreadLocal<>();

    private final ConcurrentHashMap<String, List<Property>> byResource = new ConcurrentHashMap<>();
    // set on the thread of a MOVE (see moving()) for its duration
    private final ThreadLocal<Boolean> moving = new ThreadLocal<>();
    private volatile int maxPerResource = HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES;
    private volatile long maxBytes = HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES;
    private volatile Refusals refusals = new Refusals(line -> { });
    // what byResource takes, counted as cost() does; guarded by this
    private long bytes;

    /** One property: its name and its XML as the client sent it. */
    private record Property(String namespace, String name, String xml, long cost) {
        static Property of(Node node) {
            StringWriter text = new StringWriter();
            new DOMWriter(text).print(node);
            String xml = text.toString();
            return new Property(node.getNamespaceURI(), node.getLocalName(), xml,
                    xml.getBytes(StandardCharsets.UTF_8).length + (long) PROPERTY_COST);
        }

        boolean sameName(String otherNamespace, String otherName) {
            return Objects.equals(name, otherName) && Objects.equals(namespace, otherNamespace);
        }

        boolean sameName(Property p) {
            return sameName(p.namespace, p.name);
        }
    }

    /** Tomcat's constructor: the bounds come from the setters. */
    public DeadProperties() {
    }

    /** {@code store.maxPerResource}: the most properties of one resource. */
    public void setMaxPerResource(int max) {
        this.maxPerResource = max;
    }

    /** {@code store.maxBytes}: what the properties of the export may take, counted as {@link #cost} does. */
    public void setMaxBytes(long max) {
        this.maxBytes = max;
    }

    /**
     * @return the store Tomcat has just initialised on this thread (in the servlet's {@code init()}), or
     *     {@code null} if it initialised another (it falls back to its own when it cannot create this one)
     */
    static DeadProperties initialisedHere() {
        DeadProperties store = INITIALISED.get();
        INITIALISED.remove();
        return store;
    }

    /** Where a refusal is logged (at most once a minute). */
    void logRefusals(Consumer<String> log) {
        this.refusals = new Refusals(log);
    }

    /**
     * Marks the calling thread as serving a MOVE until {@link #moved()}: its copies are not held to the
     * bound, since the source's properties are deleted right after.
     */
    void moving() {
        moving.set(Boolean.TRUE);
    }

    void moved() {
        moving.remove();
    }

    /** @return what the properties of the export take now, as the bound counts it */
    synchronized long bytes() {
        return bytes;
    }

    @Override
    public void init() {
        INITIALISED.set(this);
    }

    @Override
    public synchronized void destroy() {
        byResource.clear();
        bytes = 0;
    }

    @Override
    public void periodicEvent() {
        // nothing expires
    }

    @Override
    public synchronized void copy(String source, String destination) {
        List<Property> from = byResource.get(source);
        if (from == null) {
            return;
        }
        List<Property> before = byResource.getOrDefault(destination, List.of());
        List<Property> after = new ArrayList<>(before);
        boolean bounded = moving.get() == null;
        long room = maxBytes - bytes;
        int left = 0;
        for (Property p : from) {
            List<Property> next = new ArrayList<>(after);
            set(next, p);
            long growth = cost(destination, next) - cost(destination, after);
            if (bounded && ((next.size() > after.size() && next.size() > maxPerResource) || growth > room)) {
                left++;
                continue;
            }
            room -= growth;
            after = next;
        }
        replace(destination, before, after);
        if (left > 0) {
            refusals.refused("COPY to " + destination + " left " + left + " of its " + from.size()
                    + " dead properties out: " + bound());
        }
    }

    @Override
    public synchronized void delete(String resource) {
        List<Property> gone = byResource.remove(resource);
        if (gone != null) {
            bytes -= cost(resource, gone);
        }
    }

    @Override
    public boolean propfind(String resource, Node property, boolean nameOnly, XMLWriter xml) {
        List<Property> props = byResource.get(resource);
        if (props == null) {
            return false;
        }
        if (nameOnly) {
            for (Property p : props) {
                xml.writeElement(null, p.namespace(), p.name(), XMLWriter.NO_CONTENT);
            }
            return false;
        }
        if (property == null) {
            StringBuilder all = new StringBuilder();
            props.forEach(p -> all.append(p.xml()));
            xml.writeRaw(all.toString());
            return false;
        }
        for (Property p : props) {
            if (p.sameName(property.getNamespaceURI(), property.getLocalName())) {
                xml.writeRaw(p.xml());
                return true;
            }
        }
        return false;
    }

    @Override
    public void proppatch(String resource, ArrayList<WebdavServlet.ProppatchOperation> operations) {
        if (operations.stream().anyMatch(WebdavServlet.ProppatchOperation::getProtectedProperty)) {
            // as Tomcat's store: a live property is not the client's to set, and the patch is all or nothing
            for (WebdavServlet.ProppatchOperation o : operations) {
                o.setStatusCode(o.getProtectedProperty() ? 403 : 424);
            }
            return;
        }
        List<Property> changes = new ArrayList<>(operations.size());
        for (WebdavServlet.ProppatchOperation o : operations) {
            // serialised outside the lock
            changes.add(o.getUpdateType() == WebdavServlet.PropertyUpdateType.SET ? Property.of(o.getPropertyNode()) : null);
        }
        String refused;
        synchronized (this) {
            List<Property> before = byResource.getOrDefault(resource, List.of());
            List<Property> after = new ArrayList<>(before);
            for (int i = 0; i < operations.size(); i++) {
                Property p = changes.get(i);
                if (p != null) {
                    set(after, p);
                } else {
                    Node n = operations.get(i).getPropertyNode();
                    after.removeIf(q -> q.sameName(n.getNamespaceURI(), n.getLocalName()));
                }
            }
            long growth = cost(resource, after) - cost(resource, before);
            boolean tooMany = after.size() > before.size() && after.size() > maxPerResource;
            if (!tooMany && (growth <= 0 || bytes + growth <= maxBytes)) {
                replace(resource, before, after);
                return;
            }
            for (int i = 0; i < operations.size(); i++) {
                operations.get(i).setStatusCode(grows(changes.get(i), before) ? WriteFailure.INSUFFICIENT_STORAGE : 424);
            }
            refused = "PROPPATCH of " + resource + " refused (507): " + (tooMany
                    ? "a resource may have at most max.dead.properties=" + maxPerResource
                    : bound());
        }
        refusals.refused(refused);
    }

    /** @return whether a change adds a property or makes one larger than it is */
    private static boolean grows(Property set, List<Property> before) {
        if (set == null) {
            return false;
        }
        for (Property p : before) {
            if (p.sameName(set)) {
                return set.cost() > p.cost();
            }
        }
        return true;
    }

    private String bound() {
        return "the dead properties of the export take " + bytes + " of max.dead.property.bytes=" + maxBytes;
    }

    /** Sets a property in a list: in place of the one of the same name, or added. */
    private static void set(List<Property> props, Property p) {
        for (int i = 0; i < props.size(); i++) {
            if (props.get(i).sameName(p)) {
                props.set(i, p);
                return;
            }
        }
        props.add(p);
    }

    private void replace(String resource, List<Property> before, List<Property> after) {
        if (after.isEmpty()) {
            byResource.remove(resource);
        } else {
            byResource.put(resource, List.copyOf(after));
        }
        bytes += cost(resource, after) - cost(resource, before);
    }

    /** @return what a resource with these properties takes: their XML (UTF-8), their entries, its path */
    private static long cost(String resource, List<Property> props) {
        if (props.isEmpty()) {
            return 0;
        }
        long sum = resource.getBytes(StandardCharsets.UTF_8).length + (long) RESOURCE_COST;
        for (Property p : props) {
            sum += p.cost();
        }
        return sum;
    }
}
