package org.hasm.nas.nfs.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The clients an export admits: a comma-separated list of IP addresses and networks
 * ({@code 10.1.0.0/16, 127.0.0.1, fd00::/8}); {@code *} (the default) admits every client.
 */
record ClientNetworks(List<Network> networks) {

    static final ClientNetworks ANY = new ClientNetworks(null);

    /** An address and how many of its leading bits must match. */
    record Network(byte[] address, int bits) {
        boolean contains(byte[] other) {
            if (other.length != address.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((address[i / 8] & mask) != (other[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Network n && n.bits == bits && java.util.Arrays.equals(n.address, address);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(address) * 31 + bits;
        }
    }

    /**
     * @throws IllegalArgumentException naming the entry that is not an IP address or network
     */
    static ClientNetworks parse(String raw) {
        if (raw == null || raw.isBlank() || raw.strip().equals("*")) {
            return ANY;
        }
        List<Network> list = new ArrayList<>();
        for (String entry : raw.split(",")) {
            String e = entry.strip();
            String host = e;
            int bits = -1;
            int slash = e.indexOf('/');
            if (slash >= 0) {
                host = e.substring(0, slash);
                try {
                    bits = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("'" + e + "' is not an IP address or network (a.b.c.d/n)");
                }
            }
            if (host.isEmpty() || !(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
                // names are never looked up: an export's clients do not depend on a name service
                throw new IllegalArgumentException("'" + e + "' is not an IP address or network (a.b.c.d/n)");
            }
            byte[] address;
            try {
                address = InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException ex) {
                throw new IllegalArgumentException("'" + e + "' is not an IP address or network (a.b.c.d/n)");
            }
            int max = address.length * 8;
            if (bits < 0) {
                bits = max;
            }
            if (bits > max) {
                throw new IllegalArgumentException("'" + e + "': a prefix of at most " + max + " bits");
            }
            list.add(new Network(address, bits));
        }
        return new ClientNetworks(List.copyOf(list));
    }

    boolean admits(InetAddress client) {
        if (networks == null) {
            return true;
        }
        if (client == null) {
            return false;
        }
        byte[] a = client.getAddress();
        return networks.stream().anyMatch(n -> n.contains(a));
    }
}
