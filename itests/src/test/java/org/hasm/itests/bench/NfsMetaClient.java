package org.hasm.itests.bench;

import java.io.IOException;
import org.hasm.nas.nfs.internal.NfsClient;
import org.hasm.nas.nfs.internal.RpcClient;

/**
 * The metadata load of {@link NfsBench}, as a JVM of its own so that it runs where its server is
 * reachable (in the NFS-Ganesha peer's network namespace, with {@code ip netns exec}) and the same way
 * for hasm: {@code java -cp ... NfsMetaClient HOST NFS_PORT MOUNT_PORT EXPORT FOLDER COUNT [null]}. It
 * mounts the export, makes {@code FOLDER} in it, warms up with a few files, then for each of {@code COUNT}
 * files sends CREATE, GETATTR and REMOVE, one call at a time on one connection, and prints
 * {@code ops N nanos T} for that loop alone (no JVM start, no MOUNT). With {@code null} it sends three
 * NULL calls (which do nothing) in place of each file's three: what the client, the network and the
 * server's RPC layer alone take. Any failed call ends it with exit code 1 and the call's error.
 */
public final class NfsMetaClient {
    private static final int WARM_UP = 200;

    private NfsMetaClient() {
    }

    public static void main(String[] args) throws IOException {
        String host = args[0];
        int nfsPort = Integer.parseInt(args[1]);
        int mountPort = Integer.parseInt(args[2]);
        String export = args[3];
        String folder = args[4];
        int count = Integer.parseInt(args[5]);
        boolean empty = args.length > 6 && "null".equals(args[6]);
        byte[] root;
        try (NfsClient mount = new NfsClient(host, mountPort)) {
            root = mount.mount(export);
        }
        try (NfsClient c = new NfsClient(host, nfsPort)) {
            byte[] dir = c.mkdirHandle(root, folder);
            Load load = empty ? NfsMetaClient::pings : NfsMetaClient::files;
            load.run(c, dir, "w-", WARM_UP);
            long start = System.nanoTime();
            load.run(c, dir, "f-", count);
            long nanos = System.nanoTime() - start;
            System.out.println("ops " + 3L * count + " nanos " + nanos);
        } catch (IOException e) {
            System.out.println("failed " + e.getMessage());
            System.exit(1);
        }
    }

    private interface Load {
        void run(NfsClient c, byte[] dir, String prefix, int count) throws IOException;
    }

    private static void pings(NfsClient c, byte[] dir, String prefix, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            c.ping();
            c.ping();
            c.ping();
        }
    }

    private static void files(NfsClient c, byte[] dir, String prefix, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            String name = prefix + i;
            byte[] fh = c.create(dir, name);
            c.getattr(fh);
            int removed = c.remove(RpcClient.nextXid(), dir, name);
            if (removed != NfsClient.OK) {
                throw new IOException("REMOVE " + name + ": nfsstat3 " + removed);
            }
        }
    }
}
