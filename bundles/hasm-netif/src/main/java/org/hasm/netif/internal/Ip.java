package org.hasm.netif.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IP literals, parsed without ever asking DNS (a personality's address is never a host name). */
final class Ip {
    private static final Pattern V4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    // Hex digits, colons and an embedded IPv4 tail; no zone index (a service address has none).
    private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private Ip() {
    }

    /**
     * @param text an IPv4 or IPv6 literal
     * @return the address
     * @throws IllegalArgumentException saying why if it is not a literal
     */
    static InetAddress parse(String text) {
        String s = text == null ? "" : text.trim();
        var v4 = V4.matcher(s);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                // checked here: InetAddress would take "1.2.3.400" for a host name and look it up
                if (Integer.parseInt(v4.group(i)) > 255) {
                    throw new IllegalArgumentException("'" + s + "' is not an IP address");
                }
            }
        } else if (!V6.matcher(s).matches()) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address", e);
        }
    }
}
