package org.hasm.nas.nfs.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.dcache.oncrpc4j.rpc.OncRpcProgram;
import org.dcache.oncrpc4j.rpc.RpcDispatchable;
import org.hasm.spi.health.RequestTally;

/**
 * One personality served over NFS: its exports (with their volumes' file ids and reply caches) and
 * one ONC RPC server per address and port, each answering NFS, MOUNT, NLM, NSM and the portmapper, so a
 * client finds every program on whichever of the personality's ports it asks ({@link RpcTcpServer}). A
 * call that reads runs on the thread that read it when nothing else of its connection waits, every other on
 * the personality's own worker threads, {@code hasm-nfs-<personality>-N} (daemons); closing the personality
 * stops its servers (waiting for the calls their threads carry out), then its workers, with a bounded wait.
 */
final class NfsPersonality implements NfsProgram.Exports, MountProgram.Exports {
    private static final long STOP_MS = 2_000;

    /** The address or a port was taken between hasm's check and the bind. */
    static final class AddressTaken extends Exception {
        private static final long serialVersionUID = 1L;

        AddressTaken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final NfsPlan plan;
    private final Map<String, VolumeState> volumes = new LinkedHashMap<>();
    private final Map<Long, ExportState> exports = new LinkedHashMap<>();
    /**
     * Connections each server accepts at most (a reader thread and a 16 KiB buffer each); past it a new one
     * is closed at once.
     */
    static final int MAX_CONNECTIONS = 1024;
    /** Large direct buffers the personality's connections borrow for a record larger than their own. */
    private static final int RECORD_BUFFERS = 8;

    private final List<RpcTcpServer> servers = new ArrayList<>();
    private final DirectBuffers records = new DirectBuffers(RECORD_BUFFERS, RpcTcpServer.MAX_RECORD);
    private final ExecutorService workers;
    private final Events events;
    private NfsProgram nfs;
    private Locks locks;

    private NfsPersonality(NfsPlan plan, NfsSettings settings, Events events) {
        this.plan = plan;
        this.events = events;
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(settings.workerThreads(), settings.workerThreads(),
                30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "hasm-nfs-" + plan.personality() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        this.workers = pool;
    }

    /**
     * Opens the exports and listens on every address and port of the plan.
     *
     * @throws NfsPlan.NotServable if an export's volume state cannot be read or written
     * @throws AddressTaken if a bind failed; nothing stays open then
     */
    static NfsPersonality open(NfsPlan plan, NfsSettings settings, Volumes volumes, Handles handles,
            LongSupplier incarnation, Events events, RequestTally requests) throws NfsPlan.NotServable, AddressTaken {
        NfsPersonality s = new NfsPersonality(plan, settings, events);
        try {
            s.openExports(settings, volumes);
            s.nfs = new NfsProgram(s, handles, incarnation, events, requests);
            s.locks = new Locks(plan.personality(), s.exports.values().iterator().next().volume,
                    List.copyOf(s.volumes.values()), settings.nlm(), events);
            s.listen();
            return s;
        } catch (NfsPlan.NotServable | AddressTaken | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void openExports(NfsSettings settings, Volumes vols) throws NfsPlan.NotServable {
        for (NfsPlan.ExportPlan e : plan.exports()) {
            try {
                VolumeState v = volumes.get(e.volume());
                if (v == null) {
                    v = new VolumeState(vols, e.volume(), e.root(), settings, events);
                    volumes.put(e.volume(), v);
                }
                v.exported(e.folder());
                ExportState x = new ExportState(plan.personality(), e.name(), v, e.folder(), e.readOnly(), e.access());
                exports.put(x.id, x);
            } catch (IOException ex) {
                throw new NfsPlan.NotServable("personality " + plan.personality() + ", export " + e.name()
                        + ": cannot open the NFS state of volume " + e.volume() + ": " + ex.getMessage());
            }
        }
    }

    private void listen() throws AddressTaken {
        List<PortmapProgram.Mapping> mappings = List.of(
                new PortmapProgram.Mapping(Nfs3.PROGRAM, Nfs3.VERSION, plan.nfsPort()),
                new PortmapProgram.Mapping(Nfs3.MOUNT_PROGRAM, Nfs3.MOUNT_VERSION, plan.mountPort()),
                new PortmapProgram.Mapping(Nfs3.MOUNT_PROGRAM, 1, plan.mountPort()),
                new PortmapProgram.Mapping(Nlm4.PROGRAM, Nlm4.VERSION, plan.nfsPort()),
                new PortmapProgram.Mapping(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION, plan.nfsPort()));
        MountProgram mount = new MountProgram(this);
        NlmProgram nlm = new NlmProgram(nfs, this, locks, events);
        NsmProgram nsm = new NsmProgram(this, locks, events);
        PortmapProgram portmap = new PortmapProgram(mappings);
        Map<OncRpcProgram, RpcDispatchable> programs = new LinkedHashMap<>();
        programs.put(new OncRpcProgram(Nfs3.PROGRAM, Nfs3.VERSION), nfs);
        programs.put(new OncRpcProgram(Nfs3.MOUNT_PROGRAM, Nfs3.MOUNT_VERSION), mount);
        programs.put(new OncRpcProgram(Nfs3.MOUNT_PROGRAM, 1), mount);
        programs.put(new OncRpcProgram(Nfs3.PORTMAP_PROGRAM, Nfs3.PORTMAP_VERSION), portmap);
        programs.put(new OncRpcProgram(Nlm4.PROGRAM, Nlm4.VERSION), nlm);
        programs.put(new OncRpcProgram(Nlm4.NSM_PROGRAM, Nlm4.NSM_VERSION), nsm);
        for (String address : plan.addresses()) {
            for (int port : plan.ports()) {
                RpcTcpServer svc = new RpcTcpServer("hasm-nfs-" + plan.personality() + "-" + port,
                        new InetSocketAddress(address, port), programs, workers, records, NfsPersonality::inline, MAX_CONNECTIONS,
                        RpcTcpServer.STALL_MS, events);
                try {
                    svc.start();
                } catch (IOException | RuntimeException e) {
                    throw new AddressTaken("personality " + plan.personality() + ": cannot listen on " + address
                            + ":" + port + ": " + e.getMessage(), e);
                }
                servers.add(svc);
            }
        }
    }

    /**
     * The calls a connection's reading thread carries out itself, with no hand-off to a worker: NFS's that
     * read and force nothing. Every call that changes something (and may force: WRITE, COMMIT, the namespace,
     * SETATTR), and the other programs', goes to the workers, so none of them holds back the connection's
     * next calls, and the drain at close covers each one that keeps a reply.
     */
    static boolean inline(int program, int procedure) {
        if (program != Nfs3.PROGRAM) {
            return false;
        }
        return switch (procedure) {
            case Nfs3.NULL, Nfs3.GETATTR, Nfs3.LOOKUP, Nfs3.ACCESS, Nfs3.READLINK, Nfs3.READ, Nfs3.READDIR,
                    Nfs3.READDIRPLUS, Nfs3.FSSTAT, Nfs3.FSINFO, Nfs3.PATHCONF -> true;
            default -> false;
        };
    }

    NfsPlan plan() {
        return plan;
    }

    /**
     * This SCM serves the personality from now on, or was told so again (an opMode: a volume may have changed
     * hands meanwhile): its lock state is read without waiting for a lock request, off the caller's thread
     * ({@link Locks#serve()}).
     */
    void serveLocks() {
        locks.serve();
    }

    /** @return address:port of every server listening */
    List<String> listening() {
        List<String> out = new ArrayList<>();
        for (String a : plan.addresses()) {
            for (int p : plan.ports()) {
                out.add(a + ":" + p);
            }
        }
        return out;
    }

    @Override
    public ExportState byId(long id) {
        return exports.get(id);
    }

    @Override
    public List<ExportState> all() {
        return List.copyOf(exports.values());
    }

    @Override
    public byte[] folderHandle(ExportState export, List<String> below) throws IOException {
        return nfs.folderHandle(export, below);
    }

    /** Stops listening, closes every connection, ends the workers and closes the volumes' state. */
    void close() {
        for (RpcTcpServer svc : servers) {
            svc.close(STOP_MS);
        }
        servers.clear();
        // Requests already taken finish undisturbed: an interrupt would close the channel a worker forces (a
        // reply cache record, a file's data) under it, and a request carried out would lose the record that
        // answers its retransmission on the new owner. Only workers that overrun the drain are interrupted.
        workers.shutdown();
        try {
            if (!workers.awaitTermination(STOP_MS, TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
                events.warn("personality " + plan.personality() + ": NFS workers still busy after " + STOP_MS
                        + " ms: interrupted");
                if (!workers.awaitTermination(STOP_MS, TimeUnit.MILLISECONDS)) {
                    events.warn("personality " + plan.personality() + ": NFS workers still busy after another "
                            + STOP_MS + " ms");
                }
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (locks != null) {
            locks.close();
        }
        for (VolumeState v : volumes.values()) {
            try {
                v.close();
            } catch (IOException e) {
                events.warn("volume " + v.name() + ": closing the NFS reply cache: " + e.getMessage());
            }
        }
    }
}
