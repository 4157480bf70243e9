package org.hasm.controller.internal;

import java.io.IOException;
import java.time.Duration;

/** The controller's way to the peer's controller: the link, when it is there. */
interface PeerPort {
    /** Asks the peer's controller; fails at once when there is no link. */
    byte[] request(byte[] payload, Duration timeout) throws IOException;

    /** Tells the peer's controller; fails at once when there is no link. */
    void send(byte[] payload) throws IOException;

    /** @return the peer's incarnation as the status monitor last saw it, 0 if unknown */
    long peerIncarnation();

    /** No peer at all (standalone, and tests). */
    PeerPort NONE = new PeerPort() {
        @Override
        public byte[] request(byte[] payload, Duration timeout) throws IOException {
            throw new IOException("no link to the peer");
        }

        @Override
        public void send(byte[] payload) throws IOException {
            throw new IOException("no link to the peer");
        }

        @Override
        public long peerIncarnation() {
            return 0;
        }
    };
}
