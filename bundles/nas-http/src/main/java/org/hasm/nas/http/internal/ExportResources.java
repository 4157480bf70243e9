package org.hasm.nas.http.internal;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Manifest;
import org.apache.catalina.Context;
import org.apache.catalina.WebResource;
import org.apache.catalina.WebResourceLockSet;
import org.apache.catalina.WebResourceRoot;
import org.apache.catalina.WebResourceSet;
import org.apache.catalina.webresources.DirResourceSet;
import org.apache.catalina.webresources.EmptyResource;
import org.apache.catalina.webresources.FileResource;
import org.apache.catalina.webresources.StandardRoot;

/**
 * The resources of one export: its folder and nothing else. Differs from Tomcat's default root in
 * these ways, each for the file server's sake rather than a web application's:
 * <ul>
 * <li>every file write goes through {@link DurableWrite} (temporary file, fsync, fence, rename);</li>
 * <li>a short-lived cache that this server empties itself: see below;</li>
 * <li>no {@code WEB-INF/lib} jars mounted: a client's upload is data, never part of the server;</li>
 * <li>hasm's own names (starting with {@value DurableWrite#RESERVED_PREFIX}: temporary files of writes in
 * flight or left by a crash, the NFS service's state) are absent: not listed, not found (so neither read,
 * overwritten nor deleted), not written and not created, whatever request reaches here.</li>
 * </ul>
 * Linking stays off: a symbolic link, wherever it points, is not served ({@code allowLinking=false}
 * makes Tomcat compare every path with its canonical form).
 *
 * <p>Without a cache, that comparison and the file's attributes cost a GET about twenty system calls
 * (a {@code readlink} per path segment, a dozen {@code stat}s) and a small file is read from disk
 * every time; they were most of the cost of a small GET. Tomcat's cache keeps, per path, the outcome
 * of the checks, the attributes and the content of small files. It is safe here because nobody but
 * this server changes a volume while this SCM owns it: Tomcat drops the entry of every path it
 * writes, creates or deletes at the moment it does; {@link #forget()} then empties the whole cache
 * before the modifying request is answered (for the parent collection's attributes and the other
 * spellings of a path), and again whenever the export's volume is another ownership than before
 * (the peer may have written in between). Every entry is checked against the disk again after
 * {@link #CACHE_TTL_MS}, which bounds what a change made behind the server's back could do.
 */
final class ExportResources extends StandardRoot {
    /** How long a cached answer (file, folder or absence) is used before it is checked against the disk. */
    static final long CACHE_TTL_MS = 1000;

    private final DurableWrite durable;
    private final boolean readOnly;

    ExportResources(Context context, DurableWrite durable, boolean readOnly) {
        super(context);
        this.durable = durable;
        this.readOnly = readOnly;
        setCachingAllowed(true);
        setCacheTtl(CACHE_TTL_MS);
        setAllowLinking(false);
        setReadOnly(readOnly);
    }

    @Override
    protected WebResourceSet createMainResourceSet() {
        File base = new File(getContext().getDocBase());
        DurableDirSet set = new DurableDirSet(this, base.getAbsolutePath(), durable);
        // not isReadOnly(): that says true until the main set exists
        set.setReadOnly(readOnly);
        return set;
    }

    /** Empties the cache: the next request of every path looks at the disk again. */
    void forget() {
        // StandardRoot keeps its cache to itself; turning caching off is the way it offers to empty it. A
        // request in between reads the disk, which is always right, and however two callers interleave,
        // each one's clearing follows its change and caching ends up on.
        setCachingAllowed(false);
        setCachingAllowed(true);
    }

    @Override
    protected void processWebInfLib() {
        // an export's WEB-INF/lib is a client's files, not code
    }

    static boolean isTemp(String name) {
        return name.startsWith(DurableWrite.RESERVED_PREFIX);
    }

    /** The export's folder, writing files durably and hiding temporary names. */
    static final class DurableDirSet extends DirResourceSet {
        private final DurableWrite durable;

        DurableDirSet(WebResourceRoot root, String base, DurableWrite durable) {
            super(root, "/", base, "/");
            this.durable = durable;
        }

        @Override
        public boolean write(String path, InputStream is, boolean overwrite) {
            checkPath(path);
            if (is == null) {
                throw new NullPointerException("no content to write to " + path);
            }
            String mount = getWebAppMount();
            if (isReadOnly() || path.endsWith("/") || !isPathMounted(path, mount) || RequestPaths.hasTempSegment(path)) {
                return false;
            }
            // Same lock as Tomcat's own write: a GET of this path waits instead of seeing a half-made resource.
            ResourceLock lock = lockForWrite(path);
            try {
                File dest = file(path.substring(mount.length()), false);
                if (dest == null || dest.isDirectory() || (!overwrite && dest.exists())) {
                    return false;
                }
                File parent = dest.getParentFile();
                if (parent == null || !parent.isDirectory()) {
                    return false; // Tomcat answers 409: a PUT needs its parent collection
                }
                durable.write(dest.toPath(), is);
                return true;
            } finally {
                unlockForWrite(lock);
            }
        }

        @Override
        public boolean mkdir(String path) {
            if (RequestPaths.hasTempSegment(path)) {
                return false;
            }
            boolean made = super.mkdir(path);
            if (made) {
                File dir = file(path.substring(getWebAppMount().length()), false);
                if (dir != null && dir.getParentFile() != null) {
                    // a MKCOL answered 201 must survive a crash like a PUT does: the new folder first (its
                    // inode and its own entries; the parent's force does not write them on ext2, or ext4
                    // without a journal), then the parent that names it
                    DurableWrite.forceFolder(dir.toPath());
                    DurableWrite.forceFolder(dir.getParentFile().toPath());
                }
            }
            return made;
        }

        /**
         * Tomcat's own lookup, except that a file comes back as an {@link ExportFile}. Kept in step with
         * {@code DirResourceSet.getResource}: same checks, same lock against a concurrent write.
         */
        @Override
        public WebResource getResource(String path) {
            checkPath(path);
            String mount = getWebAppMount();
            // absent, without a file behind it: nothing a request does with it reaches the disk
            if (!isPathMounted(path, mount) || RequestPaths.hasTempSegment(path)) {
                return new EmptyResource(getRoot(), path);
            }
            boolean readOnly = isReadOnly();
            ResourceLock lock = readOnly ? null : lockForRead(path);
            try {
                File f = file(path.substring(mount.length()), false);
                if (f == null) {
                    return new EmptyResource(getRoot(), path);
                }
                if (!f.exists()) {
                    return new EmptyResource(getRoot(), path, f);
                }
                String webAppPath = f.isDirectory() && !path.endsWith("/") ? path + '/' : path;
                return new ExportFile(getRoot(), webAppPath, f, readOnly, getManifest(), this,
                        readOnly ? null : lock.key);
            } finally {
                if (lock != null) {
                    unlockForRead(lock);
                }
            }
        }

        @Override
        public String[] list(String path) {
            if (RequestPaths.hasTempSegment(path)) {
                return new String[0];
            }
            return Arrays.stream(super.list(path)).filter(n -> !isTemp(n)).toArray(String[]::new);
        }

        @Override
        public Set<String> listWebAppPaths(String path) {
            if (RequestPaths.hasTempSegment(path)) {
                return Set.of();
            }
            Set<String> all = super.listWebAppPaths(path);
            Set<String> shown = new LinkedHashSet<>();
            for (String p : all) {
                String trimmed = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
                if (!isTemp(trimmed.substring(trimmed.lastIndexOf('/') + 1))) {
                    shown.add(p);
                }
            }
            return shown;
        }

        /** @return where a request path of this export lives on disk, or {@code null} if it may not */
        Path fileOf(String path) {
            File f = file(path.substring(getWebAppMount().length()), false);
            return f == null ? null : f.toPath();
        }
    }

    /**
     * A file or folder of the export that asks whether it is readable at most once per cache TTL.
     * Tomcat asks on every GET, even when the answer comes from the cache, and that one {@code access()}
     * (a walk of the whole path) was about a tenth of the CPU time of a cached small GET. A file made
     * unreadable is then refused with 403 within the TTL, like any other change behind the server.
     */
    static final class ExportFile extends FileResource {
        private static final long READABLE_NANOS = TimeUnit.MILLISECONDS.toNanos(CACHE_TTL_MS);

        // System.nanoTime() until which the file counts as readable without asking; already past at first
        private volatile long readableUntil = System.nanoTime();

        ExportFile(WebResourceRoot root, String webAppPath, File file, boolean readOnly, Manifest manifest,
                WebResourceLockSet locks, String lockKey) {
            super(root, webAppPath, file, readOnly, manifest, locks, lockKey);
        }

        @Override
        public boolean canRead() {
            long now = System.nanoTime();
            if (now - readableUntil < 0) {
                return true;
            }
            boolean readable = super.canRead();
            if (readable) {
                readableUntil = now + READABLE_NANOS;
            }
            return readable;
        }
    }
}
