package org.hasm.nas.http.internal;

import java.nio.file.Path;
import java.util.function.Supplier;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.hasm.spi.shared.SharedObjects;

/**
 * The Tomcat context of one export at {@code /<export name>}: its folder as the only resources, written
 * through {@link DurableWrite}, served by an {@link ExportServlet}. Not a web application: no
 * deployment descriptor, no class loader of its own, no sessions kept, no security constraints.
 */
final class ExportContext {

    private ExportContext() {
    }

    /**
     * @param workDir Tomcat's work folder for this context (never on a volume)
     * @param costly the personality's permits for expensive requests, shared by its exports
     * @param shared the pair's shared objects, where the export's WebDAV locks are kept ({@code null}: in memory)
     */
    static StandardContext create(ServicePlan plan, ServicePlan.ExportPlan export, Path workDir, HttpSettings limits,
            Volumes volumes, Events events, DurableWrite.ChannelOpener opener, CostlyRequests costly,
            Supplier<SharedObjects> shared) {
        VolumeAccess volume = new VolumeAccess(volumes, export.volume(), export.root());
        DurableWrite durable = new DurableWrite(volume, limits.maxPutBytes(), opener);
        ExportTarget target = new ExportTarget(plan.personality(), export, volume, limits, events, costly,
                new DavLocks(shared, plan.personality(), export.name(), events), durable);
        StandardContext ctx = new StandardContext();
        ctx.setName("/" + export.name());
        ctx.setPath("/" + export.name());
        ctx.setDocBase(export.folder().toString());
        ctx.setWorkDir(workDir.toString());
        // Tomcat.FixContextListener would also add an authenticator valve, which every request passes to
        // look for security constraints; an export has none (the volume's ownership is its access rule)
        ctx.addLifecycleListener(event -> {
            if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
                ctx.setConfigured(true);
            }
        });
        ClassLoader loader = EmbeddedTomcat.loader();
        ctx.setParentClassLoader(loader);
        ctx.setLoader(new BundleLoader(loader));
        ctx.setUseNaming(false);
        ctx.setReloadable(false);
        ctx.setCookies(false);
        StandardManager sessions = new StandardManager();
        sessions.setPathname(null); // WebDAV is stateless: nothing to persist across restarts
        ctx.setManager(sessions);
        ctx.setResources(new ExportResources(ctx, durable, export.readOnly()));
        Tomcat.addDefaultMimeTypeMappings(ctx);
        Wrapper servlet = Tomcat.addServlet(ctx, "export", new ExportServlet(target));
        ExportServlet.initParameters(export.readOnly(), limits).forEach(servlet::addInitParameter);
        servlet.setLoadOnStartup(1);
        // expensive requests wait for a permit without holding a request thread (CostlyRequests)
        servlet.setAsyncSupported(true);
        ctx.addServletMappingDecoded("/*", "export");
        return ctx;
    }
}
