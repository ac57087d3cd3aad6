package org.secmon.agent.ipsec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Steers traffic of a DSCP class into its tunnel: for every tunnel with a {@code dscp}, netfilter rules mark the
 * packets between the tunnel's subnets that carry that DSCP with the tunnel's mark ({@link SwanctlConfig#mark}), and
 * the tunnel's outbound XFRM policy matches only that mark (swanctl {@code mark_out}, at a higher priority than the
 * unmarked policy of a tunnel without DSCP for the same subnets). Marking happens in the {@code output} hook (the
 * appliance's own exports; a changed mark re-routes the packet, so the XFRM lookup sees it) and in
 * {@code prerouting} (traffic the node forwards, when it is an IPsec gateway).
 * <p>
 * The rules live in one nftables table, {@code inet secmon_dscp}, replaced as a whole in one transaction at each
 * change (and removed when no tunnel has a DSCP), so nothing else in the node's ruleset is touched.
 */
public final class DscpSteering {
    /** The nftables table (family inet) the enforcer owns. */
    public static final String TABLE = "secmon_dscp";

    private DscpSteering() {
    }

    /** Whether any tunnel is a DSCP tunnel. */
    public static boolean any(JsonNode ipsec) {
        for (JsonNode t : ipsec.path("tunnels")) {
            if (t.hasNonNull("dscp")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The {@code nft -f} script that makes the table what the tunnels need: created if missing, deleted, and (with
     * DSCP tunnels) defined again, all in one atomic transaction.
     */
    public static String script(JsonNode ipsec) {
        StringBuilder rules = new StringBuilder();
        for (JsonNode t : ipsec.path("tunnels")) {
            if (!t.hasNonNull("dscp")) {
                continue;
            }
            int dscp = t.path("dscp").asInt();
            String name = SwanctlConfig.connectionName(t);
            for (String fam : new String[] {"ip", "ip6"}) {
                List<String> local = subnets(t.path("local_subnets"), fam.equals("ip6"));
                List<String> remote = subnets(t.path("remote_subnets"), fam.equals("ip6"));
                if (local.isEmpty() || remote.isEmpty()) {
                    continue;
                }
                rules.append("    ").append(fam).append(" saddr ").append(set(local)).append(' ').append(fam)
                        .append(" daddr ").append(set(remote)).append(' ').append(fam).append(" dscp ").append(dscp)
                        .append(" counter meta mark set ").append(SwanctlConfig.mark(t)).append(" comment \"")
                        .append(name).append("\"\n");
            }
        }
        String head = "table inet " + TABLE + "\ndelete table inet " + TABLE + "\n";
        if (rules.isEmpty()) {
            return head;
        }
        return head + "table inet " + TABLE + " {\n"
                + "  chain output {\n    type route hook output priority mangle; policy accept;\n" + rules
                + "  }\n"
                + "  chain prerouting {\n    type filter hook prerouting priority mangle; policy accept;\n" + rules
                + "  }\n}\n";
    }

    private static String set(List<String> l) {
        return l.size() == 1 ? l.get(0) : "{ " + String.join(", ", l) + " }";
    }

    private static List<String> subnets(JsonNode arr, boolean v6) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : arr) {
            String s = n.asText().strip();
            if (s.indexOf(':') >= 0 == v6) {
                // the EMS checked them as CIDRs; refuse anything else rather than pass it to nft
                if (!s.toLowerCase(Locale.ROOT).matches("[0-9a-f:.]+(/\\d{1,3})?")) {
                    throw new IllegalArgumentException("not a subnet: '" + s + "'");
                }
                out.add(s);
            }
        }
        return out;
    }
}
