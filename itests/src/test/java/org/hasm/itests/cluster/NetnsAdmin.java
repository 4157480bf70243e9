package org.hasm.itests.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * What a pair whose SCMs run in network namespaces needs from the test: the admin API reached by
 * curl inside the SCM's namespace, and the status and link channels moved onto the namespaces'
 * networks.
 */
final class NetnsAdmin {
    /** A channel's address in its configuration (org.hasm.status.channel~NAME.cfg, org.hasm.link.channel~NAME.cfg). */
    private static final Pattern CHANNEL = Pattern.compile("^(local|peer)=[^:]+:(\\d+)$", Pattern.MULTILINE);

    private NetnsAdmin() {
    }

    /** The admin API on 127.0.0.1 of the SCM's namespace, by curl run in that namespace. */
    static Pair.Reply call(NetnsLab lab, Pair pair, String machine, Scm scm, String method, String path)
            throws IOException, InterruptedException {
        List<String> curl = new ArrayList<>(List.of("curl", "-s", "--noproxy", "*", "-m",
                "POST".equals(method) ? "10" : "2", "-o", "-", "-w", "\n%{http_code}",
                "-H", "Authorization: Bearer " + pair.adminToken(scm)));
        if ("POST".equals(method)) {
            curl.addAll(List.of("-X", "POST")); // no body: a form body (curl's default content type) is refused
        }
        curl.add("http://127.0.0.1:" + pair.adminPort(scm) + path);
        NetnsLab.Result r = lab.exec(machine, curl, Duration.ofSeconds(15));
        int cut = r.output().lastIndexOf('\n');
        String code = r.output().substring(cut + 1).strip();
        if (r.exit() != 0 || code.equals("000")) {
            throw new IOException("curl exit " + r.exit() + ": " + r.output());
        }
        return new Pair.Reply(Integer.parseInt(code), r.output().substring(0, cut));
    }

    /**
     * Rewrites an SCM's {@code link} and {@code host} channels of the status monitor and the link to
     * the addresses {@code own(scm, network)} gives.
     */
    static void moveChannels(Pair pair, Scm scm, BiFunction<Scm, String, String> own) throws IOException {
        for (String of : List.of("link", "status")) {
            for (String network : List.of("link", "host")) {
                String file = "org.hasm." + of + ".channel~" + network + ".cfg";
                Path path = pair.node(scm).resolve("etc").resolve(file);
                Matcher m = CHANNEL.matcher(Files.readString(path, StandardCharsets.UTF_8));
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    Scm owner = m.group(1).equals("local") ? scm : scm.other();
                    m.appendReplacement(out, m.group(1) + "=" + own.apply(owner, network) + ":" + m.group(2));
                }
                m.appendTail(out);
                pair.writeConfig(scm, file, out.toString());
            }
        }
    }
}
