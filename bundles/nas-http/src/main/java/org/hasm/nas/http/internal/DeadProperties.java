package org.hasm.nas.http.internal;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.catalina.util.DOMWriter;
import org.apache.catalina.util.XMLWriter;
import org.hasm.spi.storage.Volume;
import org.w3c.dom.Node;

/**
 * The dead properties of one export (what PROPPATCH sets on a resource, given back by PROPFIND), kept on the
 * export's volume ({@link PropertyFiles}) within two bounds: at most {@code max.dead.properties} per resource and
 * {@code max.dead.property.bytes} for the whole export. Without them, every PROPPATCH added to an unbounded map,
 * and each property held on to the whole parsed request it came in (about 9 KiB for a small property): 5000
 * PROPPATCHes kept 46 MiB. Here a property is kept as its names and its XML text only, and counted so.
 *
 * <p>A PROPPATCH answered 207 is an acknowledged write like a PUT: its resource's file is replaced durably and the
 * volume fenced before the answer, so the SCM that serves the volume next (the peer after a takeover, this one
 * after a restart) serves the properties; one that cannot be written gets the status of a failed write instead (503
 * with {@code Retry-After}, 507), and nothing of it is kept. MOVE, COPY and DELETE change the files the same way,
 * each resource as Tomcat reaches it; a DELETE also removes what descendants of the resource still have. A file
 * that cannot be read (an I/O error, not a damaged file) fails the request that needed it: taken for "none", the
 * next PROPPATCH would write over the acknowledged properties.
 *
 * <p>Properties belong to the resource at a path, as WebDAV defines them: a PUT that replaces the content keeps
 * them (RFC 4918, 9.7.1), and so does an editor's save that renames a new file over the old one. A PROPPATCH checks,
 * under this object, that its resource still exists before it writes (404 if not): one that raced a DELETE (Tomcat
 * found the resource, the DELETE removed it and its properties, then the PROPPATCH got here) leaves no file behind.
 * A file whose resource went behind the server's back is an orphan, which the count neither counts nor keeps
 * ({@link PropertyCount}).
 *
 * <p>A PROPPATCH is all or nothing (RFC 4918, 9.2): one that would pass a bound changes nothing, and
 * its multistatus says 507 (Insufficient Storage, "the server did not have sufficient space to record
 * the property") for each property it would add or enlarge and 424 (Failed Dependency) for the others.
 * Removing properties is always possible. A COPY duplicates the properties that fit and leaves the
 * others out (RFC 4918, 9.8.2 asks it of a server only as a SHOULD); a MOVE carries all of them, since
 * its source's go at once, so an export at its bound can still rename. DELETE drops them, as do the
 * overwritten destination of a COPY or MOVE: each step is the one Tomcat's own store takes.
 *
 * <p>Memory: a resource's properties are read from its own file (by the hash of its path) when a request needs
 * them, and kept; what all of them take, needed only for the bound of a write that adds to them and for the sweep of
 * a folder's DELETE, is counted off the request path ({@link PropertyCount}). A write that needs the bound waits for
 * the count at most {@link #COUNT_WAIT_MILLIS}, then is answered 503 with {@code Retry-After}; no other request waits
 * for it. All of it is tied to the ownership of the volume it was read under. A path is the resource's path in the
 * export without a trailing {@code /} (Tomcat names a folder with and without one).
 *
 * <p>Tomcat creates this store by its class name from the servlet's init parameters
 * ({@code propertyStore}, {@code store.maxPerResource}, {@code store.maxBytes}; see
 * {@link ExportServlet#initParameters}), hence a public class with a public constructor and setters; the servlet
 * then tells it where the properties live ({@link #keepIn}).
 *
 * <p>Thread safety: writes of the volume, and every change of memory, are serialised by this object, which guards
 * {@code destroyed} and what {@code memory} guards; a PROPFIND takes it only to keep what it read. {@code memory} is
 * replaced whole at a new ownership, under this object.
 */
public final class DeadProperties implements WebdavServlet.PropertyStore {
    /** What a property costs beyond its names and its XML: its entry. */
    static final int PROPERTY_COST = 128;
    /** What a resource with properties costs beyond its path: its entries and its list. */
    static final int RESOURCE_COST = 128;
    /** How long a write that needs the bound waits for the count of the export's properties. */
    static final long COUNT_WAIT_MILLIS = 10_000;
    /** How long after a failed count a write that needs the bound starts another. */
    static final long RECOUNT_MILLIS = 5_000;

    // the store Tomcat initialised on this thread, for the servlet whose init() runs there
    private static final ThreadLocal<DeadProperties> INITIALISED = new ThreadLocal<>();

    // set on the thread of a MOVE (see moving()) for its duration
    private final ThreadLocal<Boolean> moving = new ThreadLocal<>();
    private volatile int maxPerResource = HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES;
    private volatile long maxBytes = HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES;
    private volatile long countWaitNanos = TimeUnit.MILLISECONDS.toNanos(COUNT_WAIT_MILLIS);
    private volatile long recountNanos = TimeUnit.MILLISECONDS.toNanos(RECOUNT_MILLIS);
    private volatile Refusals refusals = new Refusals(line -> { });
    private volatile Consumer<String> log = line -> { };
    // where the properties live; set by keepIn() before the first request
    private volatile PropertyFiles files;
    // what memory knows, under the ownership it was read under; null until the first use; written under this
    private volatile PropertyCount memory;
    // set once by destroy(); guarded by this
    private boolean destroyed;

    /** One property: its name and its XML as the client sent it. */
    record Property(String namespace, String name, String xml, long cost) {
        static Property of(Node node) {
            StringWriter text = new StringWriter();
            new DOMWriter(text).print(node);
            return of(node.getNamespaceURI(), node.getLocalName(), text.toString());
        }

        static Property of(String namespace, String name, String xml) {
            return new Property(namespace, name, xml, utf8(xml) + utf8(namespace) + utf8(name) + (long) PROPERTY_COST);
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
     * How long a write that needs the bound waits for the count, and how long after a failed count the next of them
     * starts another ({@link #COUNT_WAIT_MILLIS}, {@link #RECOUNT_MILLIS} unless a test says otherwise).
     */
    void timing(long waitMillis, long recountMillis) {
        this.countWaitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
        this.recountNanos = TimeUnit.MILLISECONDS.toNanos(recountMillis);
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

    /** Where a refusal (at most once a minute), a failed count (once per ownership) and removed orphans are logged. */
    void logTo(Consumer<String> log) {
        this.refusals = new Refusals(log);
        this.log = log;
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

    /**
     * Where the properties live: set once, by the servlet's {@code init()}, before the first request. Their count
     * starts at once if the volume is this SCM's.
     */
    void keepIn(PropertyFiles where) {
        this.files = where;
        forget();
    }

    /**
     * @return the most bytes a file of one resource's properties is read of: what the bound allows one resource
     *     (a file is smaller than what it counts), and never less than the default bound, so that a bound lowered
     *     since does not make the files written before unreadable unless they exceed the default
     */
    long largestFile() {
        return Math.max(maxBytes, HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES);
    }

    /**
     * The servlet found the volume under another ownership than before: unless this store has met it already, what
     * is in memory goes (the peer may have changed the properties meanwhile) and they are counted again at once.
     */
    synchronized void forget() {
        Volume v = files == null ? null : files.owned();
        if (v != null && !destroyed) {
            renewed(v);
        }
    }

    /** @return what the properties of the export take now, as the bound counts it (waits for the count) */
    synchronized long bytes() {
        long started = System.nanoTime();
        long deadline = started + countWaitNanos;
        while (true) {
            PropertyCount m = memory();
            if (m.counted()) {
                return m.bytes();
            }
            m.await(started, deadline, recountNanos);
        }
    }

    /** @return how many resources' properties are in memory now (read since the volume was) */
    int resourcesInMemory() {
        PropertyCount m = memory;
        return m == null ? 0 : m.inMemory();
    }

    /** @return whether the export's properties are counted now (under the volume's present ownership) */
    boolean counted() {
        PropertyCount m = memory;
        return m != null && m.counted();
    }

    /** @return whether the count's thread runs now (counting, or removing the orphans it found) */
    boolean counting() {
        PropertyCount m = memory;
        return m != null && m.counting();
    }

    @Override
    public void init() {
        INITIALISED.set(this);
    }

    @Override
    public void destroy() {
        // the volume keeps them; the count stops
        Thread counter;
        synchronized (this) {
            destroyed = true;
            PropertyCount m = memory;
            memory = null;
            if (m == null) {
                return;
            }
            counter = m.drop();
        }
        PropertyCount.stop(counter);
    }

    @Override
    public void periodicEvent() {
        // nothing expires
    }

    @Override
    public void copy(String source, String destination) {
        String from = path(source);
        String to = path(destination);
        boolean bounded = moving.get() == null;
        int left = 0;
        List<Property> copied;
        synchronized (this) {
            long started = System.nanoTime();
            long deadline = started + countWaitNanos;
            PropertyCount m;
            while (true) {
                m = memory();
                // read without the count: a resource without properties is copied whatever the count's state
                copied = m.current(from);
                if (copied.isEmpty() || !files.exists(to)) {
                    return; // nothing to copy, or the copy is gone already (a DELETE of it): nothing to give them to
                }
                if (!bounded || m.counted()) {
                    break;
                }
                m.await(started, deadline, recountNanos);
            }
            List<Property> before = m.current(to);
            List<Property> after = new ArrayList<>(before);
            long room = maxBytes - m.bytes();
            for (Property p : copied) {
                List<Property> next = new ArrayList<>(after);
                set(next, p);
                long growth = cost(to, next) - cost(to, after);
                if (bounded && ((next.size() > after.size() && next.size() > maxPerResource) || growth > room)) {
                    left++;
                    continue;
                }
                room -= growth;
                after = next;
            }
            store(m, to, before, after);
        }
        if (left > 0) {
            refusals.refused("COPY to " + destination + " left " + left + " of its " + copied.size()
                    + " dead properties out: " + bound());
        }
    }

    /** Removes the properties of the resource and of every descendant that still has some. */
    @Override
    public synchronized void delete(String resource) {
        String path = path(resource);
        PropertyCount m = memory();
        List<String> gone = new ArrayList<>();
        if (m.mayHave(path)) {
            gone.add(path);
        }
        // Tomcat deletes a folder's descendants one by one, then the folder; what is left below it here had its
        // resource removed behind the server's back
        gone.addAll(m.below(path));
        if (gone.isEmpty()) {
            return;
        }
        try {
            files.remove(m.under(), gone);
        } catch (RuntimeException e) {
            gone.forEach(m::reread);
            throw e;
        }
        gone.forEach(p -> m.remember(p, List.of()));
    }

    @Override
    public boolean propfind(String resource, Node property, boolean nameOnly, XMLWriter xml) {
        List<Property> props = propertiesOf(path(resource));
        if (props.isEmpty()) {
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
        String path = path(resource);
        String refused;
        synchronized (this) {
            long started = System.nanoTime();
            long deadline = started + countWaitNanos;
            while (true) {
                PropertyCount m = memory();
                // Tomcat found the resource before the request got here; a DELETE may have removed it since, and
                // properties written now would be an orphan's
                if (!files.exists(path)) {
                    throw new WriteFailure(404, resource + " no longer exists", null);
                }
                List<Property> before = m.current(path);
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
                long growth = cost(path, after) - cost(path, before);
                boolean tooMany = after.size() > before.size() && after.size() > maxPerResource;
                if (!tooMany && growth > 0 && !m.counted()) {
                    m.await(started, deadline, recountNanos);
                    continue; // counted (or another ownership): read again
                }
                if (!tooMany && (growth <= 0 || m.bytes() + growth <= maxBytes)) {
                    // a failure to write it throws: Tomcat does not answer, the servlet answers the failure
                    store(m, path, before, after);
                    return;
                }
                for (int i = 0; i < operations.size(); i++) {
                    operations.get(i).setStatusCode(grows(changes.get(i), before) ? WriteFailure.INSUFFICIENT_STORAGE : 424);
                }
                refused = "PROPPATCH of " + resource + " refused (507): " + (tooMany
                        ? "a resource may have at most max.dead.properties=" + maxPerResource
                        : bound());
                break;
            }
        }
        refusals.refused(refused);
    }

    /** @return a resource's path as the properties are kept by: no empty segment, no trailing {@code /} */
    static String path(String resource) {
        if (resource == null || resource.isEmpty() || "/".equals(resource)) {
            return "/";
        }
        if (!resource.contains("//") && !resource.endsWith("/") && resource.startsWith("/")) {
            return resource;
        }
        StringBuilder p = new StringBuilder(resource.length());
        for (String segment : resource.split("/")) {
            if (!segment.isEmpty()) {
                p.append('/').append(segment);
            }
        }
        return p.length() == 0 ? "/" : p.toString();
    }

    /**
     * @return what memory knows under the volume's present ownership: what was known under another goes (the
     *     peer may have changed the properties meanwhile), and a new count starts
     * @throws WriteFailure (503) if this SCM does not own the volume now
     */
    private PropertyCount memory() {
        PropertyFiles where = files;
        if (where == null) {
            throw new IllegalStateException("the dead properties were used before the servlet said where they live");
        }
        Volume v = where.owned();
        if (v == null) {
            throw new WriteFailure(503, "the volume of " + where.export() + " is not served by this SCM now", null);
        }
        PropertyCount m = memory;
        if (m != null && m.of(v)) {
            return m;
        }
        synchronized (this) {
            return renewed(v);
        }
    }

    /** @return the memory of this ownership of the volume, made and counting if new; under the lock */
    private PropertyCount renewed(Volume v) {
        PropertyCount m = memory;
        if (m != null && m.of(v)) {
            return m;
        }
        if (destroyed) {
            throw new WriteFailure(503, files.export() + " is closed", null, true);
        }
        if (m != null) {
            m.drop(); // its thread ends at its next file; no need to wait for it here
        }
        PropertyCount fresh = new PropertyCount(v, this, files, log);
        memory = fresh;
        fresh.start();
        return fresh;
    }

    /** @return a resource's properties for a read, without the lock unless it keeps what it read */
    private List<Property> propertiesOf(String path) {
        PropertyCount m = memory();
        if (!m.mayHave(path)) {
            return List.of();
        }
        long generation = m.generation();
        List<Property> known = m.loaded(path);
        if (known != null) {
            return known;
        }
        List<Property> read = files.read(path);
        if (!read.isEmpty()) {
            synchronized (this) {
                // only if nothing was written since it was read: memory knows better then
                if (memory == m && m.generation() == generation) {
                    m.remember(path, read);
                }
            }
        }
        return read;
    }

    /** Writes a resource's properties to the volume, then keeps them in memory; under the lock. */
    private void store(PropertyCount m, String path, List<Property> before, List<Property> after) {
        if (after.equals(before)) {
            return;
        }
        try {
            // fenced by the ownership memory was read under: if it has ended, what was read may be stale
            if (after.isEmpty()) {
                files.remove(m.under(), List.of(path));
            } else {
                files.write(m.under(), path, after);
            }
        } catch (RuntimeException e) {
            m.reread(path);
            throw e;
        }
        m.remember(path, after);
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
        PropertyCount m = memory;
        return "the dead properties of the export take " + (m == null || !m.counted() ? "?" : Long.toString(m.bytes()))
                + " of max.dead.property.bytes=" + maxBytes;
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

    /**
     * @return what a resource with these properties takes: their names and XML (UTF-8), their entries, its path
     */
    static long cost(String resource, List<Property> props) {
        if (props.isEmpty()) {
            return 0;
        }
        long sum = utf8(resource) + (long) RESOURCE_COST;
        for (Property p : props) {
            sum += p.cost();
        }
        return sum;
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
