package org.hasm.admin.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hasm.spi.Call;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.MasterAdmin;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.ModuleStatus;
import org.hasm.spi.OpMode;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;
import org.hasm.spi.Tier;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.StatusMonitor;

/** Plain implementations of the SPI views, filled in by each test: what the admin API renders. */
final class SpiViews {

    private SpiViews() {
    }

    record Pers(String name, String home, List<String> addresses, Map<String, String> properties) implements Personality {
        @Override
        public List<String> volumes() {
            return List.of();
        }

        @Override
        public List<org.hasm.spi.Export> exports(String protocol) {
            return List.of();
        }
    }

    record Module(String name, Tier tier, int rank, String bundle, String version, ModuleStatus status,
            Call lastCall, String lastError, Instant since, Instant inCallSince) implements ModuleInfo {
    }

    record Entry(long sequence, String module, Call call, OpMode opMode, SysConfig sysConfig, Outcome outcome,
            String error, Instant started, long millis, String bundle, String version) implements CallRecord {
        Entry(long sequence, String module, Call call, OpMode opMode, SysConfig sysConfig, Outcome outcome,
                String error, Instant started, long millis) {
            this(sequence, module, call, opMode, sysConfig, outcome, error, started, millis, null, null);
        }
    }

    record Channel(String name, ChannelStatus status, long sent, long received, long missed, long rejected,
            long errors, int counter, String note) implements ChannelView {
        Channel(String name, ChannelStatus status, long sent, long received, long missed, long rejected, long errors,
                int counter) {
            this(name, status, sent, received, missed, rejected, errors, counter, null);
        }
    }

    record Peer(String scm, boolean alive, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation,
            Instant lastHeard) implements PeerView {
    }

    record Monitor(List<ChannelView> channels, PeerView peer, org.hasm.spi.peer.FenceView fence,
            org.hasm.spi.storage.FenceAgent.Readiness readiness) implements StatusMonitor {
        Monitor(List<ChannelView> channels, PeerView peer) {
            this(channels, peer, new org.hasm.spi.peer.FenceView("scm-a", "scm-b", "none", 5000, 3000, List.of(), null),
                    new org.hasm.spi.storage.FenceAgent.Readiness(false, "agent none fences nothing"));
        }

        @Override
        public org.hasm.spi.storage.FenceAgent.Readiness testFence(Duration timeout) {
            return readiness;
        }
    }

    record Link(List<ChannelView> channels) implements PeerLink {
        @Override
        public byte[] request(String service, byte[] payload, Duration timeout) throws IOException {
            throw new IOException("not in this test");
        }

        @Override
        public void send(String service, byte[] payload) throws IOException {
            throw new IOException("not in this test");
        }
    }

    /** A controller whose view the test sets and whose commands it records ("reset:why"). */
    static final class Controller implements HaController {
        volatile String scm = "scm-a";
        volatile OpMode configuredRole = OpMode.MASTER;
        volatile ScmState state = ScmState.DAC;
        volatile OpMode opMode = OpMode.MASTER;
        volatile SysConfig sysConfig = SysConfig.DAC;
        volatile String reason;
        volatile Instant since;
        /** When set, every command is refused with this, as a controller refuses what its state cannot carry out. */
        volatile String refusal;
        volatile List<Personality> personalities = List.of();
        volatile List<ModuleInfo> modules = List.of();
        volatile List<CallRecord> journal = List.of();
        final List<String> commands = new CopyOnWriteArrayList<>();
        /** Where the pair is administered: {@code null} for this SCM (the MASTER); see {@link #noMaster}. */
        volatile MasterAdmin master;
        /** When set, {@link #master()} throws this: no MASTER known. */
        volatile String noMaster;
        volatile String peer = "scm-b";
        /** This SCM's hasm release and what the peer said of its own. */
        volatile String version;
        volatile String peerVersion;

        /** The pair's last upgrade, as the controller would read it from the shared storage. */
        volatile org.hasm.spi.UpgradeView upgrade;

        @Override
        public org.hasm.spi.UpgradeView upgrade(String jar, String why) {
            command("upgrade " + jar + ":" + why);
            return upgrade;
        }

        @Override
        public org.hasm.spi.UpgradeView upgrade() {
            return upgrade;
        }

        @Override
        public void upgradeResume(String why) {
            command("upgrade resume:" + why);
        }

        @Override
        public void upgradeAbort(String why) {
            command("upgrade abort:" + why);
        }

        @Override
        public String version() {
            return version;
        }

        @Override
        public String peerVersion() {
            return peerVersion;
        }

        @Override
        public String scm() {
            return scm;
        }

        @Override
        public OpMode configuredRole() {
            return configuredRole;
        }

        @Override
        public ScmState state() {
            return state;
        }

        @Override
        public OpMode opMode() {
            return opMode;
        }

        @Override
        public SysConfig sysConfig() {
            return sysConfig;
        }

        @Override
        public String reason() {
            return reason;
        }

        @Override
        public Instant since() {
            return since;
        }

        @Override
        public List<Personality> personalities() {
            return personalities;
        }

        volatile List<Personality> pair;

        @Override
        public List<Personality> pairPersonalities() {
            return pair == null ? personalities : pair;
        }

        @Override
        public List<ModuleInfo> modules() {
            return modules;
        }

        @Override
        public List<CallRecord> journal(long afterSequence) {
            List<CallRecord> out = new ArrayList<>();
            for (CallRecord r : journal) {
                if (r.sequence() > afterSequence) {
                    out.add(r);
                }
            }
            return out;
        }

        @Override
        public void reset(String why) {
            command("reset:" + why);
        }

        @Override
        public void surrender(String why) {
            command("surrender:" + why);
        }

        @Override
        public void shutdown(String why) {
            command("shutdown:" + why);
        }

        @Override
        public MasterAdmin master() {
            if (noMaster != null) {
                throw new IllegalStateException(noMaster);
            }
            return master != null ? master : MasterAdmin.self(scm, "http://127.0.0.1:7700", null);
        }

        @Override
        public void move(String personality, String why) {
            if (!personality.equals("A") && !personality.equals("B")) {
                throw new IllegalArgumentException("no personality named '" + personality + "' in this pair");
            }
            command("move " + personality + ":" + why);
        }

        @Override
        public void standby(String name, String why) {
            command("standby " + name + ":" + why);
        }

        @Override
        public void unstandby(String name, String why) {
            command("unstandby " + name + ":" + why);
        }

        @Override
        public void failback(String why) {
            command("failback:" + why);
        }

        @Override
        public void maintenance(boolean on, String why) {
            command("maintenance " + on + ":" + why);
        }

        @Override
        public void peerCommand(String name, String command, String why) {
            if (!name.equals(peer)) {
                throw new IllegalArgumentException("no SCM named '" + name + "' in this pair");
            }
            command(name + "." + command + ":" + why);
        }

        private void command(String what) {
            if (refusal != null) {
                throw new IllegalStateException(refusal);
            }
            commands.add(what);
        }
    }
}
