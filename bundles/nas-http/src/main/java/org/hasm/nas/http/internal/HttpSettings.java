package org.hasm.nas.http.internal;

/**
 * Limits of the HTTP service, from the configuration {@value HttpModule#PID}. Changes apply to the
 * personalities started after them; a personality already served keeps the limits it started with.
 *
 * @param maxPutBytes largest body a PUT may carry (413 beyond), so that one client cannot fill a volume
 * @param maxHeaderBytes largest request line plus headers (400 beyond)
 * @param connectionTimeoutMillis idle time allowed while reading a request, head or body
 * @param keepAliveTimeoutMillis idle time allowed between two requests of one connection
 * @param maxThreads the most request threads per personality. Each upload in progress holds one for
 *     its whole body and fsync (so does a PROPFIND's listing, or a file below the sendfile size while it
 *     is written); large GETs (sendfile) and keep-alive connections between requests hold none. A
 *     personality runs a base of about two threads per processor (at least 4, at most this) that take
 *     queued requests one after another; a thread is added only when the oldest queued request has
 *     waited 10 ms (every thread is held by something slower), and after 2 s in which none waited
 *     that long the pool shrinks back towards the base (see {@link RequestThreads}). Beyond this many,
 *     every other request of the personality waits in the queue. Tomcat's own pool woke another thread
 *     for each request and grew to about one per connection: on 2 cores a 4 KiB GET under {@code wrk -c32} cost 1.34 times
 *     nginx's CPU time with 64 such threads, 1.09 times with a fixed 8, but with 8, eight slow uploads
 *     held every GET back until one of them ended.
 * @param maxConnections open connections per connector
 * @param retryAfterSeconds the {@code Retry-After} of a 503: about the time a takeover needs
 * @param maxExpensiveRequests how many requests that walk a folder or a tree (PROPFIND with a depth,
 *     COPY/MOVE/DELETE of a collection, a folder listing) run at once per personality. Each holds the
 *     names of a whole folder level while it runs (about 100 bytes a name: 2 MB for 20,000 files) and
 *     keeps a processor busy; beyond these, more run no faster and only multiply the memory. See
 *     {@link CostlyRequests}.
 * @param maxExpensiveWaiting how many more of them wait for a permit (holding no thread); beyond, 503
 * @param expensiveWaitMillis how long one may wait for a permit before it gets 503
 * @param maxLocks the most live WebDAV locks per export: each is a shared object that both SCMs hold
 *     until it is released or expires; a LOCK beyond gets 507 (see {@link ExportServlet})
 * @param maxDeadProperties the most dead properties (set by PROPPATCH) per resource
 * @param maxDeadPropertyBytes what the dead properties of one export may take, counted as
 *     {@link DeadProperties} does (their XML and names plus a fixed cost per property, the path plus a fixed
 *     cost per resource), kept on the export's volume; a PROPPATCH beyond either bound gets 507 for the
 *     properties it would add
 */
record HttpSettings(long maxPutBytes, int maxHeaderBytes, int connectionTimeoutMillis, int keepAliveTimeoutMillis,
        int maxThreads, int maxConnections, int retryAfterSeconds, int maxExpensiveRequests,
        int maxExpensiveWaiting, int expensiveWaitMillis, int maxLocks, int maxDeadProperties,
        long maxDeadPropertyBytes) {

    static final long DEFAULT_MAX_PUT_BYTES = 16L << 30;
    static final int DEFAULT_MAX_EXPENSIVE_REQUESTS = 4;
    static final int DEFAULT_MAX_EXPENSIVE_WAITING = 64;
    static final int DEFAULT_EXPENSIVE_WAIT_MS = 30_000;
    static final int DEFAULT_MAX_LOCKS = 1000;
    static final int DEFAULT_MAX_DEAD_PROPERTIES = 100;
    static final long DEFAULT_MAX_DEAD_PROPERTY_BYTES = 16L << 20;

    HttpSettings {
        positive("max.put.bytes", maxPutBytes);
        // below 1 KiB even an ordinary WebDAV request with a lock token does not fit
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("max.header.bytes=" + maxHeaderBytes + " must be at least 1024");
        }
        positive("connection.timeout.ms", connectionTimeoutMillis);
        positive("keepalive.timeout.ms", keepAliveTimeoutMillis);
        positive("max.threads", maxThreads);
        positive("max.connections", maxConnections);
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retry.after.seconds=" + retryAfterSeconds + " must not be negative");
        }
        positive("max.expensive.requests", maxExpensiveRequests);
        if (maxExpensiveWaiting < 0) {
            throw new IllegalArgumentException("max.expensive.waiting=" + maxExpensiveWaiting + " must not be negative");
        }
        positive("expensive.wait.ms", expensiveWaitMillis);
        positive("max.locks", maxLocks);
        positive("max.dead.properties", maxDeadProperties);
        positive("max.dead.property.bytes", maxDeadPropertyBytes);
    }

    static HttpSettings defaults() {
        return new HttpSettings(DEFAULT_MAX_PUT_BYTES, 16 * 1024, 20_000, 15_000, 64, 2048, 5,
                DEFAULT_MAX_EXPENSIVE_REQUESTS, DEFAULT_MAX_EXPENSIVE_WAITING, DEFAULT_EXPENSIVE_WAIT_MS,
                DEFAULT_MAX_LOCKS, DEFAULT_MAX_DEAD_PROPERTIES, DEFAULT_MAX_DEAD_PROPERTY_BYTES);
    }

    HttpSettings withMaxPutBytes(long bytes) {
        return new HttpSettings(bytes, maxHeaderBytes, connectionTimeoutMillis, keepAliveTimeoutMillis, maxThreads,
                maxConnections, retryAfterSeconds, maxExpensiveRequests, maxExpensiveWaiting, expensiveWaitMillis,
                maxLocks, maxDeadProperties, maxDeadPropertyBytes);
    }

    HttpSettings withExpensive(int requests, int waiting, int waitMillis) {
        return new HttpSettings(maxPutBytes, maxHeaderBytes, connectionTimeoutMillis, keepAliveTimeoutMillis, maxThreads,
                maxConnections, retryAfterSeconds, requests, waiting, waitMillis, maxLocks, maxDeadProperties,
                maxDeadPropertyBytes);
    }

    HttpSettings withDav(int locks, int properties, long propertyBytes) {
        return new HttpSettings(maxPutBytes, maxHeaderBytes, connectionTimeoutMillis, keepAliveTimeoutMillis, maxThreads,
                maxConnections, retryAfterSeconds, maxExpensiveRequests, maxExpensiveWaiting, expensiveWaitMillis, locks,
                properties, propertyBytes);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + "=" + value + " must be positive");
        }
    }
}
