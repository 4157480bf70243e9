package org.hasm.netif.internal;

import java.io.IOException;

/** Opens a raw socket in a JVM of its own (started with fewer capabilities) and says what happened. */
public final class RawSocketProbe {
    private RawSocketProbe() {
    }

    public static void main(String[] args) {
        try {
            RawSocket.open().close();
            System.out.println("opened");
        } catch (IOException e) {
            System.out.println("refused: " + e.getMessage());
        } catch (LinkageError e) {
            // what NetifComponent catches when the JNA bundle is missing
            System.out.println("no JNA: " + e);
        }
    }
}
