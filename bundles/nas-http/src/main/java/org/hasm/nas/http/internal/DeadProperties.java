package org.hasm.nas.http.internal;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.catalina.util.DOMWriter;
import org.apache.catalina.util.XMLWriter;
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
 * after a restart) serves the properties; one that cannot be written is not answered 207 but with the status of a
 * failed write (503 with {@code Retry-After} when the volume is no longer this SCM's, 507 when the storage is full),
 * and nothing of it is kept, in memory or on the volume. MOVE, COPY and DELETE change the files the same way, each
 * resource as Tomcat reaches it (a folder's descendants one by one); a DELETE also removes what descendants of the
 * resource still have, so a name made again later starts without properties.
 *
 * <p>A PROPPATCH is all or nothing (RFC 4918, 9.2): one that would pass a bound changes nothing, and
 * its multistatus says 507 (Insufficient Storage, "the server did not have sufficient space to record
 * the property") for each property it would add or enlarge and 424 (Failed Dependency) for the others.
 * Removing properties is always possible. A COPY duplicates the properties that fit and leaves the
 * others out (RFC 4918, 9.8.2 asks it of a server only as a SHOULD); a MOVE carries all of them, since
 * its source's go at once, so an export at its bound can still rename. DELETE drops them, as do the
 * overwritten destination of a COPY or MOVE: each step is the one Tomcat's own store takes.
 *
 * <p>Memory: the first use of the store (after the export opens, and again after its volume comes back under
 * another ownership, when the peer may have changed them) reads every file once to count what the export's
 * properties take, and keeps of each resource only its path and that count; a resource's properties are read
 * when a request needs them, and kept. Both are within what the bound counts, so the bound holds for memory as
 * for the volume. A path is the resource's path in the export without a trailing {@code /} (Tomcat names a
 * folder with and without one).
 *
 * <p>Tomcat creates this store by its class name from the servlet's init parameters
 * ({@code propertyStore}, {@code store.maxPerResource}, {@code store.maxBytes}; see
 * {@link ExportServlet#initParameters}), hence a public class with a public constructor and setters; the servlet
 * then tells it where the properties live ({@link #keepIn}).
 *
 * <p>Thread safety: changes, and reads of the volume, are serialised by this object, which guards {@code bytes};
 * {@code costs} and {@code loaded} are changed under it and read without it: a resource's list in {@code loaded}
 * is never changed once put there (replaced whole), so a PROPFIND of a resource read before, or of one without
 * properties, takes no lock and waits for no disk.
 */
public final class DeadProperties implements WebdavServlet.PropertyStore {
    /** What a property costs beyond its names and its XML: its entry. */
    static final int PROPERTY_COST = 128;
    /** What a resource with properties costs beyond its path: its entries and its list. */
    static final int RESOURCE_COST = 128;

    // the store Tomcat initialised on this thread, for the servlet whose init() runs there
    private static final ThreadLocal<DeadProperties> INITIALISED = new ThreadLocal<>();

    // the properties of the resources read from the volume since the index was, by path
    private final ConcurrentHashMap<String, List<Property>> loaded = new ConcurrentHashMap<>();
    // set on the thread of a MOVE (see moving()) for its duration
    private final ThreadLocal<Boolean> moving = new ThreadLocal<>();
    private volatile int maxPerResource = HttpSettings.DEFAULT_MAX_DEAD_PROPERTIES;
    private volatile long maxBytes = HttpSettings.DEFAULT_MAX_DEAD_PROPERTY_BYTES;
    private volatile Refusals refusals = new Refusals(line -> { });
    // where the properties live; set by keepIn() before the first request
    private volatile PropertyFiles files;
    // what each resource with properties on the volume takes, as cost() counts it, by path; sorted, so that the
    // descendants of a folder are one range; null until read from the volume (index())
    private volatile ConcurrentSkipListMap<String, Long> costs;
    // the sum of costs; guarded by this
    private long bytes;

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

    /**
     * Where the properties live: set once, by the servlet's {@code init()}, before the first request.
     */
    void keepIn(PropertyFiles where) {
        this.files = where;
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
     * The volume is held under another ownership than before: the peer may have changed the properties meanwhile,
     * so what is in memory goes, and the volume is read again at the next use.
     */
    synchronized void forget() {
        costs = null;
        bytes = 0;
        loaded.clear();
    }

    /** @return what the properties of the export take now, as the bound counts it */
    synchronized long bytes() {
        index();
        return bytes;
    }

    /** @return how many resources' properties are in memory now (read since the volume was) */
    int resourcesInMemory() {
        return loaded.size();
    }

    @Override
    public void init() {
        INITIALISED.set(this);
    }

    @Override
    public void destroy() {
        // the volume keeps them
        forget();
    }

    @Override
    public void periodicEvent() {
        // nothing expires
    }

    @Override
    public synchronized void copy(String source, String destination) {
        String to = path(destination);
        List<Property> from = current(path(source));
        if (from.isEmpty()) {
            return;
        }
        List<Property> before = current(to);
        List<Property> after = new ArrayList<>(before);
        boolean bounded = moving.get() == null;
        long room = maxBytes - bytes;
        int left = 0;
        for (Property p : from) {
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
        store(to, before, after);
        if (left > 0) {
            refusals.refused("COPY to " + destination + " left " + left + " of its " + from.size()
                    + " dead properties out: " + bound());
        }
    }

    /** Removes the properties of the resource and of every descendant that still has some. */
    @Override
    public synchronized void delete(String resource) {
        String path = path(resource);
        ConcurrentSkipListMap<String, Long> index = index();
        List<String> gone = new ArrayList<>();
        if (index.containsKey(path)) {
            gone.add(path);
        }
        // Tomcat deletes a folder's descendants one by one, then the folder; what is left below it here had its
        // file removed behind the server's back, and would come back with a new file of that name
        String below = "/".equals(path) ? "/" : path + "/";
        // '0' follows '/': the range holds exactly the paths that start with below
        index.subMap(below, true, below.substring(0, below.length() - 1) + '0', false).keySet().stream()
                .filter(p -> !p.equals(path)).forEach(gone::add);
        for (String p : gone) {
            try {
                files.remove(p);
            } catch (RuntimeException e) {
                reread(p);
                throw e;
            }
            remember(p, List.of());
        }
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
            List<Property> before = current(path);
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
            if (!tooMany && (growth <= 0 || bytes + growth <= maxBytes)) {
                // a failure to write it throws: Tomcat does not answer, the servlet answers the failure
                store(path, before, after);
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

    /** @return a resource's properties for a read, without the lock when they are known already */
    private List<Property> propertiesOf(String path) {
        ConcurrentSkipListMap<String, Long> index = costs;
        if (index != null) {
            if (!index.containsKey(path)) {
                return List.of();
            }
            List<Property> known = loaded.get(path);
            if (known != null) {
                return known;
            }
        }
        synchronized (this) {
            return current(path);
        }
    }

    /** @return what the volume holds of the export's properties, read at the first call since the last forget() */
    private ConcurrentSkipListMap<String, Long> index() {
        ConcurrentSkipListMap<String, Long> index = costs;
        if (index == null) {
            PropertyFiles where = files;
            if (where == null) {
                throw new IllegalStateException("the dead properties were used before the servlet said where they live");
            }
            ConcurrentSkipListMap<String, Long> found = new ConcurrentSkipListMap<>();
            long[] sum = {0};
            where.scan(stored -> {
                long cost = cost(stored.path(), stored.properties());
                found.put(stored.path(), cost);
                sum[0] += cost;
            });
            bytes = sum[0];
            costs = found;
            index = found;
        }
        return index;
    }

    /** @return a resource's properties (none: an empty list), read from the volume if not yet; under the lock */
    private List<Property> current(String path) {
        if (!index().containsKey(path)) {
            return List.of();
        }
        List<Property> known = loaded.get(path);
        if (known != null) {
            return known;
        }
        // differs from what the scan counted only if the file was changed behind the server's back since
        List<Property> read = files.read(path);
        remember(path, read);
        return read;
    }

    /** Writes a resource's properties to the volume, then keeps them in memory; under the lock. */
    private void store(String path, List<Property> before, List<Property> after) {
        if (after.equals(before)) {
            return;
        }
        try {
            if (after.isEmpty()) {
                files.remove(path);
            } else {
                files.write(path, after);
            }
        } catch (RuntimeException e) {
            reread(path);
            throw e;
        }
        remember(path, after);
    }

    /**
     * After a failed write: the volume holds the old properties or, when only the folder's force after the rename
     * failed, the new ones (not acknowledged, but what a reader sees): memory follows the volume.
     */
    private void reread(String path) {
        loaded.remove(path);
        remember(path, files.read(path));
    }

    /** Sets what memory knows of a resource's properties and counts them; under the lock. */
    private void remember(String path, List<Property> props) {
        Long before = costs.get(path);
        long after = cost(path, props);
        if (props.isEmpty()) {
            // in this order, so that a reader without the lock finds either the old list or none
            costs.remove(path);
            loaded.remove(path);
        } else {
            loaded.put(path, List.copyOf(props));
            costs.put(path, after);
        }
        bytes += after - (before == null ? 0 : before);
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
