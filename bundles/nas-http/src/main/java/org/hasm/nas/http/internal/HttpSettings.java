package org.hasm.nas.http.internal;

/**
 * Limits of the HTTP service, from the configuration {@value HttpModule#PID}. Changes apply to the
 * personalities started after them; a personality already served keeps the limits it started with.
 *
 * @param maxPutBytes largest body a PUT may carry (413 beyond), so that one client cannot fill a volume
 * @param maxHeaderBytes largest request line plus headers (400 beyond)
 * @param connectionTimeoutMillis idle time allowed while reading a request, head or body
 * @param keepAliveTimeoutMillis idle time allowed between two requests of one connection
 * @param maxThreads request threads per personality (see {@link #automaticMaxThreads()})
 * @param maxConnections open connections per connector
 * @param retryAfterSeconds the {@code Retry-After} of a 503: about the time a takeover needs
 */
record HttpSettings(long maxPutBytes, int maxHeaderBytes, int connectionTimeoutMillis, int keepAliveTimeoutMillis,
        int maxThreads, int maxConnections, int retryAfterSeconds) {

    static final long DEFAULT_MAX_PUT_BYTES = 16L << 30;
    static final int THREADS_PER_PROCESSOR = 4;
    static final int MIN_AUTO_THREADS = 8;

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
    }

    static HttpSettings defaults() {
        return new HttpSettings(DEFAULT_MAX_PUT_BYTES, 16 * 1024, 20_000, 15_000, automaticMaxThreads(), 2048, 5);
    }

    /**
     * The request threads of a personality unless configured: a few per processor. Tomcat gives a request
     * to an idle thread whenever there is one, and grows its pool up to this limit whenever more requests
     * are in progress than threads, so under load every small GET wakes another of dozens of threads and
     * the machine spends its time switching between them. On 2 cores under {@code wrk -c32}, a 4 KiB GET
     * cost 1.34 times nginx's CPU time with 64 threads and 1.09 times with 8 (medians of nine rounds
     * each, alternating, on a machine with other load; 4 threads were closer still). With fewer threads
     * than requests in progress, a thread that finishes one takes the next from the queue without
     * sleeping. A thread is held for the whole of a request it reads or writes blocking: an upload (its
     * body and the fsync), a PROPFIND's listing, a file below the sendfile size. Requests beyond the
     * limit wait in the queue, none is refused. Large GETs leave through sendfile and keep-alive
     * connections wait in the poller: neither holds a thread.
     */
    static int automaticMaxThreads() {
        return Math.max(MIN_AUTO_THREADS, THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors());
    }

    HttpSettings withMaxPutBytes(long bytes) {
        return new HttpSettings(bytes, maxHeaderBytes, connectionTimeoutMillis, keepAliveTimeoutMillis, maxThreads,
                maxConnections, retryAfterSeconds);
    }

    private static void positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + "=" + value + " must be positive");
        }
    }
}
