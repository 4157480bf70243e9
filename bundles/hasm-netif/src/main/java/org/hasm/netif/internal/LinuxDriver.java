package org.hasm.netif.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.netif.internal.Commands.CommandException;
import org.hasm.netif.internal.Commands.Result;
import org.hasm.spi.HaException;

/**
 * Linux mode: service addresses are secondary IPv4 addresses on one device, set with {@code ip addr}.
 * Before an address goes up, duplicate address detection asks the link whether anyone answers for
 * it (the peer may still hold it after a partition: serving it twice would split the clients);
 * after, a gratuitous ARP tells the neighbours which MAC now has it, so clients of a failed SCM
 * find the survivor without waiting for their ARP entries to expire.
 *
 * <p>Addresses added here carry the label {@code <device>:hasm} when the name fits (15 bytes):
 * that is how a restarted module recognises the ones an earlier run left behind, and how it tells
 * them from addresses an operator configured by hand, which it never removes.
 */
final class LinuxDriver implements Driver {
    static final String LABEL_SUFFIX = ":hasm";
    private static final int IFNAMSIZ = 15;
    // "2: eth0    inet 198.51.100.100/24 brd ... scope global secondary eth0:hasm\  valid_lft ..."
    private static final Pattern INET = Pattern.compile("\\binet\\s+([0-9.]+)/(\\d+)\\b(.*?)(?:\\\\|$)");
    private static final Pattern REPLY = Pattern.compile("(?i)reply from \\S+ \\[([0-9A-Fa-f:]+)\\]");
    // How long gratuitous ARP may linger (it waits about a second after sending) before it is killed.
    static final long GARP_LIMIT_MS = 3000;

    private final Settings settings;
    private final Commands commands;
    private final String label;

    LinuxDriver(Settings settings, Commands commands) {
        this.settings = settings;
        this.commands = commands;
        String l = settings.device() + LABEL_SUFFIX;
        this.label = l.length() <= IFNAMSIZ ? l : null;
    }

    LinuxDriver(Settings settings) {
        this(settings, new Commands(settings.commandPrefix(), settings.commandTimeoutMs(), GARP_LIMIT_MS));
    }

    /** @return the label put on added addresses, or {@code null} if the device name is too long for one */
    String label() {
        return label;
    }

    @Override
    public String refuse(InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            return "is not an IPv4 address: mode=linux brings up IPv4 addresses only";
        }
        if (address.isLoopbackAddress() || address.isMulticastAddress() || address.isAnyLocalAddress()) {
            return "cannot be a service address on " + settings.device();
        }
        return null;
    }

    @Override
    public Up up(String address) throws DuplicateAddressException, HaException {
        String present = present().get(address);
        if (present != null) {
            if (label != null && label.equals(present)) {
                announce(address); // ours from an earlier run that was not cleaned up: keep it, tell the link
                return Up.ADDED;
            }
            return Up.PRESENT;
        }
        detectDuplicate(address);
        Result r = run(add(address));
        if (r.exit() != 0 && !present().containsKey(address)) {
            throw new HaException("cannot add " + address + " to " + settings.device() + ": " + r.describe());
        }
        announce(address);
        return Up.ADDED;
    }

    private List<String> add(String address) {
        String cidr = address + "/" + settings.prefix();
        return label == null
                ? List.of("ip", "addr", "add", cidr, "dev", settings.device())
                : List.of("ip", "addr", "add", cidr, "dev", settings.device(), "label", label);
    }

    // arping -D: exit 0 = nobody answered; 1 = someone did (or the command itself failed, which the
    // output tells apart: only a real answer prints "reply from").
    private void detectDuplicate(String address) throws DuplicateAddressException, HaException {
        long seconds = Math.max(1, (settings.dadTimeoutMs() + 999) / 1000);
        Result r = run(List.of(settings.arping(), "-D", "-c", "2", "-w", String.valueOf(seconds),
                "-I", settings.device(), address), seconds * 1000 + settings.commandTimeoutMs());
        if (r.exit() == 0) {
            return;
        }
        Matcher m = REPLY.matcher(r.stdout());
        if (r.exit() == 1 && m.find()) {
            String mac = m.group(1).toLowerCase(java.util.Locale.ROOT);
            throw new DuplicateAddressException(address + " is in use on the link of " + settings.device()
                    + " by " + mac + " (duplicate address detection): not brought up", mac);
        }
        throw new HaException("duplicate address detection for " + address + " failed: " + r.describe());
    }

    // Not waited for: arping lingers about a second after its one packet, and a takeover of
    // several addresses must not pay that once per address.
    private void announce(String address) throws HaException {
        try {
            commands.background(List.of(settings.arping(), "-U", "-c", "1", "-I", settings.device(), address),
                    address);
        } catch (CommandException e) {
            throw new HaException("gratuitous ARP for " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void down(String address) throws HaException {
        Result r = run(List.of("ip", "addr", "del", address + "/" + settings.prefix(), "dev", settings.device()));
        if (r.exit() != 0 && present().containsKey(address)) {
            throw new HaException("cannot remove " + address + " from " + settings.device() + ": " + r.describe());
        }
    }

    @Override
    public Set<String> leftovers() throws HaException {
        Set<String> ours = new LinkedHashSet<>();
        if (label != null) {
            present().forEach((address, l) -> {
                if (label.equals(l)) {
                    ours.add(address);
                }
            });
        }
        return ours;
    }

    @Override
    public void selfTest() throws HaException {
        Result link = run(List.of("ip", "-o", "link", "show", "dev", settings.device()));
        if (link.exit() != 0) {
            throw new HaException(Settings.DEVICE + "=" + settings.device() + ": no such device: " + link.describe());
        }
        Result arping = run(List.of(settings.arping(), "-V"));
        if (arping.exit() != 0) {
            throw new HaException(Settings.ARPING + "=" + settings.arping() + " does not run (install iputils-arping): "
                    + arping.describe());
        }
    }

    @Override
    public void close() {
        commands.close();
    }

    /** @return the IPv4 addresses on the device, each with its label */
    Map<String, String> present() throws HaException {
        Result r = run(List.of("ip", "-o", "-4", "addr", "show", "dev", settings.device()));
        if (r.exit() != 0) {
            throw new HaException("cannot list the addresses of " + settings.device() + ": " + r.describe());
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = INET.matcher(line);
            if (m.find()) {
                String[] rest = m.group(3).trim().split("\\s+");
                // the label is the last word before the lifetimes; without one it is the device name
                found.put(m.group(1), rest.length == 0 ? settings.device() : rest[rest.length - 1]);
            }
        }
        return found;
    }

    private Result run(List<String> command) throws HaException {
        return run(command, settings.commandTimeoutMs());
    }

    private Result run(List<String> command, long timeoutMs) throws HaException {
        try {
            return commands.run(command, timeoutMs);
        } catch (CommandException e) {
            throw new HaException(e.getMessage(), e);
        }
    }
}
