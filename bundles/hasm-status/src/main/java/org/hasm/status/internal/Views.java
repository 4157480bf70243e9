package org.hasm.status.internal;

import java.time.Instant;
import org.hasm.spi.OpMode;
import org.hasm.spi.ScmState;
import org.hasm.spi.peer.ChannelStatus;
import org.hasm.spi.peer.ChannelView;
import org.hasm.spi.peer.PeerView;
import org.hasm.spi.peer.Verdict;

/** Immutable snapshots handed out through the API and to listeners. */
final class Views {
    private Views() {
    }

    record Channel(String name, ChannelStatus status, long sent, long received, long missed, long rejected,
            long errors, int counter, long dropped, String note) implements ChannelView {

        /** The same counts, IDLE: nothing is watched now, for the reason given. */
        Channel idle(String why) {
            return new Channel(name, ChannelStatus.IDLE, sent, received, missed, rejected, errors, counter, dropped, why);
        }
    }

    record Peer(String scm, Verdict verdict, ScmState state, OpMode opMode, OpMode configuredRole, long incarnation,
            Instant lastHeard) implements PeerView {

        @Override
        public boolean alive() {
            return verdict.alive();
        }

        /** @return whether a listener must hear of the change from {@code before} to this */
        boolean differsFrom(Peer before) {
            return verdict != before.verdict || state != before.state || opMode != before.opMode
                    || configuredRole != before.configuredRole || incarnation != before.incarnation;
        }
    }
}
