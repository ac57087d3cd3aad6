package org.secmon.agent.ipsec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Renders the EMS's tunnels for this appliance ({@code GET /appliances/{id}/ipsec}) as strongSwan {@code swanctl.conf}:
 * one connection per tunnel (IKE proposal, lifetimes, DPD, PSK authentication), one child with the subnets and the
 * ESP proposal, and the pre-shared keys in {@code secrets}. Pure: the same tunnels give the same text, and each
 * tunnel's part is also available alone ({@link #blocks}), so the enforcer can tell which tunnels changed.
 */
public final class SwanctlConfig {
    private SwanctlConfig() {
    }

    /**
     * Connection name of a tunnel: its EMS name, safe for swanctl and one-to-one: '_' becomes "_u" and '.' "_d"
     * (swanctl section names take neither '.' nor arbitrary characters; a plain replacement made "a.b" and "a_b" one
     * connection), anything else outside [A-Za-z0-9-] "_xHH".
     */
    public static String connectionName(JsonNode tunnel) {
        String n = tunnel.path("name").asText();
        StringBuilder b = new StringBuilder("secmon-");
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
                b.append(c);
            } else if (c == '_') {
                b.append("_u");
            } else if (c == '.') {
                b.append("_d");
            } else {
                b.append(String.format(Locale.ROOT, "_x%02x", (int) c & 0xff));
            }
        }
        return b.toString();
    }

    // What may reach swanctl.conf and the nft rules, field by field (the EMS checks the same with its own grammar;
    // this is the second line, for whatever reached the agent anyway). Nothing here can end a value, a line or a
    // block: no quotes, backslashes, braces, '#', '$' or control characters.
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final java.util.regex.Pattern ADDRESS = java.util.regex.Pattern.compile("(?i)[0-9a-f:.]{2,45}");
    private static final java.util.regex.Pattern SUBNET = java.util.regex.Pattern.compile("(?i)[0-9a-f:.]{2,45}(/\\d{1,3})?");
    private static final java.util.regex.Pattern ALGORITHM = java.util.regex.Pattern.compile("[a-z0-9]{1,32}");
    private static final java.util.regex.Pattern IKE_ID = java.util.regex.Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9 ._@:+/=,()'-]{0,254}");

    /**
     * The tunnels of {@code ipsec} that are safe to render, in order; each other one is left out and described in
     * {@code refused} (tunnel name and field).
     */
    public static JsonNode validTunnels(JsonNode ipsec, java.util.List<String> refused) {
        com.fasterxml.jackson.databind.node.ObjectNode out = ((com.fasterxml.jackson.databind.node.ObjectNode)
                (ipsec.isObject() ? ipsec.deepCopy() : org.secmon.ems.api.Json.mapper().createObjectNode()));
        com.fasterxml.jackson.databind.node.ArrayNode keep = out.putArray("tunnels");
        for (JsonNode t : ipsec.path("tunnels")) {
            String why = invalid(t);
            if (why == null) {
                keep.add(t);
            } else {
                refused.add("tunnel " + printable(t.path("name").asText()) + ": " + why);
            }
        }
        return out;
    }

    /** Null when every field of the tunnel that reaches a file or a command is of its strict form, else which not. */
    public static String invalid(JsonNode t) {
        String r = check("name", t.path("name"), NAME);
        r = r != null ? r : check("local_address", t.path("local_address"), ADDRESS);
        r = r != null ? r : check("remote_address", t.path("remote_address"), ADDRESS);
        r = r != null ? r : optional("local_id", t.path("local_id"), IKE_ID);
        r = r != null ? r : optional("remote_id", t.path("remote_id"), IKE_ID);
        for (String f : new String[] {"local_subnets", "remote_subnets"}) {
            JsonNode a = t.path(f);
            if (!a.isArray() || a.isEmpty()) {
                r = r != null ? r : f + " must be a non-empty list";
            }
            for (JsonNode n : a) {
                r = r != null ? r : check(f, n, SUBNET);
            }
        }
        for (String f : new String[] {"encryption", "integrity", "dh_group", "ike_version", "rekey_mode"}) {
            r = r != null ? r : optional("ike." + f, t.path("ike").path(f), ALGORITHM);
        }
        for (String f : new String[] {"encryption", "integrity", "pfs_group"}) {
            r = r != null ? r : optional("esp." + f, t.path("esp").path(f), ALGORITHM);
        }
        for (String f : new String[] {"dscp", "dpd_delay"}) {
            JsonNode n = t.path(f);
            if (!n.isMissingNode() && !n.isNull() && !n.isIntegralNumber()) {
                r = r != null ? r : f + " must be an integer";
            }
        }
        return r;
    }

    private static String optional(String field, JsonNode v, java.util.regex.Pattern p) {
        return v.isMissingNode() || v.isNull() ? null : check(field, v, p);
    }

    private static String check(String field, JsonNode v, java.util.regex.Pattern p) {
        if (!v.isTextual() || !p.matcher(v.asText()).matches()) {
            return field + " is not of the form swanctl.conf takes safely: " + printable(v.toString());
        }
        return null;
    }

    private static String printable(String s) {
        return org.secmon.ems.api.schema.Formats.printable(s, 80);
    }

    /** Per connection name, its connection block and its secret block, for the {@link #validTunnels} only. */
    public static Map<String, String[]> blocks(JsonNode ipsec) {
        Map<String, String[]> out = new LinkedHashMap<>();
        for (JsonNode t : ipsec.path("tunnels")) {
            if (invalid(t) != null) {
                continue; // defence in depth: callers filter with validTunnels and report
            }
            out.put(connectionName(t), new String[] {connection(t), secret(t)});
        }
        return out;
    }

    public static String render(JsonNode ipsec) {
        return render(blocks(ipsec));
    }

    /** The whole file from the per-connection {@link #blocks}. */
    public static String render(Map<String, String[]> blocks) {
        return render(blocks, java.util.List.of());
    }

    /**
     * The whole file, first including {@code includes} (swanctl globs such as {@code /etc/swanctl/conf.d/*.conf}):
     * {@code swanctl --load-all} replaces every connection and secret charon has with the file's, so connections
     * the enforcer does not own (an appliance's boot-time tunnel to the analytics system) survive only when the file
     * includes them.
     */
    public static String render(Map<String, String[]> blocks, java.util.List<String> includes) {
        StringBuilder head = new StringBuilder();
        for (String glob : includes) {
            if (glob.isBlank() || glob.contains("\n") || glob.contains("\"")) {
                throw new IllegalArgumentException("not a swanctl include path: '" + glob + "'");
            }
            head.append("include ").append(glob.strip()).append('\n');
        }
        StringBuilder conns = new StringBuilder("connections {\n");
        StringBuilder secrets = new StringBuilder("secrets {\n");
        for (String[] b : blocks.values()) {
            conns.append(b[0]);
            secrets.append(b[1]);
        }
        return "# written by the SecMon agent from the EMS; changes here are overwritten\n" + head + conns + "}\n"
                + secrets
                + "}\n";
    }

    private static String connection(JsonNode t) {
        JsonNode ike = t.path("ike");
        JsonNode esp = t.path("esp");
        String name = connectionName(t);
        boolean v1 = ike.path("ike_version").asText("ikev2").equals("ikev1");
        String local = t.path("local_id").asText(t.path("local_address").asText());
        String remote = t.path("remote_id").asText(t.path("remote_address").asText());
        int life = ike.path("lifetime").asInt(14400);
        boolean reauth = ike.path("rekey_mode").asText("rekey").equals("reauth");
        int childLife = esp.path("lifetime").asInt(3600);
        int dpd = t.path("dpd_delay").asInt(30);
        boolean initiator = t.path("initiator").asBoolean(true);
        StringBuilder b = new StringBuilder();
        b.append("  ").append(name).append(" {\n");
        b.append("    version = ").append(v1 ? 1 : 2).append('\n');
        b.append("    local_addrs = ").append(t.path("local_address").asText()).append('\n');
        b.append("    remote_addrs = ").append(t.path("remote_address").asText()).append('\n');
        b.append("    proposals = ").append(ikeProposal(ike)).append('\n');
        // rekey (or reauthenticate) at 90% of the lifetime, give up at the lifetime
        b.append("    ").append(reauth ? "reauth_time" : "rekey_time").append(" = ").append(life * 9 / 10)
                .append("s\n");
        b.append("    over_time = ").append(life / 10).append("s\n");
        if (dpd > 0) {
            b.append("    dpd_delay = ").append(dpd).append("s\n");
        }
        if (t.path("auth").asText("psk").equals("certificate")) {
            b.append("    local {\n      auth = pubkey\n      certs = ").append(CERT).append("\n      id = ")
                    .append(quote(local)).append("\n    }\n");
            b.append("    remote {\n      auth = pubkey\n      id = ").append(quote(remote)).append("\n    }\n");
        } else {
            b.append("    local {\n      auth = psk\n      id = ").append(quote(local)).append("\n    }\n");
            b.append("    remote {\n      auth = psk\n      id = ").append(quote(remote)).append("\n    }\n");
        }
        b.append("    children {\n      ").append(name).append(" {\n");
        b.append("        local_ts = ").append(join(t.path("local_subnets"))).append('\n');
        b.append("        remote_ts = ").append(join(t.path("remote_subnets"))).append('\n');
        b.append("        esp_proposals = ").append(espProposal(esp)).append('\n');
        b.append("        rekey_time = ").append(childLife * 9 / 10).append("s\n");
        b.append("        life_time = ").append(childLife).append("s\n");
        if (t.hasNonNull("dscp")) {
            // the enforcer marks packets of this DSCP between the subnets (netfilter, DscpSteering) with this mark;
            // only they match this tunnel's outbound policy, placed above the unmarked one of a tunnel for the same
            // subnets without DSCP. Inbound, the SA marks what it decrypts, so its own (marked) policies accept
            // it and the unmarked tunnel's policies stay distinct
            b.append("        mark_out = ").append(mark(t)).append('\n');
            b.append("        mark_in = ").append(mark(t)).append('\n');
            b.append("        set_mark_in = ").append(mark(t)).append('\n');
            b.append("        priority = ").append(DSCP_PRIORITY).append('\n');
        }
        // the enforcer initiates (and re-initiates) itself; charon restarts a dead initiator tunnel on DPD
        b.append("        start_action = none\n");
        b.append("        dpd_action = ").append(initiator ? "restart" : "clear").append('\n');
        b.append("      }\n    }\n  }\n");
        return b.toString();
    }

    /**
     * The fixed XFRM policy priority of DSCP tunnels (lower wins): far above strongSwan's own (from the selectors'
     * sizes, around 375,000 for host-to-subnet), so a marked packet takes the DSCP tunnel over an unmarked tunnel
     * for the same subnets; the kernel needs them to differ to install both.
     */
    public static final int DSCP_PRIORITY = 1024;

    /** The netfilter/XFRM mark for a DSCP tunnel: 0x5EC00 + DSCP. */
    public static String mark(JsonNode t) {
        return String.format(Locale.ROOT, "0x%x", 0x5EC00 + t.path("dscp").asInt());
    }

    /** The appliance's certificate file in swanctl's x509 directory. */
    public static final String CERT = "secmon-appliance.pem";

    /** Whether any tunnel authenticates with certificates (the enforcer then needs one). */
    public static boolean needsCertificate(JsonNode ipsec) {
        for (JsonNode t : ipsec.path("tunnels")) {
            if (t.path("auth").asText("psk").equals("certificate")) {
                return true;
            }
        }
        return false;
    }

    private static String secret(JsonNode t) {
        if (t.path("auth").asText("psk").equals("certificate")) {
            return ""; // the private key is in swanctl's private directory
        }
        String name = connectionName(t);
        String local = t.path("local_id").asText(t.path("local_address").asText());
        String remote = t.path("remote_id").asText(t.path("remote_address").asText());
        String psk = t.path("psk").asText("");
        return "  ike-" + name + " {\n    id-local = " + quote(local) + "\n    id-remote = " + quote(remote)
                + "\n    secret = 0s"
                + java.util.Base64.getEncoder().encodeToString(psk.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + "\n  }\n";
    }

    /** A value in double quotes; refuses what could end it (the tunnel was checked; this is the last guard). */
    static String quote(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                throw new IllegalArgumentException("not a safe swanctl value: " + printable(v));
            }
        }
        return "\"" + v + "\"";
    }

    static String ikeProposal(JsonNode ike) {
        String enc = ike.path("encryption").asText("aes256gcm16");
        String integ = ike.path("integrity").asText("sha256");
        String dh = ike.path("dh_group").asText("ecp256");
        return enc.contains("gcm") ? enc + "-prf" + integ + "-" + dh : enc + "-" + integ + "-" + dh;
    }

    static String espProposal(JsonNode esp) {
        String enc = esp.path("encryption").asText("aes256gcm16");
        String integ = esp.path("integrity").asText("sha256");
        String pfs = esp.path("pfs_group").asText("ecp256");
        String base = enc.contains("gcm") ? enc : enc + "-" + integ;
        return pfs.equals("none") ? base : base + "-" + pfs;
    }

    private static String join(JsonNode arr) {
        StringBuilder s = new StringBuilder();
        for (JsonNode n : arr) {
            if (!s.isEmpty()) {
                s.append(',');
            }
            s.append(n.asText());
        }
        return s.toString();
    }
}
