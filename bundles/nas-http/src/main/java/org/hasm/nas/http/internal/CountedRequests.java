package org.hasm.nas.http.internal;

import java.io.IOException;
import java.util.Set;
import jakarta.servlet.ServletException;
import org.apache.catalina.AccessLog;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.hasm.spi.health.RequestTally;

/**
 * Counts every request a personality's engine answered, for the SCM's metrics: by method and status
 * class, with the time Tomcat measured from reading the request to the end of the response (an
 * asynchronous request, one put aside by {@link CostlyRequests} included). An access log to Tomcat, so
 * it is told of requests that were refused before reaching a servlet too.
 */
final class CountedRequests extends ValveBase implements AccessLog {
    /** Methods counted under their own name; any other is counted as OTHER. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PROPFIND",
            "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "TRACE");

    private final RequestTally tally;

    CountedRequests(RequestTally tally) {
        super(true);
        this.tally = tally;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
    }

    @Override
    public void log(Request request, Response response, long nanos) {
        String method = request == null ? null : request.getMethod();
        int status = response == null ? 0 : response.getStatus();
        tally.record(method != null && METHODS.contains(method) ? method : RequestTally.OTHER, outcome(status), nanos);
    }

    /** @return the status class: {@code 2xx}, {@code 3xx}, {@code 4xx}, {@code 5xx}, or {@code other} */
    static String outcome(int status) {
        return status >= 200 && status < 600 ? (status / 100) + "xx" : "other";
    }

    @Override
    public void setRequestAttributesEnabled(boolean enabled) {
        // the metrics use no request attributes
    }

    @Override
    public boolean getRequestAttributesEnabled() {
        return false;
    }
}
