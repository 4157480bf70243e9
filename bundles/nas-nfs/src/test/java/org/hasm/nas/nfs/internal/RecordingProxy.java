package org.hasm.nas.nfs.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP proxy on loopback that passes ONC RPC traffic through unchanged and keeps every record a
 * client sent, whole (record marks removed): how the XDR fixtures of real clients' calls were
 * captured. Threads: one acceptor and two pumps per connection, daemons, ended by {@link #close()}.
 */
final class RecordingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    // Guarded by itself.
    private final List<byte[]> calls = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread acceptor;

    RecordingProxy(String host, int targetPort) throws IOException {
        this.target = new InetSocketAddress(host, targetPort);
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(host, 0));
        acceptor = new Thread(this::accept, "hasm-test-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    List<byte[]> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 5_000);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(server);
                }
                pump("hasm-test-proxy-up", () -> records(client.getInputStream(), server.getOutputStream()));
                pump("hasm-test-proxy-down", () -> server.getInputStream().transferTo(client.getOutputStream()));
            } catch (IOException e) {
                return;
            }
        }
    }

    private interface Pump {
        void run() throws IOException;
    }

    private static void pump(String name, Pump pump) {
        Thread t = new Thread(() -> {
            try {
                pump.run();
            } catch (IOException e) {
                // the connection ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Forwards fragments as they come, and keeps each record once its last fragment passed. */
    private void records(InputStream in, OutputStream out) throws IOException {
        DataInputStream data = new DataInputStream(in);
        ByteBuffer record = ByteBuffer.allocate(0);
        for (int i = 0; i < 1_000_000; i++) {
            int mark = data.readInt();
            int len = mark & 0x7fffffff;
            byte[] frag = new byte[len];
            data.readFully(frag);
            out.write(ByteBuffer.allocate(4).putInt(mark).array());
            out.write(frag);
            out.flush();
            record = ByteBuffer.allocate(record.capacity() + len).put(record.flip()).put(frag);
            if ((mark & 0x80000000) != 0) {
                synchronized (calls) {
                    calls.add(record.array());
                }
                record = ByteBuffer.allocate(0);
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
