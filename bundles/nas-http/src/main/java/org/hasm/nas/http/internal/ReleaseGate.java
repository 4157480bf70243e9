package org.hasm.nas.http.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import org.apache.catalina.AccessLog;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * How a personality lets its clients go when it is released (a handover, a failback, a stop): the
 * first valve of its engine, and the drain that closes it.
 *
 * <p>Tomcat's own stop of a service pauses its connectors, then waits for the running requests, then
 * closes the sockets. A request that arrives in between on a kept-alive connection is not refused: a
 * paused HTTP/1.1 connector skips its headers and answers it 400 (no {@code Host}), which a client takes
 * for its own mistake and does not retry. So a personality is drained before Tomcat stops it:
 * <ol>
 * <li>the gate closes: a request that reaches the engine from then on is dropped with its connection,
 * unanswered and not acted on, as when the address moves to the peer, and the client's retry reaches
 * the new owner (an asynchronous dispatch of a request already admitted goes on);</li>
 * <li>the listening sockets close, so a new connection is refused at once;</li>
 * <li>the requests admitted before are left to finish, an answer not under way yet carrying
 * {@code Connection: close}, until none is left or {@link #DRAIN_MS} passed;</li>
 * <li>every connection still open is closed.</li>
 * </ol>
 * When Tomcat then pauses the connectors, no connection is left to meet the pause.
 *
 * <p>An access log to Tomcat: it is told when each request ends, asynchronous ones included.
 */
final class ReleaseGate extends ValveBase implements AccessLog {

    /** How long a release waits for the requests already running (Tomcat's own unload delay). */
    static final long DRAIN_MS = 2_000;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final String ADMITTED = ReleaseGate.class.getName() + ".admitted";

    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;

    ReleaseGate() {
        super(true);
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (request.getDispatcherType() != DispatcherType.ASYNC) {
            // counted before closed is read: drain() sets closed, then reads the count, so a request is either
            // refused here or waited for there, never admitted unseen
            running.incrementAndGet();
            if (closed) {
                running.decrementAndGet();
                // counted as refused by the metrics; nothing is written, the connection is closed
                response.setStatus(503);
                response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, null);
                return;
            }
            request.setNote(ADMITTED, Boolean.TRUE);
        }
        getNext().invoke(request, response);
        if (closed && !response.isCommitted()) {
            response.setHeader("Connection", "close");
        }
    }

    @Override
    public void log(Request request, Response response, long nanos) {
        if (request != null && request.getNote(ADMITTED) != null) {
            request.removeNote(ADMITTED);
            running.decrementAndGet();
        }
    }

    /**
     * Drains the personality's connectors as the class says.
     *
     * @return the requests still running when the time ran out (their connections are closed all the same)
     */
    int drain(Iterable<Connector> connectors, long millis) {
        closed = true;
        for (Connector c : connectors) {
            c.getProtocolHandler().closeServerSocketGraceful();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        int left = running.get();
        for (; left > 0 && System.nanoTime() - deadline < 0; left = running.get()) { // bounded by the deadline
            LockSupport.parkNanos(POLL_NANOS);
        }
        for (Connector c : connectors) {
            if (c.getProtocolHandler() instanceof Protocol p) {
                p.connections().forEach(SocketWrapperBase::close);
            }
        }
        return left;
    }

    @Override
    public void setRequestAttributesEnabled(boolean enabled) {
        // uses no request attributes
    }

    @Override
    public boolean getRequestAttributesEnabled() {
        return false;
    }

    /** Tomcat's NIO HTTP/1.1 protocol, with its open connections in view for {@link #drain}. */
    static final class Protocol extends Http11NioProtocol {
        List<SocketWrapperBase<NioChannel>> connections() {
            return List.copyOf(getEndpoint().getConnections());
        }
    }
}
