package org.hasm.nas.http.internal;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.catalina.servlets.WebdavServlet;
import org.apache.coyote.CloseNowException;
import org.hasm.spi.shared.SharedObjectException;
import org.hasm.spi.storage.FencedException;
import org.hasm.spi.storage.Volume;

/**
 * Tomcat's WebDAV servlet (and through it the default servlet: GET, HEAD with sendfile, PUT,
 * DELETE) on one export, with what an HA file server adds in front of it:
 * <ul>
 * <li>path checks ({@link RequestPaths}) before Tomcat interprets the path;</li>
 * <li>nothing at all is served while this SCM does not own the export's volume (503 with
 * {@code Retry-After}: the client retries and, after a takeover, reaches the peer);</li>
 * <li>a read-only export refuses every modifying method with 403;</li>
 * <li>DELETE, MOVE, COPY and MKCOL prove ownership of the volume before they act; file content is
 * written by {@link DurableWrite}, whose failures become 503, 507, 413 or 500 instead of Tomcat's
 * catch-all 409;</li>
 * <li>a removal or rename that was answered is forced to disk;</li>
 * <li>the export's resource cache is emptied before a modifying request is answered, and when the
 * volume is held under another ownership than before ({@link ExportResources});</li>
 * <li>a request that would create a name longer than a file system allows (PUT, MKCOL, LOCK, the
 * {@code Destination} of COPY and MOVE) gets 400 naming the limit, instead of the disk's error;</li>
 * <li>requests that walk a folder or a tree run only with one of the personality's
 * {@link CostlyRequests} permits: they wait for one, without a thread, or get 503;</li>
 * <li>hasm's own files (names starting with {@value DurableWrite#RESERVED_PREFIX}) are out of reach: such a
 * request path gets 404, such a {@code Destination} 403, and {@link ExportResources} finds none of them;</li>
 * <li>what clients can make the server keep is bounded: {@code max.locks} live locks per export, each
 * granted for at most {@link LockTimeout#MAX_SECONDS}, and the dead properties of PROPPATCH
 * ({@link DeadProperties}); beyond, 507;</li>
 * <li>dead properties are kept on the export's volume ({@link PropertyFiles}), written like a PUT (durable, then
 * fenced, then answered), so the SCM that serves the volume next serves them; a PROPPATCH that cannot be written
 * gets the answer of a failed write instead of 207.</li>
 * </ul>
 * Locking, {@code If} and the conditional headers stay Tomcat's.
 *
 * <p>Locks are kept in the pair's shared objects ({@link DavLocks}) when hasm's PSOM runs: a LOCK or
 * UNLOCK is answered only once the change is stored on both SCMs (its answer is held back until
 * then: {@link HeldResponse}), and DELETE, MOVE and COPY, which drop the locks of what they remove,
 * store that too. When the export opens (at boot, after a takeover, after a failback) the stored
 * locks are put back, so a lock taken through one SCM holds on the other: its token in an
 * {@code If} header succeeds there, and a conflicting LOCK or a write without it is refused. A LOCK
 * or UNLOCK that cannot be stored is undone and answered 503 with {@code Retry-After}. Without PSOM
 * the locks live in this servlet's memory only.
 */
final class ExportServlet extends WebdavServlet {
    private static final long serialVersionUID = 1L;

    private static final Set<String> MODIFYING =
            Set.of("PUT", "DELETE", "MKCOL", "COPY", "MOVE", "PROPPATCH", "LOCK", "UNLOCK");
    private static final Set<String> FENCE_FIRST = Set.of("DELETE", "MKCOL", "COPY", "MOVE");
    // the methods whose Destination header Tomcat reads; other requests skip the header lookup
    private static final Set<String> HAS_DESTINATION = Set.of("COPY", "MOVE");
    // the methods that create the name of their request path (LOCK of an unmapped URL makes an empty file)
    private static final Set<String> CREATES_NAME = Set.of("PUT", "MKCOL", "LOCK");
    // the methods after which Tomcat's lock table may differ (LOCK, UNLOCK; the others drop the locks of what they remove)
    private static final Set<String> CHANGES_LOCKS = Set.of("LOCK", "UNLOCK", "DELETE", "MOVE", "COPY");
    // the methods whose answer is the lock change itself: not stored, not answered
    private static final Set<String> LOCK_METHODS = Set.of("LOCK", "UNLOCK");

    private final transient ExportTarget target;
    // the export's dead properties, as Tomcat created them from the init parameters; set by init()
    private transient DeadProperties properties;
    private final transient Refusals lockRefusals;
    // The ownership of the volume that the resource cache was filled under; another one empties it.
    private transient volatile Ownership cachedUnder;

    private record Ownership(Volume volume, long epoch) {
    }

    ExportServlet(ExportTarget target) {
        this.target = target;
        this.lockRefusals = new Refusals(target::warn);
    }

    @Override
    public void init() throws ServletException {
        super.init();
        properties = DeadProperties.initialisedHere();
        if (properties == null) {
            // Tomcat logs why it could not create it and falls back to its unbounded store: refuse to serve so
            throw new ServletException("export " + target.name() + ": Tomcat did not take the bounded store of dead "
                    + "properties (" + DeadProperties.class.getName() + ")");
        }
        properties.logTo(target::warn);
        properties.keepIn(new PropertyFiles(target.volume(), target.personality(), target.name(), target.folder(),
                target.durable(), properties.largestFile(), target::damagedProperties));
        target.locks().restore(this);
    }

    /** Init parameters of the servlet for this export. */
    static Map<String, String> initParameters(boolean readOnly, HttpSettings limits) {
        return Map.of(
                "listings", "true",
                "readonly", Boolean.toString(readOnly),
                // a file server has no WEB-INF to protect; these names are the clients' own files
                "allowSpecialPaths", "true",
                "fileEncoding", "UTF-8",
                "showServerInfo", "false",
                // Tomcat's own store keeps every dead property, with the whole request it came in, without a bound
                "propertyStore", DeadProperties.class.getName(),
                "store.maxPerResource", Integer.toString(limits.maxDeadProperties()),
                "store.maxBytes", Long.toString(limits.maxDeadPropertyBytes()));
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        // a request put aside by CostlyRequests comes back here with its permit: whatever it is answered, the
        // permit goes back when it is
        Permit permit = new Permit();
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(CostlyRequests.PERMIT) != null) {
            req.removeAttribute(CostlyRequests.PERMIT);
            permit.held = true;
        }
        try {
            serve(req, resp, permit);
        } finally {
            if (permit.held) {
                target.costly().release();
            }
        }
    }

    /** Whether the request on this thread holds a permit of {@link CostlyRequests}. */
    private static final class Permit {
        boolean held;
    }

    private void serve(HttpServletRequest req, HttpServletResponse resp, Permit permit)
            throws ServletException, IOException {
        String method = req.getMethod();
        String refused = refusal(req, method);
        if (refused != null) {
            resp.sendError(HttpServletResponse.SC_BAD_REQUEST, refused);
            return;
        }
        String path = getRelativePath(req);
        if (RequestPaths.hasTempSegment(path)) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        if (HAS_DESTINATION.contains(method) && RequestPaths.destinationReserved(req.getHeader("Destination"))) {
            // Tomcat would first delete what is there (Overwrite: T), such as the NFS service's lock table. 403,
            // not the 404 of such a request path: to a COPY or MOVE, 404 says that the source is missing, and a
            // client would report the file it copies as gone; 403 (RFC 4918, 9.8.5: "the operation is forbidden")
            // is shown as a permission error, and not retried
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "Destination: names starting with "
                    + DurableWrite.RESERVED_PREFIX + " are reserved for hasm's own files");
            return;
        }
        Volume volume = target.volume().current();
        if (volume == null) {
            unavailable(resp, "volume " + target.volume().name() + " is not served by this SCM now");
            return;
        }
        Ownership filledUnder = cachedUnder;
        if (filledUnder == null || filledUnder.volume() != volume || filledUnder.epoch() != volume.epoch()) {
            // the peer may have written while this SCM did not own the volume
            forgetCached();
            properties.forget();
            cachedUnder = new Ownership(volume, volume.epoch());
        }
        boolean modifying = MODIFYING.contains(method);
        if (modifying && target.readOnly()) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "export " + target.name() + " is read-only");
            return;
        }
        if (!permit.held && expensive(method, req, path)) {
            CostlyRequests costly = target.costly();
            switch (costly.admit(req)) {
                case RUN -> permit.held = true;
                case WAIT -> {
                    return; // dispatched again, permit in hand, once a running one ends
                }
                default -> {
                    resp.setHeader("Retry-After", Integer.toString(costly.retryAfterSeconds()));
                    resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, costly.busy());
                    return;
                }
            }
        }
        if (FENCE_FIRST.contains(method) && !fence(volume, resp)) {
            return;
        }
        if ("PUT".equals(method) && !admitPut(req, resp)) {
            return;
        }
        if ("LOCK".equals(method)) {
            req = LockTimeout.atMost(req, LockTimeout.MAX_SECONDS);
        }
        if (LOCK_METHODS.contains(method) && target.locks().shared()) {
            // one LOCK or UNLOCK of the export at a time, with its storing: a lock table put back after a store
            // that failed ({@link DavLocks#revert}) then holds no lock another request was granted meanwhile,
            // and told it holds (its store would have found nothing left to store); and max.locks holds exactly
            synchronized (target.locks()) {
                if (admitLock(req, resp, method)) {
                    serveAndStore(req, resp, method, path, modifying);
                }
            }
            return;
        }
        // in memory, LOCKs running at once may each find room for one more: max.locks is passed by at most as
        // many as there are request threads
        if (admitLock(req, resp, method)) {
            serveAndStore(req, resp, method, path, modifying);
        }
    }

    /**
     * Refuses a LOCK that would make a new lock once the export holds {@code max.locks} live ones; a refresh
     * (a LOCK without a body) or an UNLOCK always passes.
     *
     * <p>507, not 503 with {@code Retry-After}: nothing changes by waiting a few seconds (a lock goes when its
     * holder releases it or it expires, up to an hour later), and 503 is what hasm answers when this SCM may
     * not serve the volume, the sign for a client to retry and so reach the peer. RFC 4918 (11.5) defines 507
     * for a request the server cannot store what it needs for, and a client is not to repeat it without a new
     * action of its user.
     *
     * @return whether the request may go on
     */
    private boolean admitLock(HttpServletRequest req, HttpServletResponse resp, String method) throws IOException {
        boolean body = req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null;
        if (!"LOCK".equals(method) || !body) {
            return true;
        }
        int live = TomcatLocks.live(this, System.currentTimeMillis());
        if (live < target.maxLocks()) {
            return true;
        }
        String why = "export " + target.name() + " holds " + live + " WebDAV locks, max.locks=" + target.maxLocks()
                + ": a new one waits for one to be released or to expire";
        lockRefusals.refused("LOCK " + req.getRequestURI() + " refused (507): " + why);
        resp.sendError(WriteFailure.INSUFFICIENT_STORAGE, why);
        return false;
    }

    /** Lets Tomcat answer, then stores what the request changed in the lock table before the answer goes. */
    private void serveAndStore(HttpServletRequest req, HttpServletResponse resp, String method, String path,
            boolean modifying) throws ServletException, IOException {
        HeldResponse held = CHANGES_LOCKS.contains(method) && target.locks().shared() ? new HeldResponse(resp) : null;
        boolean move = "MOVE".equals(method);
        if (move) {
            properties.moving();
        }
        try {
            super.service(req, held == null ? resp : held);
        } catch (WriteFailure f) {
            if (held != null) {
                held.discard();
            }
            if (f.reported()) {
                // the storage module logs a full or read-only storage once per change, not per request
            } else if (f.status() == 503) {
                target.fenced(f.getMessage());
            } else if (f.status() >= 500) {
                target.warn(method + " " + req.getRequestURI() + ": " + f.getMessage());
            }
            if (resp.isCommitted()) {
                if (f.status() < 500) {
                    // the client's own fault, found in its request body (a bad chunk, a body cut short): Tomcat
                    // marked the request bad and answers 400 itself
                    return;
                }
                // part of the answer is out (a PROPFIND streams its multistatus, and a resource's dead properties
                // may fail to be read halfway): the connection is cut, so the client cannot take what it got for
                // the whole answer (Tomcat then closes it without ending the chunked body, and logs only at debug)
                throw new CloseNowException(method + " " + req.getRequestURI() + ": " + f.getMessage(), f);
            }
            resp.reset();
            if (f.status() == 503) {
                unavailable(resp, f.getMessage());
            } else {
                resp.sendError(f.status(), f.getMessage());
            }
            return;
        } finally {
            if (move) {
                properties.moved();
            }
            if (modifying) {
                // Tomcat already dropped the cached entries of the paths it changed; what else a change
                // affects (the parent's attributes, another spelling of a path) goes before the answer
                forgetCached();
            }
        }
        boolean synced = true;
        if (resp.getStatus() < 300 && ("DELETE".equals(method) || "MOVE".equals(method))) {
            synced = syncParentOf(path, resp);
        }
        if (held != null) {
            storeLocks(method, req, resp, held, synced);
        }
    }

    /** Stores what the request changed in the lock table, then lets its answer go. */
    private void storeLocks(String method, HttpServletRequest req, HttpServletResponse resp, HeldResponse held,
            boolean answer) throws IOException {
        DavLocks locks = target.locks();
        try {
            locks.sync(this);
        } catch (SharedObjectException | RuntimeException e) {
            String why = "the lock could not be stored on both SCMs: " + e.getMessage();
            if (LOCK_METHODS.contains(method)) {
                locks.revert(this); // the client is told it has (or dropped) no lock: so it must be
                held.discard();
                target.warn(method + " " + req.getRequestURI() + ": " + why);
                resp.reset();
                unavailable(resp, why);
                return;
            }
            // the resource is gone already: its lock objects go at the next change that is stored
            target.warn(method + " " + req.getRequestURI() + ": " + why);
        }
        if (answer) {
            held.release();
        } else {
            held.discard();
        }
    }

    /** @return why the request's path or {@code Destination} is refused before anything else, or {@code null} */
    private static String refusal(HttpServletRequest req, String method) {
        String refused = RequestPaths.refusal(req.getRequestURI());
        if (refused == null && CREATES_NAME.contains(method)) {
            refused = RequestPaths.nameTooLong(req.getRequestURI());
        }
        String destination = HAS_DESTINATION.contains(method) ? req.getHeader("Destination") : null;
        if (refused == null && destination != null) {
            refused = RequestPaths.destinationRefusal(destination);
            if (refused == null) {
                String tooLong = RequestPaths.nameTooLong(destination);
                refused = tooLong == null ? null : "Destination: " + tooLong;
            }
        }
        return refused;
    }

    /**
     * @return whether the request's work grows with a folder or a tree: a PROPFIND deeper than the
     *     resource itself (no {@code Depth} means infinity), a MOVE, a DELETE or a COPY (unless
     *     {@code Depth: 0}) of a collection, and a GET or HEAD of a collection (its listing)
     */
    private boolean expensive(String method, HttpServletRequest req, String path) {
        switch (method) {
            case "PROPFIND":
                return !"0".equals(req.getHeader("Depth"));
            case "COPY":
                if ("0".equals(req.getHeader("Depth"))) {
                    return false;
                }
                return resources.getResource(path).isDirectory();
            case "MOVE", "DELETE":
                // one cached lookup, the same the request makes next
                return resources.getResource(path).isDirectory();
            case "GET", "HEAD":
                // a folder asked for without its '/' is only redirected (the relative path has no '/'
                // at its end either way); a file's GET needs no lookup here
                return req.getRequestURI().endsWith("/") && resources.getResource(path).isDirectory();
            default:
                return false;
        }
    }

    private void forgetCached() {
        if (resources instanceof ExportResources export) {
            export.forget();
        }
    }

    private boolean admitPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long length = req.getContentLengthLong();
        if (length > target.maxPutBytes()) {
            resp.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                    "body larger than max.put.bytes=" + target.maxPutBytes());
            return false;
        }
        if (length > 0) {
            // refuse at once what cannot fit, rather than after the client sent it all
            long free = Files.getFileStore(target.folder()).getUsableSpace();
            if (length > free) {
                resp.sendError(WriteFailure.INSUFFICIENT_STORAGE, "volume " + target.volume().name() + " has "
                        + free + " bytes free, the body has " + length);
                return false;
            }
        }
        return true;
    }

    private boolean fence(Volume volume, HttpServletResponse resp) throws IOException {
        try {
            volume.fence();
            return true;
        } catch (FencedException e) {
            String why = "volume " + volume.name() + " is fenced: " + e.getMessage();
            target.fenced(why);
            unavailable(resp, why);
            return false;
        }
    }

    /** @return whether the answer stands (false: it was replaced by an error) */
    private boolean syncParentOf(String path, HttpServletResponse resp) throws IOException {
        Path file = target.fileOf(path);
        if (file == null || file.getParent() == null) {
            return true;
        }
        try {
            DurableWrite.forceFolder(file.getParent());
        } catch (WriteFailure f) {
            target.warn("cannot make " + path + " durable: " + f.getMessage());
            if (!resp.isCommitted()) {
                resp.reset();
                resp.sendError(f.status(), f.getMessage());
                return false;
            }
        }
        return true;
    }

    private void unavailable(HttpServletResponse resp, String why) throws IOException {
        resp.setHeader("Retry-After", Integer.toString(target.retryAfterSeconds()));
        resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, why);
    }
}
