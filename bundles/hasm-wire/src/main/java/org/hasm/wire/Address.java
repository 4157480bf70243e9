package org.hasm.wire;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Parses the {@code IP:port} of a channel's configuration. Only literal addresses are accepted: a
 * failover must never wait for a name server.
 */
public final class Address {
    private Address() {
    }

    /**
     * @param property the configuration property, for the message
     * @param value {@code 10.0.0.1:7000} or {@code [fd00::1]:7000}
     * @return the address
     * @throws IllegalArgumentException whose message names the property and the problem
     */
    public static InetSocketAddress parse(String property, Object value) {
        String text = value == null ? "" : String.valueOf(value).trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(property + " is not set (expected IP:port)");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(property + "=" + text + " is not IP:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException(property + "=" + text + ": write an IPv6 address as [address]:port");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(property + "=" + text + ": the port must be 1..65535");
        }
        if (!literal(host)) {
            throw new IllegalArgumentException(property + "=" + text + ": " + host
                    + " is not an IP address (names are not resolved)");
        }
        try {
            // a literal: getByName parses it without asking a name server
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(property + "=" + text + ": " + e.getMessage());
        }
    }

    private static boolean literal(String host) {
        if (host.isEmpty()) {
            return false;
        }
        if (host.indexOf(':') >= 0) {
            return host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
