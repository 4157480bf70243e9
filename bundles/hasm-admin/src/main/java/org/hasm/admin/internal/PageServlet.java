package org.hasm.admin.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.log.Logger;

/**
 * The status page's HTTP side, under {@value StatusPage#PREFIX}: {@link AdminServlet} hands it the requests of
 * that path, so the page shares the admin API's server, routes and credentials.
 */
final class PageServlet {

    private final StatusPage page;
    private final Logger log;

    PageServlet(StatusPage page, Logger log) {
        this.page = page;
        this.log = log;
    }

    void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StatusPage.Reply reply;
        try {
            reply = page.handle(new StatusPage.Request(req.getMethod(), req.getPathInfo(), req.getScheme(),
                    req.getRemoteAddr() + ":" + req.getRemotePort(), req::getHeader, req::getParameter));
        } catch (RuntimeException e) {
            log.error("status page {} {} failed", req.getMethod(), req.getRequestURI(), e);
            reply = StatusPage.Reply.json(500, Documents.error("internal error: " + e.getMessage()
                    + "; see the SCM's log"));
        }
        resp.setStatus(reply.status());
        resp.setContentType(reply.contentType());
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("Content-Security-Policy", StatusPage.CSP);
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("Referrer-Policy", "no-referrer");
        reply.headers().forEach(resp::setHeader);
        resp.setContentLength(reply.body().length);
        if (!"HEAD".equals(req.getMethod())) {
            resp.getOutputStream().write(reply.body());
        }
    }
}
