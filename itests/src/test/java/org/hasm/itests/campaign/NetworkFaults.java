package org.hasm.itests.campaign;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.hasm.itests.cluster.Pair;
import org.hasm.itests.cluster.Pair.Scm;

/**
 * Networks between the SCMs cut or made lossy with a real packet filter: an nftables table of the
 * fault's own, deleted to undo it, so nothing else on the machine is touched. A network is matched
 * by the pair's ports on it, both kinds: the status monitor's UDP datagrams and the link's TCP
 * connections (a connection's packets towards its client carry the server's port as source port).
 */
final class NetworkFaults {

    private NetworkFaults() {
    }

    /**
     * @param table a name no other table on the machine has
     * @param fault a cut, a cut of every network, or a lossy network
     * @return what deletes the table
     */
    static Lab.Undo apply(Pair pair, String table, Fault fault) throws Exception {
        String match = fault.kind() == FaultKind.LOSSY_CHANNEL ? "numgen random mod 100 < " + fault.amount() + " " : "";
        List<Scm> receivers = fault.target() == null ? List.of(Scm.A, Scm.B) : List.of(fault.target());
        StringJoiner udp = new StringJoiner(", ");
        StringJoiner tcpTo = new StringJoiner(", ");
        StringJoiner tcpFrom = new StringJoiner(", ");
        for (String network : fault.networks()) {
            for (Scm to : receivers) {
                udp.add(Integer.toString(pair.statusAddress(to, network).getPort()));
                tcpTo.add(Integer.toString(pair.linkAddress(to, network).getPort()));
                tcpFrom.add(Integer.toString(pair.linkAddress(to.other(), network).getPort()));
            }
        }
        List<String> rules = new ArrayList<>();
        rules.add("udp dport { " + udp + " } " + match + "drop");
        rules.add("tcp dport { " + tcpTo + " } " + match + "drop");
        rules.add("tcp sport { " + tcpFrom + " } " + match + "drop");
        String script = "table inet " + table + " {\n  chain input {\n    type filter hook input priority 0; policy accept;\n"
                + rules.stream().map(r -> "    " + r + "\n").reduce("", String::concat) + "  }\n}\n";
        Command.run(script, "nft", "-f", "-");
        return () -> Command.run(null, "nft", "delete", "table", "inet", table);
    }
}
