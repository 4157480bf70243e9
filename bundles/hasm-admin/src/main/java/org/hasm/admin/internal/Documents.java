package org.hasm.admin.internal;

import java.time.Instant;
import java.util.List;
import org.hasm.spi.CallRecord;
import org.hasm.spi.HaController;
import org.hasm.spi.ModuleInfo;
import org.hasm.spi.Personality;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.alerts.Alerts;
import org.hasm.spi.peer.FenceView;
import org.hasm.spi.peer.StatusMonitor;
import org.hasm.spi.storage.FenceAgent;
import org.hasm.spi.peer.Verdict;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.power.PowerStatus;

/**
 * The JSON documents of the admin API, rendered from the SPI views. The field names are the API's
 * contract (README.md): scripts and the cluster tests read them, so they only ever get added to.
 */
final class Documents {

    private Documents() {
    }

    /**
     * The status document.
     *
     * @param controller the controller (required)
     * @param monitor the status monitor, or {@code null}: {@code peer} is then null
     * @param link the peer link, or {@code null}: its channels are then left out
     * @param now the {@code time} field
     */
    static String status(HaController controller, StatusMonitor monitor, PeerLink link, Instant now) {
        return status(controller, monitor, link, null, now);
    }

    /**
     * The status document, with the UPS watch's status ({@code ups}: null when no UPS is watched).
     *
     * @param power the UPS watch, or {@code null}
     */
    private static void personalities(JsonWriter w, java.util.List<Personality> list) {
        w.beginArray();
        for (Personality p : list) {
            w.beginObject();
            w.name("name").value(p.name());
            w.name("home").value(p.home());
            w.name("addresses").beginArray();
            for (String a : p.addresses()) {
                w.value(a);
            }
            w.endArray();
            w.endObject();
        }
        w.endArray();
    }

    /**
     * The alert recipients ({@code GET /hasm/api/v1/alerts}) and, after a test
     * ({@code POST .../alerts/test}), what each did with the test alert.
     *
     * @param test the test's deliveries, or {@code null}
     */
    static String alerts(java.util.List<Alerts.Recipient> recipients, java.util.List<Alerts.Delivery> test) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("recipients").beginArray();
        for (Alerts.Recipient r : recipients) {
            w.beginObject();
            w.name("kind").value(r.kind());
            w.name("target").value(r.target());
            w.name("delivered").value(r.delivered());
            w.name("failed").value(r.failed());
            w.name("dropped").value(r.dropped());
            w.name("lastOutcome").value(r.lastOutcome());
            w.name("lastTime").value(r.lastTime());
            w.name("lastDetail").value(r.lastDetail());
            w.endObject();
        }
        w.endArray();
        if (test != null) {
            w.name("test").beginArray();
            for (Alerts.Delivery d : test) {
                w.beginObject();
                w.name("recipient").value(d.recipient());
                w.name("ok").value(d.ok());
                w.name("millis").value(d.millis());
                w.name("detail").value(d.detail());
                w.endObject();
            }
            w.endArray();
        }
        return w.endObject().toString();
    }

    /** The fence agent as configured ({@code GET /hasm/api/v1/fence}). */
    static String fence(FenceView view) {
        JsonWriter w = new JsonWriter().beginObject();
        fenceFields(w, view);
        return w.endObject().toString();
    }

    /** The outcome of the fence agent's test ({@code POST /hasm/api/v1/fence/test}). */
    static String fenceTest(FenceView view, FenceAgent.Readiness readiness, long millis, Instant now) {
        JsonWriter w = new JsonWriter().beginObject();
        fenceFields(w, view);
        w.name("test").beginObject();
        w.name("ready").value(readiness.ready());
        w.name("detail").value(readiness.detail());
        w.name("millis").value(millis);
        w.name("time").value(now);
        w.endObject();
        return w.endObject().toString();
    }

    private static void fenceFields(JsonWriter w, FenceView view) {
        w.name("scm").value(view.scm());
        w.name("peer").value(view.peer());
        w.name("agent").value(view.agent());
        w.name("timeoutMs").value(view.timeoutMs());
        w.name("delayMs").value(view.delayMs());
        w.name("problem").value(view.problem());
        w.name("registered").beginArray();
        for (FenceView.RegisteredAgent a : view.registered()) {
            w.beginObject();
            w.name("name").value(a.name());
            w.name("implementation").value(a.implementation());
            w.name("missing").beginArray();
            a.missing().forEach(w::value);
            w.endArray();
            w.endObject();
        }
        w.endArray();
    }

    static String status(HaController controller, StatusMonitor monitor, PeerLink link, PowerMonitor power,
            Instant now) {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("node").value(controller.scm());
        w.name("configuredRole").value(controller.configuredRole());
        // the hasm release this SCM runs; the peer's is in "peer": during a rolling upgrade they differ
        w.name("version").value(controller.version());
        w.name("state").value(controller.state());
        w.name("opMode").value(controller.opMode());
        w.name("sysConfig").value(controller.sysConfig());
        w.name("reason").value(controller.reason());
        // when the SCM entered its state: "DEGRADED since ..."
        w.name("since").value(controller.since());
        // the operator's settings: a standby SCM serves nothing by choice; in maintenance nothing is automatic
        w.name("standby").value(controller.standby());
        w.name("maintenance").value(controller.maintenance());
        w.name("failbackPolicy").value(controller.failbackPolicy());
        w.name("peer");
        PeerView peer = monitor == null ? null : monitor.peer();
        if (peer == null) {
            w.nullValue();
        } else {
            peer(w, peer, controller.peerVersion());
        }
        w.name("channels").beginArray();
        if (monitor != null) {
            channels(w, monitor.channels(), "status", null);
        }
        if (link != null) {
            // the link cannot know that the peer said it stops: a connection it refuses then is no outage
            boolean stopped = peer != null && !peer.alive() && peer.state() == ScmState.HALTED;
            channels(w, link.channels(), "link", stopped ? peer.scm() + " said it stops (HALTED)" : null);
        }
        w.endArray();
        w.name("personalities");
        personalities(w, controller.personalities());
        // every personality of the pair, whoever serves it: a view of the pair lists the peer's too
        w.name("pairPersonalities");
        personalities(w, controller.pairPersonalities());
        w.name("modules").beginArray();
        for (ModuleInfo m : controller.modules()) {
            module(w, m);
        }
        w.endArray();
        w.name("ups");
        PowerStatus ups = power == null ? null : power.status();
        if (ups == null) {
            w.nullValue();
        } else {
            ups(w, ups);
        }
        w.name("time").value(now);
        return w.endObject().toString();
    }

    private static void ups(JsonWriter w, PowerStatus u) {
        w.beginObject();
        w.name("ups").value(u.ups());
        w.name("connected").value(u.connected());
        w.name("flags").beginArray();
        for (String f : u.flags()) {
            w.value(f);
        }
        w.endArray();
        w.name("batteryCharge");
        if (u.batteryCharge() == null) {
            w.nullValue();
        } else {
            w.value(u.batteryCharge().doubleValue());
        }
        w.name("alarm").value(u.alarm());
        // the UPS, its state, and what this SCM does about it: "... the pair shuts down in 42 s unless it clears"
        w.name("line").value(u.line());
        w.name("lastReading").value(u.lastReading());
        w.endObject();
    }

    /** The journal entries as an array, in the order given. */
    static String journal(List<CallRecord> records) {
        JsonWriter w = new JsonWriter().beginArray();
        for (CallRecord r : records) {
            w.beginObject();
            w.name("sequence").value(r.sequence());
            w.name("module").value(r.module());
            w.name("call").value(r.call());
            w.name("opMode").value(r.opMode());
            w.name("sysConfig").value(r.sysConfig());
            w.name("outcome").value(r.outcome());
            w.name("error").value(r.error());
            w.name("started").value(r.started());
            w.name("millis").value(r.millis());
            w.name("late").value(r.late());
            // which build was called: a journal that spans an upgrade reads as one
            w.name("bundle").value(r.bundle());
            w.name("version").value(r.version());
            w.endObject();
        }
        return w.endArray().toString();
    }

    /** {@code {"error": message}}. */
    static String error(String message) {
        return new JsonWriter().beginObject().name("error").value(message).endObject().toString();
    }

    /** {@code {"accepted": command}}. */
    static String accepted(String command) {
        return new JsonWriter().beginObject().name("accepted").value(command).endObject().toString();
    }

    /** {@code {"redirect": location, "master": scm, "error": why}}: a command sent to the MASTER's admin API instead. */
    static String redirect(String command, String master, String location) {
        return new JsonWriter().beginObject().name("redirect").value(location).name("master").value(master)
                .name("error").value(command + " is carried out by the MASTER " + master + ": send it to " + location)
                .endObject().toString();
    }

    /** The answer to a fault switch: what is now set. */
    static String drop(String channel, int percent) {
        return new JsonWriter().beginObject()
                .name("channel").value(channel)
                .name("dropPercent").value(percent)
                .endObject().toString();
    }

    /** @param version the hasm release the peer said it runs (its controller's messages), or {@code null} */
    private static void peer(JsonWriter w, PeerView p, String version) {
        w.beginObject();
        w.name("name").value(p.scm());
        w.name("alive").value(p.alive());
        // why alive or dead: heard, a network outage, a flood, fenced, found stopped, lease expired...
        w.name("verdict").value(p.verdict());
        w.name("state").value(p.state());
        w.name("opMode").value(p.opMode());
        w.name("configuredRole").value(p.configuredRole());
        w.name("incarnation").value(p.incarnation());
        w.name("lastHeard").value(p.lastHeard());
        // the state above is what the peer said last: current only while it is heard; otherwise the last
        // known, as of its last status message
        w.name("lastKnown").value(p.state() != null && p.verdict() != Verdict.HEARD);
        w.name("stateAsOf").value(p.state() == null ? null : p.lastHeard());
        w.name("version").value(version);
        w.endObject();
    }

    /** @param idleWhy when set, a BAD channel is shown IDLE for this reason: nothing is expected on it */
    private static void channels(JsonWriter w, List<ChannelView> channels, String kind, String idleWhy) {
        for (ChannelView c : channels) {
            boolean idle = idleWhy != null && c.status() == ChannelStatus.BAD;
            w.beginObject();
            w.name("name").value(c.name());
            w.name("kind").value(kind);
            w.name("status").value(idle ? ChannelStatus.IDLE : c.status());
            w.name("sent").value(c.sent());
            w.name("received").value(c.received());
            w.name("missed").value(c.missed());
            w.name("rejected").value(c.rejected());
            // the peer's own datagrams the kernel dropped unread for a full receive buffer
            w.name("dropped").value(c.dropped());
            w.name("errors").value(c.errors());
            w.name("counter").value(c.counter());
            // why BAD or IDLE: since when nothing arrived, the peer said it stops, what a connection ran into
            w.name("note").value(idle ? idleWhy + (c.note() == null ? "" : "; " + c.note()) : c.note());
            w.endObject();
        }
    }

    static void module(JsonWriter w, ModuleInfo m) {
        w.beginObject();
        w.name("name").value(m.name());
        // the tier as configured in the hasm.module.tier service property: "hasm" or "service"
        w.name("tier").value(m.tier() == null ? null : m.tier().value());
        w.name("rank").value(m.rank());
        w.name("bundle").value(m.bundle());
        w.name("version").value(m.version());
        w.name("status").value(m.status());
        w.name("lastCall").value(m.lastCall());
        w.name("lastError").value(m.lastError());
        w.name("since").value(m.since());
        // set while a call runs, an overrun one included: "in OPMODE since ..."
        w.name("inCallSince").value(m.inCallSince());
        w.endObject();
    }
}
