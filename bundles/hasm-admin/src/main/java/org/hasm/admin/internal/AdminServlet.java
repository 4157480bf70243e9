package org.hasm.admin.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import org.hasm.spi.HaController;
import org.hasm.spi.power.PowerMonitor;
import org.hasm.spi.config.PairConfiguration;
import org.hasm.spi.config.SharedFiles;
import org.hasm.spi.peer.PeerLink;
import org.hasm.spi.peer.StatusMonitor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The admin REST API on the Servlet Whiteboard, under {@code /hasm/api/v1/*}. The port and host
 * are Felix HTTP's own ({@code org.osgi.service.http.port}, {@code org.apache.felix.http.host}).
 * The credentials are token files in the folder {@value #PROP_CREDENTIALS} names, by default
 * {@code etc/admin} of the node folder ({@link Credentials}).
 *
 * <p>Every SPI service is an optional, dynamic reference, the controller included: the operator
 * needs this API most when the controller is missing or being replaced, so the servlet stays
 * registered and answers 503 with a JSON body instead of vanishing into the container's 404 page.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({AdminApi.PREFIX + "/*", StatusPage.PREFIX + "/*"})
@HttpWhiteboardServletName("hasm-admin")
public class AdminServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** The framework property that enables the test-only fault routes. */
    static final String PROP_FAULTS = "hasm.faults.enabled";
    /** The status monitor's configuration PID, where the drop switches live. */
    /** The status channels' factory PID: each channel's configuration has its own drop switch. */
    static final String CHANNEL_FACTORY_PID = "org.hasm.status.channel";
    static final String DROP = "fault.drop";
    /** The framework property naming the credentials folder; relative to {@value #PROP_NODE_DIR}. */
    static final String PROP_CREDENTIALS = "hasm.admin.credentials";
    static final String PROP_NODE_DIR = "hasm.node.dir";
    static final String DEFAULT_CREDENTIALS = "etc/admin";
    /** Refused requests are logged at most once per this many ms, with a count of those in between. */
    static final long REFUSAL_LOG_MS = 10_000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile HaController controller;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile StatusMonitor monitor;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PeerLink link;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    // the operator's alert scripts and webhooks (bundle org.hasm.alerts)
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile org.hasm.spi.alerts.Alerts alerts;

    // the UPS watch, when a UPS is configured (bundle org.hasm.ups)
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PowerMonitor power;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile org.hasm.spi.events.EventJournal eventJournal;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PairConfiguration pairConfiguration;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedFiles sharedFiles;

    // the metrics this bundle's component keeps (GET /hasm/api/v1/metrics)
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MetricsComponent metrics;

    private final transient Logger log;
    private final transient AdminApi api;
    // Two drop requests at once would each read, merge and write the whole configuration; the
    // lock keeps the second from undoing the first. Guards the read-modify-write in drop().
    private final transient Object configLock = new Object();
    private final transient RefusalLog refusals;
    /** The status page under {@value StatusPage#PREFIX}: same server, same credentials, routes of its own. */
    private final transient PageServlet page;

    @Activate
    public AdminServlet(BundleContext context,
            @Reference(name = "logger", service = LoggerFactory.class) Logger log) {
        this.log = log;
        // Read once: the switch is fixed for the life of the framework, like the status monitor's.
        boolean faults = "true".equalsIgnoreCase(String.valueOf(context.getProperty(PROP_FAULTS)).trim());
        Credentials credentials = new Credentials(credentialsFolder(context), problem -> log.error("admin API: {}", problem));
        this.refusals = new RefusalLog(log::warn, REFUSAL_LOG_MS, () -> System.nanoTime() / 1_000_000);
        AdminApi.Audit audit = new AdminApi.Audit() {
            @Override
            public void accepted(String what, Credentials.Credential who, String remote) {
                log.info("admin API: {} by credential '{}' ({}) from {}", what, who.name(), who.role().folder(), remote);
            }

            @Override
            public void refused(AdminApi.Request request, int status, String why) {
                refusals.refused(request, status, why);
            }
        };
        this.api = new AdminApi(() -> controller, () -> monitor, () -> link, faults,
                () -> configAdmin == null ? null : this::drop, credentials, audit, Clock.systemUTC()).power(() -> power)
                .alerts(() -> alerts)
                .events(() -> eventJournal).pairConfiguration(() -> pairConfiguration).sharedFiles(() -> sharedFiles)
                .metrics(() -> metrics == null ? null : metrics.metrics())
                .deploy(new DeployRoute(deployFolder(context), () -> installed(context), () -> controller));
        this.page = new PageServlet(new StatusPage(api, credentials, () -> controller), log);
        // read now, so that a folder without a valid credential is in the log at start, not at the first request
        int n = credentials.list().size();
        log.info("admin API: {} credential{} in {}", n, n == 1 ? "" : "s", credentials.folder());
        if (faults) {
            log.warn("{}=true: the test-only fault routes of the admin API are enabled", PROP_FAULTS);
        }
    }

    /* The launcher's hasm.deploy.dir (absolute); null without it. */
    static Path deployFolder(BundleContext context) {
        String dir = context.getProperty("hasm.deploy.dir");
        return dir == null || dir.isBlank() ? null : Path.of(dir.strip());
    }

    private static List<DeployRoute.Installed> installed(BundleContext context) {
        List<DeployRoute.Installed> all = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            all.add(new DeployRoute.Installed(b.getSymbolicName(), b.getVersion().toString(), b.getLocation(),
                    state(b.getState())));
        }
        return all;
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.UNINSTALLED -> "UNINSTALLED";
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> Integer.toString(state);
        };
    }

    /* Absolute, or relative to the node folder; null when neither is known (a framework without the launcher). */
    static Path credentialsFolder(BundleContext context) {
        String configured = context.getProperty(PROP_CREDENTIALS);
        String node = context.getProperty(PROP_NODE_DIR);
        String folder = configured == null || configured.isBlank() ? DEFAULT_CREDENTIALS : configured.strip();
        Path path = Path.of(folder);
        if (path.isAbsolute()) {
            return path;
        }
        return node == null || node.isBlank() ? null : Path.of(node).resolve(path).normalize();
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (StatusPage.PREFIX.equals(req.getServletPath())) {
            page.service(req, resp);
            return;
        }
        AdminApi.Reply reply;
        try {
            String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
            reply = api.handle(new AdminApi.Request(req.getMethod(), req.getPathInfo(), remote, req::getHeader,
                    req::getParameter, () -> FileRoutes.body(req)));
        } catch (RuntimeException e) {
            // The operator gets a short reason; the stack trace goes to the log, never on the wire.
            log.error("admin API {} {} failed", req.getMethod(), req.getRequestURI(), e);
            reply = AdminApi.Reply.error(500, "internal error: " + e.getMessage() + "; see the SCM's log");
        }
        byte[] body = reply.json().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(reply.status());
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        // The status changes every second: a cached copy would mislead a script watching a failover.
        resp.setHeader("Cache-Control", "no-store");
        if (reply.allow() != null) {
            resp.setHeader("Allow", reply.allow());
        }
        reply.headers().forEach(resp::setHeader);
        if (reply.status() == HttpServletResponse.SC_UNAUTHORIZED) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"hasm\"");
        }
        resp.setContentLength(body.length);
        if (!"HEAD".equals(req.getMethod())) {
            resp.getOutputStream().write(body);
        }
    }

    /** Sets {@code fault.drop=percent} in the configuration of the status channel {@code channel}. */
    private void drop(String channel, int percent) throws IOException {
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            throw new IOException("Configuration Admin went away");
        }
        String pid = CHANNEL_FACTORY_PID + "~" + channel;
        synchronized (configLock) {
            Configuration[] found;
            try {
                found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
            } catch (InvalidSyntaxException e) {
                throw new IOException("channel name " + channel + " makes no filter", e);
            }
            if (found == null || found.length == 0) {
                // not created: a channel without addresses would be a configuration problem, not a fault
                throw new IllegalArgumentException("no status channel " + channel + " (no configuration " + pid + ")");
            }
            Configuration c = found[0];
            Dictionary<String, Object> props = new Hashtable<>();
            Dictionary<String, Object> old = c.getProperties();
            if (old != null) {
                for (Enumeration<String> keys = old.keys(); keys.hasMoreElements();) {
                    String k = keys.nextElement();
                    props.put(k, old.get(k));
                }
            }
            props.put(DROP, percent);
            c.updateIfDifferent(props);
        }
        log.warn("fault switch: {}={} in {}", DROP, percent, pid);
    }
}
