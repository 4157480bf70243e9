package org.hasm.controller.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.hasm.spi.HaController;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.SysConfig;

/**
 * Publishes the SCM's state: the snapshot every view reads, the STATE event and the log line.
 * {@link #publish} runs on the controller thread; {@link #snapshot()} is read by anyone.
 */
final class StatePublisher {

    /**
     * State, role and system configuration change together: one immutable snapshot.
     *
     * @param since when the SCM entered this state (its role or system configuration may have changed since)
     */
    record Snapshot(ScmState state, OpMode opMode, SysConfig sysConfig, String reason, Instant since) {
        boolean sameAs(Snapshot o) {
            return state == o.state && opMode == o.opMode && sysConfig == o.sysConfig
                    && java.util.Objects.equals(reason, o.reason);
        }
    }

    private final Sink sink;
    private final Supplier<String> activeCount;
    private volatile Snapshot snapshot = new Snapshot(ScmState.OFF, null, null, null, Instant.now());

    /** @param activeCount "active/registered" modules, for the log line */
    StatePublisher(Sink sink, Supplier<String> activeCount) {
        this.sink = sink;
        this.activeCount = activeCount;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /**
     * @param scm this SCM's name
     * @param m the machine's state now
     * @param transitionStart {@link System#nanoTime()} when the transition began, for the log line
     */
    void publish(String scm, Machine m, long transitionStart) {
        Snapshot before = snapshot;
        Snapshot now = new Snapshot(m.state(), m.opMode(), m.sysConfig(), m.shownReason(),
                m.state() == before.state() ? before.since() : Instant.now());
        if (now.sameAs(before)) {
            return;
        }
        snapshot = now;
        Map<String, Object> props = new HashMap<>();
        props.put("scm", scm);
        props.put("state", now.state().name());
        if (now.opMode() != null) {
            props.put("opMode", now.opMode().name());
        }
        if (now.sysConfig() != null) {
            props.put("sysConfig", now.sysConfig().name());
        }
        if (now.reason() != null) {
            props.put("reason", now.reason());
        }
        sink.post(HaController.TOPIC_STATE, props);
        String line = "SCM " + scm + " state=" + now.state() + " opMode=" + now.opMode() + " sysConfig="
                + now.sysConfig() + " modules=" + activeCount.get() + " active";
        if (now.state() == ScmState.MONITOR) {
            sink.error(line + " reason=" + now.reason(), null);
        } else if (now.state() == ScmState.DAC || now.state() == ScmState.DEGRADED) {
            sink.info(line + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - transitionStart) + " ms"
                    + (now.reason() == null ? "" : " reason=" + now.reason()));
        } else {
            sink.info(line + (now.reason() == null ? "" : " reason=" + now.reason()));
        }
    }
}
