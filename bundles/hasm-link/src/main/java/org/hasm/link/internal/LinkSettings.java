package org.hasm.link.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.hasm.wire.ChannelConfig;
import org.hasm.wire.ClusterKey;
import org.hasm.wire.FrameCodec;

/** The link's configuration, validated; each problem names its property. */
record LinkSettings(String self, String peer, List<ChannelConfig> channels, long connectTimeoutMs, Path dataDir,
        Path keyFile, List<String> problems) {

    static final long DEFAULT_CONNECT_TIMEOUT_MS = 1000;
    static final String CONNECT_TIMEOUT = "connect.timeout.ms";

    LinkSettings {
        channels = List.copyOf(channels);
        problems = List.copyOf(problems);
    }

    static LinkSettings parse(Map<String, ?> config, Function<String, String> framework) {
        List<String> problems = new ArrayList<>();
        long connect = ChannelConfig.number(config, CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000, problems);
        List<ChannelConfig> channels = ChannelConfig.parse(config, problems);
        String self = trim(framework.apply("hasm.scm"));
        String peer = trim(framework.apply("hasm.peer"));
        Path dataDir = null;
        Path keyFile = null;
        // Without channels there is no peer (a standalone SCM): nothing else is needed.
        if (!ChannelConfig.names(config.get(ChannelConfig.CHANNELS), new ArrayList<>()).isEmpty()) {
            if (!FrameCodec.validName(self)) {
                problems.add("framework property hasm.scm" + (self == null ? " is not set" : "=" + self + " is not a valid SCM name"));
            }
            if (!FrameCodec.validName(peer)) {
                problems.add("framework property hasm.peer" + (peer == null ? " is not set (the peer's SCM name)"
                        : "=" + peer + " is not a valid SCM name"));
            } else if (peer.equals(self)) {
                problems.add("framework property hasm.peer=" + peer + " is this SCM's own name");
            }
            String data = trim(framework.apply("hasm.data.dir"));
            if (data == null) {
                problems.add("framework property hasm.data.dir is not set (the incarnation is kept there)");
            } else {
                dataDir = Path.of(data);
            }
            try {
                keyFile = ClusterKey.location(framework);
            } catch (java.io.IOException e) {
                problems.add(e.getMessage());
            }
        }
        return new LinkSettings(self, peer, channels, connect, dataDir, keyFile, problems);
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
