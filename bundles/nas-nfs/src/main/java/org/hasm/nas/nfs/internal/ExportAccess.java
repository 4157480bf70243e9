package org.hasm.nas.nfs.internal;

import java.net.InetAddress;
import java.util.Map;
import org.dcache.oncrpc4j.rpc.RpcAuth;
import org.dcache.oncrpc4j.rpc.RpcAuthType;
import org.dcache.oncrpc4j.rpc.RpcAuthTypeUnix;
import org.dcache.oncrpc4j.rpc.RpcCall;

/**
 * Who may use an export, and as whom: the client networks it admits ({@code nfs.clients.<export>},
 * every client by default), whether a call without credentials (AUTH_NONE) is admitted
 * ({@code nfs.auth.none.<export>}, no by default), and whether root is squashed to {@value #NOBODY}
 * ({@code nfs.root.squash.<export>}, yes by default). The identity decides who owns what a client
 * creates, whether it may change an owner, and what it may do to a file by the file's mode bits
 * ({@link Permissions}).
 */
record ExportAccess(ClientNetworks clients, boolean authNone, boolean rootSquash) {
    static final String CLIENTS = "nfs.clients.";
    static final String AUTH_NONE = "nfs.auth.none.";
    static final String ROOT_SQUASH = "nfs.root.squash.";
    static final int NOBODY = 65534;

    static final ExportAccess DEFAULT = new ExportAccess(ClientNetworks.ANY, false, true);

    /**
     * The identity a request runs as, after squashing: its uid, its primary gid and the supplementary
     * gids AUTH_SYS carried (none for a squashed root or AUTH_NONE).
     */
    record Caller(int uid, int gid, int[] gids, boolean squashedRoot) {
        private static final int[] NONE = {};

        Caller(int uid, int gid, boolean squashedRoot) {
            this(uid, gid, NONE, squashedRoot);
        }

        boolean root() {
            return uid == 0;
        }

        /** @return whether the caller is a member of group {@code g}, by its primary or a supplementary gid */
        boolean inGroup(int g) {
            if (g == gid) {
                return true;
            }
            for (int s : gids) {
                if (s == g) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * @throws IllegalArgumentException naming the key and what is wrong with its value
     */
    static ExportAccess of(Map<String, String> properties, String export) {
        ClientNetworks clients;
        String raw = properties.get(CLIENTS + export);
        try {
            clients = ClientNetworks.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CLIENTS + export + ": " + e.getMessage());
        }
        return new ExportAccess(clients, bool(properties, AUTH_NONE + export, false),
                bool(properties, ROOT_SQUASH + export, true));
    }

    private static boolean bool(Map<String, String> properties, String key, boolean fallback) {
        String raw = properties.get(key);
        if (raw == null) {
            return fallback;
        }
        return switch (raw.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + ": '" + raw + "' is neither true nor false");
        };
    }

    /** @return the identity the call runs as on this export, or {@code null} if it is refused */
    Caller caller(RpcCall call) {
        var remote = call.getTransport().getRemoteSocketAddress();
        InetAddress address = remote == null ? null : remote.getAddress();
        if (!clients.admits(address)) {
            return null;
        }
        RpcAuth auth = call.getCredential();
        if (auth instanceof RpcAuthTypeUnix unix) {
            if (unix.uid() == 0 && rootSquash) {
                return new Caller(NOBODY, NOBODY, true);
            }
            int[] gids = unix.gids();
            return new Caller(unix.uid(), unix.gid(), gids == null ? Caller.NONE : gids.clone(), false);
        }
        if (auth != null && auth.type() == RpcAuthType.NONE && authNone) {
            return new Caller(NOBODY, NOBODY, false);
        }
        return null;
    }
}
