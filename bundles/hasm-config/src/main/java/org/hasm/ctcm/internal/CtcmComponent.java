package org.hasm.ctcm.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hasm.spi.HaContext;
import org.hasm.spi.HaController;
import org.hasm.spi.HaException;
import org.hasm.spi.HaModule;
import org.hasm.spi.HaModuleProperties;
import org.hasm.spi.OpMode;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.config.Commit;
import org.hasm.spi.config.Fingerprint;
import org.hasm.spi.config.PairConfiguration;
import org.hasm.spi.config.ProposalCheck;
import org.hasm.spi.node.Node;
import org.hasm.spi.peer.LinkHandler;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.storage.VolumeManager;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * CTCM: configuration transactions of the pair. A HASM module (rank 25: after the link, which it asks
 * the peer through, before the storage and the services, which must boot with the configuration it
 * settled), the {@link PairConfiguration} service, and the link service {@value #LINK_SERVICE}.
 *
 * <p>At {@code init} it settles this SCM's configuration ({@link PowerUp}): current, go on; stale,
 * restore it from the replica or the peer and have the controller RESET, so that everything boots with
 * it; corrupt or contradictory, fail with the reason (the controller puts the SCM in MONITOR).
 *
 * <p>Which thread does what: the controller calls the lifecycle; the admin API calls {@link #commit}
 * and the readers; the link calls {@link #handle}. Everything that touches the database holds
 * {@code this}.
 */
@Component(service = {HaModule.class, LinkHandler.class, PairConfiguration.class}, configurationPid = CtcmComponent.PID,
        immediate = true, property = LinkHandler.SERVICE + "=" + CtcmComponent.LINK_SERVICE)
@HaModuleProperties(name = "config", tier = Tier.HASM, rank = 25)
@Designate(ocd = CtcmConfig.class)
public class CtcmComponent implements HaModule, LinkHandler, PairConfiguration {

    static final String PID = "org.hasm.ctcm";
    static final String REPLICA_DIR = "replica.dir";
    static final String LINK_SERVICE = "ctcm";
    /** Where the launcher says each configuration comes from (the node's check names it in its messages). */
    static final String SOURCE = "hasm.config.source";
    /** The replica's file name in its folder. */
    static final String REPLICA = "db";

    @Reference(service = LoggerFactory.class)
    private Logger log;

    @Reference
    private Node node;

    @Reference
    private ConfigurationAdmin configAdmin;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    // the storage module: where the shared storage is (the replica's default folder); registered before any
    // module's init, as every module is (the controller waits for all of them)
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile VolumeManager storage;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ProposalCheck proposals;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HaController controller;

    private static final long JOIN_MS = 5000;
    private final Clock clock = Clock.systemUTC();
    /**
     * Sends a transaction to the peer while this SCM commits it, and writes the transaction history after
     * the commit answered (set in activate, stopped in deactivate): the history is the operator's record,
     * and its forced writes need not make a commit wait.
     */
    private ExecutorService sender;
    /** Compares this SCM's generation with the replica's now and then (set in activate, stopped in deactivate). */
    private ScheduledExecutorService catchUps;
    private volatile CtcmConfig config;
    private volatile Path nodeDir;

    // Guarded by this.
    private LocalDatabase db;
    /** The pair's files as settled at init: what a configuration this SCM did not make may hold. */
    private PairFiles pair;
    /** Why a catch-up last refused the replica, so that it is logged once, not at every check. */
    private String refusedReplica;
    /** Written on the sender's thread only ({@link #record}); read under this once that queue is drained. */
    private History history;
    private Snapshot committed;
    /**
     * This SCM's configuration as its database holds it, settled or not: what the peer is told at its
     * power-up, so that two contradictory SCMs both see it (null when the database is corrupt).
     */
    private Fingerprint known;
    private HaContext context;
    /** This SCM's database as read at power-up, before the decision. */
    private Snapshot local0;
    /** The role of the last opMode; null before the first and after stop (not serving). */
    private OpMode role;

    @Activate
    void activate(CtcmConfig cfg, BundleContext bundleContext) {
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hasm-ctcm-peer");
            t.setDaemon(true);
            return t;
        });
        // A thread of its own: a catch-up waits for this component's lock, which a commit holds while it waits
        // for the sender (on the sender's thread, it held up the very send the commit waited for).
        catchUps = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hasm-ctcm-catchup");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, cfg.catchup_interval_ms());
        catchUps.scheduleWithFixedDelay(() -> catchUp("found at the periodic check"), every, every, TimeUnit.MILLISECONDS);
        String dir = bundleContext.getProperty("hasm.node.dir");
        this.nodeDir = dir == null || dir.isBlank() ? null : Path.of(dir);
        this.config = cfg;
    }

    @Deactivate
    void deactivate() {
        // history records still queued are written; a send to the peer is bounded by the link's timeout
        catchUps.shutdownNow();
        sender.shutdown();
        try {
            if (!catchUps.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                log.warn("CTCM: the catch-up thread did not stop within " + JOIN_MS + " ms");
            }
            if (!sender.awaitTermination(JOIN_MS, TimeUnit.MILLISECONDS)) {
                sender.shutdownNow();
                log.warn("CTCM: the thread sending to the peer did not stop within " + JOIN_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Modified
    void modified(CtcmConfig cfg) {
        // the pair files and the replica are settled at the next init; the timeout counts at once
        this.config = cfg;
    }

    // ---- the lifecycle ----

    @Override
    public void init(HaContext ctx) throws HaException {
        PowerUp.Side local = settleLocal(ctx);
        // the peer is asked without holding this: its CTCM, booting too, asks this one at the same time
        PowerUp.Side fromPeer = local.intact() ? askPeer(local.fingerprint()) : PowerUp.Side.unknown();
        decide(local, fromPeer);
    }

    /** Reads (and recovers) this SCM's database; creates it from the installed files the first time. */
    private synchronized PowerUp.Side settleLocal(HaContext ctx) throws HaException {
        this.context = ctx;
        this.role = null;
        this.committed = null;
        this.known = null;
        CtcmConfig cfg = config;
        if (nodeDir == null) {
            throw new HaException("the framework property hasm.node.dir is not set: the configuration database needs the"
                    + " node folder (bin/hasm run sets it)");
        }
        String replicaDir = CtcmCheck.replicaDirProblem(cfg.replica_dir());
        if (replicaDir != null) {
            throw new HaException("configuration " + PID + ": " + REPLICA_DIR + "=" + replicaDir);
        }
        pair = new PairFiles(List.of(cfg.pair_files()));
        refusedReplica = null;
        db = new LocalDatabase(node.dataDir().resolve("config"), nodeDir.resolve("etc"), pair, node.scm());
        history = new History(node.dataDir().resolve("config").resolve("history"), cfg.history_size(), node.scm());
        sweepHistory(history);
        PowerUp.Side local;
        Snapshot mine = null;
        try {
            LocalDatabase.Recovery recovery = db.recover();
            mine = recovery.committed();
            if (recovery.completed()) {
                applyRecovered(recovery);
            }
            if (mine == null) {
                mine = new Snapshot(0, db.files());
                db.commit(mine);
                log.info("configuration database created from the installed files: " + mine);
            }
            List<String> edits = db.handEdits(mine);
            local = edits.isEmpty() ? PowerUp.Side.intact(mine.fingerprint())
                    : PowerUp.Side.corrupt(String.join("; ", edits) + " (changed by hand: undo the edit, or make the"
                            + " change with hasmctl config set)");
        } catch (IllegalArgumentException e) {
            local = PowerUp.Side.corrupt(e.getMessage());
        } catch (IOException e) {
            throw new HaException("configuration database in " + db.db().getParent() + ": " + e.getMessage(), e);
        }
        known = local.intact() ? local.fingerprint() : null;
        local0 = mine;
        return local;
    }

    /**
     * A commit a crash interrupted was completed on disk, after the launcher had loaded the files as they
     * were: Configuration Admin gets the files it changed now, before anything serves with the old values.
     */
    private void applyRecovered(LocalDatabase.Recovery recovery) {
        java.util.SortedSet<String> changed = recovery.changed();
        log.warn("configuration " + recovery.committed() + ": a commit interrupted by a crash completed at this start"
                + (changed.isEmpty() ? "; its files were all written already"
                        : "; applying the files it changed: " + changed));
        applyAll(recovery.replaced(), recovery.committed());
    }

    /** Removes, on the thread that writes the history, the temporary files a write this SCM died in left there. */
    private void sweepHistory(History h) {
        try {
            sender.execute(() -> {
                try {
                    int n = h.removeTemporaries();
                    if (n > 0) {
                        log.info("transaction history: " + n + " temporary file(s) of an interrupted write removed");
                    }
                } catch (IOException e) {
                    log.warn("transaction history: temporary files not removed: " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: the next start removes them
        }
    }

    /**
     * @throws HaException naming the file key and where the configuration came from, when it holds a file
     *     that is not one of this node's pair files
     */
    private void requirePairFiles(Snapshot s, String from) throws HaException {
        try {
            pair.requirePairFiles(s, from);
        } catch (IllegalArgumentException e) {
            throw new HaException(e.getMessage() + "; this SCM keeps generation " + local0.generation(), e);
        }
    }

    /** The power-up decision, and what it says to do. */
    private synchronized void decide(PowerUp.Side local, PowerUp.Side fromPeer) throws HaException {
        Snapshot mine = local0;
        Path replica;
        try {
            replica = replicaFile();
        } catch (IllegalStateException e) {
            throw new HaException("configuration power-up: " + e.getMessage(), e);
        }
        sweepReplica(replica);
        PowerUp.Side fromReplica = readReplica(replica);
        PowerUp.Decision d = PowerUp.decide(local, fromReplica, fromPeer, node.configuredRole() == OpMode.SLAVE);
        switch (d.verdict()) {
            case CURRENT -> {
                committed = mine;
                log.info("configuration " + mine + ": " + d.reason() + " (replica " + describe(fromReplica) + ", peer "
                        + describe(fromPeer) + ")");
                if (d.refreshReplica() && replica != null) {
                    writeReplica(replica, mine);
                }
            }
            case STALE -> {
                Snapshot restored = fetch(d.from(), replica);
                // refused whole, before anything is written: init fails, the SCM goes to MONITOR with the reason
                requirePairFiles(restored, d.from() == PowerUp.Source.REPLICA ? "the replica " + replica
                        : "the peer " + node.peer() + " (restore at power-up)");
                try {
                    Snapshot before = mine;
                    db.commit(restored);
                    committed = restored;
                    applyAll(before, restored);
                } catch (IOException e) {
                    throw new HaException("configuration restore from the " + d.from() + " failed: " + e.getMessage(), e);
                }
                known = restored.fingerprint();
                String why = "configuration restored: " + d.reason() + " (" + restored + "); RESET to boot with it";
                log.warn(why);
                HaController c = controller;
                if (c != null) {
                    try {
                        c.reset(why);
                    } catch (IllegalStateException e) {
                        // the configuration is in place: the next boot of any kind takes it
                        log.error("the controller refused the RESET (" + e.getMessage() + "): restart this SCM to boot"
                                + " with the restored configuration");
                    }
                } else {
                    log.error("no controller to RESET this SCM: restart it to boot with the restored configuration");
                }
            }
            case CORRUPT, CONTRADICTORY -> {
                committed = null;
                throw new HaException("configuration " + d.verdict().name().toLowerCase(java.util.Locale.ROOT) + ": "
                        + d.reason());
            }
        }
    }

    @Override
    public void test() {
        // init settled the configuration; nothing more to prove
    }

    @Override
    public synchronized void opMode(OpMode mode, SysConfig sysConfig) {
        role = mode;
    }

    @Override
    public synchronized void stop() {
        role = null;
    }

    @Override
    public synchronized void shutDown() {
        role = null;
    }

    // ---- the pair's configuration ----

    @Override
    public synchronized Fingerprint fingerprint() {
        requireSettled();
        return committed.fingerprint();
    }

    @Override
    public synchronized SortedMap<String, SortedMap<String, String>> configurations() {
        requireSettled();
        SortedMap<String, SortedMap<String, String>> result = new TreeMap<>();
        committed.files().forEach((k, v) -> result.put(k, Collections.unmodifiableSortedMap(
                PairFiles.properties(v, db.file(k).toString()))));
        return Collections.unmodifiableSortedMap(result);
    }

    @Override
    public Commit commit(String file, Map<String, String> changes, String by) {
        long started = System.nanoTime();
        Commit done;
        Snapshot next;
        synchronized (this) {
            requireSettled();
            if (role == null) {
                throw new IllegalStateException("this SCM is not serving (booting, stopped or in MONITOR): a configuration"
                        + " transaction needs a running MASTER");
            }
            if (role == OpMode.SLAVE) {
                throw new IllegalStateException("this SCM runs as SLAVE: only the MASTER commits configuration"
                        + " transactions");
            }
            if (changes.isEmpty()) {
                throw new IllegalArgumentException("no key to set in " + file);
            }
            // a MASTER that missed a generation (it was the SLAVE then) takes it first: the next one follows it
            catchUp("before a commit");
            PairFiles pair = new PairFiles(List.of(config.pair_files()));
            pair.requirePair(file);
            byte[] before = committed.files().get(file);
            byte[] after = PairFiles.edit(before, changes);
            if (Arrays.equals(before, after)) {
                throw new IllegalArgumentException(file + " already has " + changes + ": nothing to commit");
            }
            String where = db.file(file).toString();
            PairFiles.properties(after, where);
            ProposalCheck check = proposals;
            if (check == null) {
                throw new IllegalStateException("the node's configuration check is not available: nothing committed");
            }
            List<String> problems = check.check(Map.of(file, properties(file, before, after)), Map.of(file, where));
            long checked = System.nanoTime();
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", problems));
            }
            next = committed.with(committed.generation() + 1, file, after);
            if (next.encode().length > Snapshot.MAX_LINK_BYTES) {
                throw new IllegalArgumentException("the configuration would be " + next.encode().length + " bytes, more"
                        + " than the " + Snapshot.MAX_LINK_BYTES + " a transaction can send to the peer");
            }
            Path replica = replicaFile();
            if (replica != null) {
                try {
                    AtomicFiles.write(replica, next.encode(), node.scm());
                } catch (IOException e) {
                    throw new IllegalStateException("the replica cannot be written, nothing committed: " + e.getMessage());
                }
            }
            long replicated = System.nanoTime();
            List<String> reset = needsReset(file, changes.keySet()) ? List.of(file) : List.of();
            Commit c = new Commit(next.fingerprint(), clock.instant(), by, file,
                    Collections.unmodifiableMap(new LinkedHashMap<>(changes)), "", reset);
            // the replica holds the transaction durably: the peer applies it while this SCM writes its own
            Future<String> toPeer = sendToPeerAsync(c, next);
            try {
                db.commit(next);
            } catch (IOException e) {
                throw new IllegalStateException("generation " + next.generation() + " is in the replica, but this SCM's"
                        + " database failed (" + e.getMessage() + "): RESET this SCM to restore it from the replica");
            }
            committed = next;
            known = next.fingerprint();
            apply(file, before, after);
            long local = System.nanoTime();
            String peer = peerAnswer(toPeer);
            long sent = System.nanoTime();
            done = new Commit(c.fingerprint(), c.time(), by, file, c.changes(), peer, reset);
            record(done);
            log.info("configuration transaction " + next + " by " + by + ": " + file + " " + changes + "; peer: " + peer
                    + (reset.isEmpty() ? "" : "; takes effect at the next RESET: " + reset) + " ("
                    + ms(started, System.nanoTime()) + " ms: check " + ms(started, checked) + ", replica "
                    + ms(checked, replicated) + ", database and apply " + ms(replicated, local) + ", then the peer " + ms(local, sent)
                    + ")");
        }
        return done;
    }

    @Override
    public synchronized List<Commit> history() {
        requireSettled();
        drainRecords();
        try {
            return history.list();
        } catch (IOException e) {
            throw new IllegalStateException("transaction history cannot be read: " + e.getMessage());
        }
    }

    @Override
    public List<String> diff() {
        Snapshot mine;
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            requireSettled();
            mine = committed;
            try {
                lines.addAll(db.handEdits(mine));
            } catch (IOException e) {
                lines.add("the files in " + db.etc() + " cannot be read: " + e.getMessage());
            }
        }
        PeerLink l = link;
        if (node.standalone() || l == null) {
            return lines;
        }
        Snapshot theirs;
        try {
            byte[] answer = l.request(LINK_SERVICE, "GET\n".getBytes(StandardCharsets.UTF_8), timeout());
            theirs = Snapshot.decode(answer, "the peer's configuration");
        } catch (IOException | IllegalArgumentException e) {
            lines.add("the peer's configuration cannot be compared: " + e.getMessage());
            return lines;
        }
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(mine.files().keySet());
        keys.addAll(theirs.files().keySet());
        for (String k : keys) {
            lines.addAll(PairFiles.differences(k, mine.files().get(k), node.scm() + " (" + mine + ")",
                    theirs.files().get(k), node.peer() + " (" + theirs + ")"));
        }
        return lines;
    }

    private void requireSettled() {
        if (committed == null) {
            throw new IllegalStateException("this SCM's configuration is not settled (it is booting, or in MONITOR for a"
                    + " corrupt or contradictory configuration: see its status)");
        }
    }

    // ---- the peer ----

    @Override
    public byte[] handle(byte[] payload) throws Exception {
        int nl = indexOf(payload, (byte) '\n');
        if (nl < 0) {
            throw new IllegalArgumentException("CTCM message without a header line");
        }
        String[] head = new String(payload, 0, nl, StandardCharsets.UTF_8).split(" ");
        byte[] body = Arrays.copyOfRange(payload, nl + 1, payload.length);
        switch (head[0]) {
            case "FINGERPRINT" -> {
                if (head.length != 2) {
                    throw new IllegalArgumentException("FINGERPRINT needs the asker's fingerprint");
                }
                return (peerAsks(Fingerprint.parse(head[1])) + "\n").getBytes(StandardCharsets.UTF_8);
            }
            case "GET" -> {
                synchronized (this) {
                    requireSettled();
                    return committed.encode();
                }
            }
            case "APPLY" -> {
                int historyLength = head.length == 2 ? Integer.parseInt(head[1]) : -1;
                if (historyLength < 0 || historyLength > body.length) {
                    throw new IllegalArgumentException("APPLY needs the length of its transaction record");
                }
                Commit c = History.decode(Arrays.copyOf(body, historyLength), "the MASTER's transaction record");
                Snapshot s = Snapshot.decode(Arrays.copyOfRange(body, historyLength, body.length),
                        "the MASTER's configuration");
                return applyFromMaster(c, s).getBytes(StandardCharsets.UTF_8);
            }
            default -> throw new IllegalArgumentException("unknown CTCM message '" + head[0] + "'");
        }
    }

    /**
     * The peer asks at its power-up. A peer whose configuration contradicts this one, or is newer,
     * makes this SCM boot again (RESET), so that both come to the same decision.
     */
    private synchronized String peerAsks(Fingerprint theirs) {
        if (known == null) {
            throw new IllegalStateException("this SCM's configuration database is not readable (see its status)");
        }
        Fingerprint mine = known;
        boolean contradicts = theirs.generation() == mine.generation() && !theirs.checksum().equals(mine.checksum())
                && mine.generation() > 0;
        boolean newer = theirs.generation() > mine.generation();
        if ((contradicts || newer) && role != null && context != null) {
            String why = contradicts ? "the peer's configuration contradicts this SCM's at generation " + mine.generation()
                    + " (field checksum " + mine.checksum() + " here, " + theirs.checksum() + " on the peer)"
                    : "the peer has a newer configuration (generation " + theirs.generation() + ", this SCM "
                            + mine.generation() + ")";
            log.error(why + ": booting again to settle it");
            context.panic(why);
        }
        return mine.toString();
    }

    private synchronized String applyFromMaster(Commit c, Snapshot s) throws IOException {
        if (committed == null) {
            throw new IllegalStateException("this SCM's configuration is not settled: it takes the configuration when it"
                    + " boots");
        }
        if (s.generation() == committed.generation() && s.fingerprint().equals(committed.fingerprint())) {
            // the periodic catch-up read this very transaction from the replica a moment before: applied here
            return "applied";
        }
        if (s.generation() <= committed.generation()) {
            return "already at generation " + committed.generation();
        }
        try {
            pair.requirePairFiles(s, "the peer " + node.peer() + " (APPLY)");
        } catch (IllegalArgumentException e) {
            // the MASTER's answer says it; this SCM keeps its generation and stays as it is
            log.error(e.getMessage());
            return "refused: " + e.getMessage();
        }
        if (s.generation() != committed.generation() + 1) {
            log.warn("configuration generation " + s.generation() + " from the MASTER skips from " + committed.generation());
        }
        Snapshot before = committed;
        db.commit(s);
        committed = s;
        known = s.fingerprint();
        applyAll(before, s);
        record(new Commit(c.fingerprint(), c.time(), c.by(), c.file(), c.changes(), "applied", c.resetNeeded()));
        log.info("configuration transaction " + s + " from the MASTER applied: " + c.file() + " " + c.changes());
        return "applied";
    }

    /**
     * A serving SCM whose configuration is behind the replica's takes the replica's, live, as an APPLY from
     * the MASTER would have given it: the SLAVE missed a transaction while the link was down, or the MASTER
     * that committed it died before telling it. A replica that cannot be read, or is not newer, changes nothing
     * (contradictions are the power-up's to judge); nor does one refused (changed, or holding a file that is
     * not this node's pair file), which is logged once. Package-private: the catch-up thread runs it, tests too.
     */
    synchronized void catchUp(String when) {
        if (committed == null || role == null) {
            return;
        }
        Path replica;
        try {
            replica = replicaFile();
        } catch (IllegalStateException e) {
            log.debug("configuration catch-up: " + e.getMessage());
            return;
        }
        if (replica == null) {
            return;
        }
        Snapshot newer;
        try {
            byte[] bytes = AtomicFiles.read(replica, Snapshot.MAX_BYTES);
            if (bytes == null) {
                return;
            }
            newer = Snapshot.decode(bytes, "the replica " + replica);
        } catch (IOException e) {
            log.debug("configuration catch-up: the replica cannot be read now (" + e.getMessage() + ")");
            return;
        } catch (IllegalArgumentException e) {
            refuseReplica(when, e.getMessage());
            return;
        }
        if (newer.generation() <= committed.generation()) {
            return;
        }
        try {
            pair.requirePairFiles(newer, "the replica " + replica);
        } catch (IllegalArgumentException e) {
            refuseReplica(when, e.getMessage());
            return;
        }
        Snapshot before = committed;
        try {
            db.commit(newer);
        } catch (IOException e) {
            log.error("configuration generation " + newer.generation() + " is in the replica but cannot be written here ("
                    + e.getMessage() + "): tried again at the next check");
            return;
        }
        committed = newer;
        known = newer.fingerprint();
        applyAll(before, newer);
        List<String> changed = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(newer.files().keySet())) {
            if (!Arrays.equals(before.files().get(k), newer.files().get(k))) {
                changed.add(k);
            }
        }
        record(new Commit(newer.fingerprint(), clock.instant(), "the replica", String.join(",", changed), Map.of(),
                "caught up from generation " + before.generation(), List.of()));
        log.warn("configuration caught up from the replica (" + when + "): generation " + before.generation() + " -> "
                + newer + ", files " + changed + "; a transaction had not reached this SCM");
    }

    /** A replica whose content is refused (changed, or a file that is not the pair's) is never applied: said once. */
    private void refuseReplica(String when, String why) {
        if (!why.equals(refusedReplica)) {
            refusedReplica = why;
            log.error("configuration catch-up (" + when + "): " + why + "; this SCM stays at generation "
                    + committed.generation());
        }
    }

    private PowerUp.Side askPeer(Fingerprint mine) {
        PeerLink l = link;
        if (node.standalone() || l == null) {
            return PowerUp.Side.unknown();
        }
        try {
            byte[] answer = l.request(LINK_SERVICE, ("FINGERPRINT " + mine + "\n").getBytes(StandardCharsets.UTF_8),
                    timeout());
            return PowerUp.Side.intact(Fingerprint.parse(new String(answer, StandardCharsets.UTF_8).strip()));
        } catch (IOException | IllegalArgumentException e) {
            log.info("the peer's configuration is not known now (" + e.getMessage() + "): settled without it");
            return PowerUp.Side.unknown();
        }
    }

    /** Adds {@code c} to the history on the sender's thread, after the transaction it records is committed. */
    private void record(Commit c) {
        History h = history;
        try {
            sender.execute(() -> {
                try {
                    h.add(c);
                } catch (IOException e) {
                    log.warn("transaction history: " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("transaction history: generation " + c.fingerprint().generation() + " not recorded, the CTCM is"
                    + " stopping");
        }
    }

    /**
     * Waits until the history records already queued are written, so that a reader sees every transaction
     * committed before it asked. Called under this, so no commit queues another meanwhile.
     */
    private void drainRecords() {
        try {
            sender.submit(() -> { }).get(config.peer_timeout_ms() + JOIN_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            log.warn("transaction history: read without waiting for the records still queued (" + e + ")");
        }
    }

    private Future<String> sendToPeerAsync(Commit c, Snapshot s) {
        try {
            return sender.submit(() -> sendToPeer(c, s));
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture("not sent: the CTCM is stopping (it restores the configuration"
                    + " from the replica when it boots)");
        }
    }

    private String peerAnswer(Future<String> answer) {
        try {
            // sendToPeer is bounded by the link's timeout; the margin covers the thread's start
            return answer.get(config.peer_timeout_ms() + JOIN_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown: interrupted while waiting for its answer (it restores the configuration from the replica"
                    + " when it boots, if it did not apply it)";
        } catch (ExecutionException | TimeoutException e) {
            return "unknown (" + e + "): it restores the configuration from the replica when it boots, if it did not"
                    + " apply it";
        }
    }

    private String sendToPeer(Commit c, Snapshot s) {
        PeerLink l = link;
        if (node.standalone()) {
            return "none (standalone)";
        }
        if (l == null) {
            return "not sent: no link (it restores the configuration from the replica when it boots)";
        }
        byte[] record = History.encode(c);
        byte[] snapshot = s.encode();
        byte[] head = ("APPLY " + record.length + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[head.length + record.length + snapshot.length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(record, 0, payload, head.length, record.length);
        System.arraycopy(snapshot, 0, payload, head.length + record.length, snapshot.length);
        try {
            return new String(l.request(LINK_SERVICE, payload, timeout()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "not reached (" + e.getMessage() + "): it restores the configuration from the replica when it boots";
        }
    }

    private Duration timeout() {
        return Duration.ofMillis(config.peer_timeout_ms());
    }

    // ---- the replica ----

    /**
     * @return the replica's file, or {@code null} when there is no shared storage to hold one
     * @throws IllegalStateException when the storage module, which says where the shared storage is, is not
     *     running (updated in place): "no replica" then would commit without one, or judge the power-up without it
     */
    private Path replicaFile() {
        String dir = config.replica_dir();
        if (dir == null || dir.isBlank()) {
            VolumeManager s = storage;
            if (s == null) {
                throw new IllegalStateException("the storage module is not running: where the replica lives (config/"
                        + " in org.hasm.storage's shared.dir) is not known now");
            }
            Path shared = s.sharedFolder();
            dir = shared == null ? null : shared.resolve("config").toString();
        }
        return dir == null ? null : Path.of(dir.strip()).resolve(REPLICA);
    }

    /**
     * Removes the temporary files this SCM left in the replica's folder (a write it died in). Both SCMs write
     * there: the peer's, which may be in the middle of a write, are left alone. Called under this, as every
     * write of the replica here is.
     */
    private void sweepReplica(Path replica) {
        if (replica == null) {
            return;
        }
        try {
            int n = AtomicFiles.removeTemporaries(replica.getParent(), node.scm());
            if (n > 0) {
                log.info("replica: " + n + " temporary file(s) of an interrupted write of this SCM removed from "
                        + replica.getParent());
            }
        } catch (IOException e) {
            log.warn("replica: this SCM's temporary files in " + replica.getParent() + " not removed: " + e.getMessage());
        }
    }

    private PowerUp.Side readReplica(Path replica) {
        if (replica == null) {
            return PowerUp.Side.unknown();
        }
        try {
            byte[] bytes = AtomicFiles.read(replica, Snapshot.MAX_BYTES);
            return bytes == null ? PowerUp.Side.absent()
                    : PowerUp.Side.intact(Snapshot.decode(bytes, "the replica " + replica).fingerprint());
        } catch (IllegalArgumentException e) {
            return PowerUp.Side.corrupt(e.getMessage());
        } catch (IOException e) {
            log.warn("the replica " + replica + " cannot be read (" + e.getMessage() + "): settled without it");
            return PowerUp.Side.unknown();
        }
    }

    private void writeReplica(Path replica, Snapshot s) {
        try {
            AtomicFiles.write(replica, s.encode(), node.scm());
            log.info("replica " + replica + " written: " + s);
        } catch (IOException e) {
            log.warn("the replica cannot be written now: " + e.getMessage());
        }
    }

    private Snapshot fetch(PowerUp.Source from, Path replica) throws HaException {
        try {
            if (from == PowerUp.Source.REPLICA) {
                return Snapshot.decode(AtomicFiles.read(replica, Snapshot.MAX_BYTES), "the replica " + replica);
            }
            PeerLink l = link;
            if (l == null) {
                throw new IOException("no link");
            }
            return Snapshot.decode(l.request(LINK_SERVICE, "GET\n".getBytes(StandardCharsets.UTF_8), timeout()),
                    "the peer's configuration");
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw new HaException("the configuration to restore cannot be read from the " + from + ": " + e.getMessage(), e);
        }
    }

    // ---- Configuration Admin ----

    /** The configuration's properties after the change: Configuration Admin's now, the file's keys replaced. */
    private Map<String, Object> properties(String file, byte[] before, byte[] after) {
        Map<String, Object> p = new LinkedHashMap<>();
        Dictionary<String, Object> now = current(file);
        if (now != null) {
            for (Enumeration<String> e = now.keys(); e.hasMoreElements();) {
                String k = e.nextElement();
                p.put(k, now.get(k));
            }
        }
        if (before != null) {
            PairFiles.properties(before, file).keySet().forEach(p::remove);
        }
        p.putAll(PairFiles.properties(after, file));
        return p;
    }

    private Dictionary<String, Object> current(String file) {
        try {
            Configuration c = configuration(file);
            return c.getProperties();
        } catch (IOException e) {
            throw new IllegalStateException("Configuration Admin cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private Configuration configuration(String file) throws IOException {
        int tilde = file.indexOf('~');
        // "?": bound to no bundle, as the launcher creates them, so any bundle (a new version too) receives it
        return tilde < 0 ? configAdmin.getConfiguration(file, "?")
                : configAdmin.getFactoryConfiguration(file.substring(0, tilde), file.substring(tilde + 1), "?");
    }

    private void apply(String file, byte[] before, byte[] after) {
        try {
            Map<String, Object> p = properties(file, before, after);
            p.put(SOURCE, db.file(file).toString());
            configuration(file).update(new Hashtable<>(p));
        } catch (IOException e) {
            log.error("configuration " + file + " committed but not applied through Configuration Admin (" + e.getMessage()
                    + "): a RESET applies it");
        }
    }

    private void applyAll(Snapshot before, Snapshot after) {
        if (before != null) {
            for (String gone : before.files().keySet()) {
                if (!after.files().containsKey(gone)) {
                    try {
                        configuration(gone).delete();
                    } catch (IOException | IllegalStateException e) {
                        log.error("configuration " + gone + " is not the pair's any more but could not be deleted from"
                                + " Configuration Admin (" + e.getMessage() + "): a restart drops it");
                    }
                }
            }
        }
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(after.files().keySet());
        for (String k : keys) {
            byte[] b = before == null ? null : before.files().get(k);
            if (!Arrays.equals(b, after.files().get(k))) {
                apply(k, b, after.files().get(k));
            }
        }
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }

    /**
     * What a personality serves (its name, home, addresses and volumes) changes at each SCM's next boot;
     * its other keys are its services' parameters, which the controller applies live.
     */
    private static boolean needsReset(String file, java.util.Set<String> keys) {
        return file.startsWith(Node.PERSONALITY_FACTORY_PID + "~")
                && keys.stream().anyMatch(k -> SERVED_KEYS.contains(k));
    }

    /** The keys of a personality that say what is served; see {@link #needsReset}. */
    private static final java.util.Set<String> SERVED_KEYS = java.util.Set.of("name", "home", "addresses", "volumes");

    private static String describe(PowerUp.Side s) {
        return s.intact() ? "generation " + s.fingerprint().generation() : s.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length && i < 256; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
