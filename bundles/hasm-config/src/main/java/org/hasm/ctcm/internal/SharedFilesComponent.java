package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.config.SharedFiles;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * SFM: files kept identical on both SCMs. A HASM module (rank 26), the {@link SharedFiles} service
 * and the link service {@value #LINK_SERVICE}. The MASTER writes a file here (atomically, with its
 * version and SHA-256), then sends it to the peer, which checks the checksum and keeps it only if its
 * version is newer than its own. At every {@code opMode} (an SCM that joins or rejoins, a peer handed
 * its personality back) it asks the peer for its list and fetches every file whose version it lacks,
 * on its own thread, so that no transition waits for the copy.
 *
 * <p>Threads: the link calls {@link #handle}, services call {@link #write}, the sync thread fetches;
 * the store is touched only under {@code this}.
 */
@Component(service = {HaModule.class, LinkHandler.class, SharedFiles.class}, immediate = true,
        property = LinkHandler.SERVICE + "=" + SharedFilesComponent.LINK_SERVICE)
@HaModuleProperties(name = "files", tier = Tier.HASM, rank = 26)
public class SharedFilesComponent implements HaModule, LinkHandler, SharedFiles {

    static final String LINK_SERVICE = "sfm";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final long JOIN_MS = 5000;

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    // Guarded by this.
    private FileStore store;
    /** The role of the last opMode; null when not serving. */
    private OpMode role;

    /** One sync at a time, the latest asked replacing a waiting one. */
    private ThreadPoolExecutor sync;

    @Activate
    void activate() {
        store = new FileStore(node.dataDir().resolve("files"), node.scm());
        sync = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1), r -> {
            Thread t = new Thread(r, "hasm-sfm-sync");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    @Deactivate
    void deactivate() {
        ExecutorService s = sync;
        s.shutdownNow();
        try {
            if (!s.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                log.warn("shared files: the sync thread did not stop within " + JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void init(HaContext context) {
        synchronized (this) {
            role = null;
        }
    }

    @Override
    public void test() {
    }

    @Override
    public void opMode(OpMode mode, SysConfig config) {
        synchronized (this) {
            role = mode;
        }
        if (!node.standalone()) {
            try {
                sync.execute(this::pull);
            } catch (RejectedExecutionException e) {
                // stopping
            }
        }
    }

    @Override
    public synchronized void stop() {
        role = null;
    }

    @Override
    public synchronized void shutDown() {
        role = null;
    }

    // ---- the service ----

    @Override
    public long write(String name, byte[] content) throws IOException {
        FileStore.check(name, content);
        FileStore.Entry e;
        synchronized (this) {
            if (role != OpMode.MASTER) {
                throw new IllegalStateException("shared file " + name + ": only the MASTER writes shared files (this SCM "
                        + (role == null ? "is not serving" : "runs as " + role) + ")");
            }
            FileStore.Entry old = store.read(name);
            e = new FileStore.Entry(name, old == null ? 1 : old.version() + 1, FileStore.sha256(content), content.clone());
            store.put(e);
        }
        push(e);
        return e.version();
    }

    @Override
    public synchronized byte[] read(String name) throws IOException {
        FileStore.Entry e = store.read(name);
        return e == null ? null : e.content().clone();
    }

    @Override
    public synchronized SortedMap<String, Long> versions() {
        SortedMap<String, Long> v = new TreeMap<>();
        try {
            store.list(this::unreadable).forEach((k, e) -> v.put(k, e.version()));
        } catch (IOException e) {
            throw new IllegalStateException("shared files cannot be listed: " + e.getMessage());
        }
        return Collections.unmodifiableSortedMap(v);
    }

    // ---- the peer ----

    private void push(FileStore.Entry e) {
        PeerLink l = link;
        if (node.standalone() || l == null) {
            return;
        }
        byte[] head = ("PUT " + e.name() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = FileStore.encode(e);
        byte[] payload = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, payload, head.length, body.length);
        try {
            l.request(LINK_SERVICE, payload, TIMEOUT);
        } catch (IOException ex) {
            log.info("shared file " + e.name() + " version " + e.version() + " not sent to the peer (" + ex.getMessage()
                    + "): it receives it when it rejoins");
        }
    }

    /**
     * Fetches every file whose version the peer has newer, and every one this SCM cannot read (its copy is
     * cut short or changed): the peer's repairs it. Package-private: the sync thread runs it, tests too.
     */
    void pull() {
        PeerLink l = link;
        if (l == null) {
            return;
        }
        try {
            String list = new String(l.request(LINK_SERVICE, "LIST\n".getBytes(StandardCharsets.UTF_8), TIMEOUT),
                    StandardCharsets.UTF_8);
            int fetched = 0;
            for (String line : list.split("\n")) {
                String[] f = line.split(" ");
                if (f.length != 2 || Thread.currentThread().isInterrupted()) {
                    continue;
                }
                long theirs = Long.parseLong(f[1]);
                FileStore.Entry mine;
                synchronized (this) {
                    mine = readOrMissing(f[0]);
                }
                if (mine != null && mine.version() >= theirs) {
                    continue;
                }
                byte[] bytes = l.request(LINK_SERVICE, ("GET " + f[0] + "\n").getBytes(StandardCharsets.UTF_8), TIMEOUT);
                FileStore.Entry e = FileStore.decode(f[0], bytes, "the peer's shared file " + f[0]);
                if (keep(e)) {
                    fetched++;
                }
            }
            if (fetched > 0) {
                log.info("shared files: " + fetched + " received from the peer");
            }
        } catch (IOException | RuntimeException e) {
            log.info("shared files not synchronised with the peer now (" + e.getMessage() + "); again at the next"
                    + " transition");
        }
    }

    /** @return whether the entry was newer (or this SCM's copy unreadable) and is kept */
    private synchronized boolean keep(FileStore.Entry e) throws IOException {
        FileStore.Entry mine;
        boolean repair = false;
        try {
            mine = store.read(e.name());
        } catch (IOException unreadable) {
            mine = null;
            repair = true;
        }
        if (mine != null && mine.version() >= e.version()) {
            return false;
        }
        store.put(e);
        if (repair) {
            log.warn("shared file " + e.name() + ": this SCM's unreadable copy replaced by the peer's version " + e.version());
        }
        return true;
    }

    /**
     * @return this SCM's copy of a file the peer has, or {@code null} when it has none or cannot read it:
     *     then the peer's replaces it
     */
    private FileStore.Entry readOrMissing(String name) {
        try {
            return store.read(name);
        } catch (IOException e) {
            log.warn("shared file " + name + ": this SCM's copy cannot be read (" + e.getMessage() + "): taken as"
                    + " missing, the peer's replaces it");
            return null;
        }
    }

    private void unreadable(String name, IOException e) {
        log.warn("shared file " + name + " cannot be read (" + e.getMessage() + "): left out of the list (the peer's"
                + " copy replaces it at this SCM's next sync)");
    }

    @Override
    public byte[] handle(byte[] payload) throws Exception {
        int nl = -1;
        for (int i = 0; i < payload.length && i < 256; i++) {
            if (payload[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (nl < 0) {
            throw new IllegalArgumentException("shared files message without a header line");
        }
        String[] head = new String(payload, 0, nl, StandardCharsets.UTF_8).split(" ");
        switch (head[0]) {
            case "LIST" -> {
                StringBuilder sb = new StringBuilder();
                synchronized (this) {
                    store.list(this::unreadable)
                            .forEach((k, e) -> sb.append(k).append(' ').append(e.version()).append('\n'));
                }
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            case "GET" -> {
                FileStore.Entry e;
                synchronized (this) {
                    e = head.length == 2 ? store.read(head[1]) : null;
                }
                if (e == null) {
                    throw new IllegalArgumentException("no shared file " + (head.length == 2 ? head[1] : ""));
                }
                return FileStore.encode(e);
            }
            case "PUT" -> {
                if (head.length != 2) {
                    throw new IllegalArgumentException("PUT needs the file's name");
                }
                FileStore.Entry e = FileStore.decode(head[1], Arrays.copyOfRange(payload, nl + 1, payload.length),
                        "shared file " + head[1] + " from the peer");
                boolean kept = keep(e);
                return (kept ? "stored " + e.version() : "kept the newer") .getBytes(StandardCharsets.UTF_8);
            }
            default -> throw new IllegalArgumentException("unknown shared files message '" + head[0] + "'");
        }
    }
}
