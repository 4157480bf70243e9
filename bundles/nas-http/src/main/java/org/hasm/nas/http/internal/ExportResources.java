package org.hasm.nas.http.internal;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.catalina.Context;
import org.apache.catalina.WebResourceRoot;
import org.apache.catalina.WebResourceSet;
import org.apache.catalina.webresources.DirResourceSet;
import org.apache.catalina.webresources.StandardRoot;

/**
 * The resources of one export: its folder and nothing else. Differs from Tomcat's default root in
 * four ways, each for the file server's sake rather than a web application's:
 * <ul>
 * <li>every file write goes through {@link DurableWrite} (temporary file, fsync, fence, rename);</li>
 * <li>no cache: files change behind Tomcat's back (the write above, the peer before a takeover), and a
 * cached copy could serve old content after an acknowledged PUT;</li>
 * <li>no {@code WEB-INF/lib} jars mounted: a client's upload is data, never part of the server;</li>
 * <li>temporary files of writes in flight (or left by a crash) are not listed.</li>
 * </ul>
 * Linking stays off: a symbolic link, wherever it points, is not served ({@code allowLinking=false}
 * makes Tomcat compare every path with its canonical form).
 */
final class ExportResources extends StandardRoot {
    private final DurableWrite durable;
    private final boolean readOnly;

    ExportResources(Context context, DurableWrite durable, boolean readOnly) {
        super(context);
        this.durable = durable;
        this.readOnly = readOnly;
        setCachingAllowed(false);
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

    @Override
    protected void processWebInfLib() {
        // an export's WEB-INF/lib is a client's files, not code
    }

    static boolean isTemp(String name) {
        return name.startsWith(DurableWrite.TEMP_PREFIX);
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
            boolean made = super.mkdir(path);
            if (made) {
                File dir = file(path.substring(getWebAppMount().length()), false);
                if (dir != null && dir.getParentFile() != null) {
                    // a MKCOL answered 201 must survive a crash like a PUT does
                    DurableWrite.forceFolder(dir.getParentFile().toPath());
                }
            }
            return made;
        }

        @Override
        public String[] list(String path) {
            return Arrays.stream(super.list(path)).filter(n -> !isTemp(n)).toArray(String[]::new);
        }

        @Override
        public Set<String> listWebAppPaths(String path) {
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
}
