package org.secmon.agent.ipsec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.agent.ipsec.vici.ViciMessage;

/**
 * The EMS's tunnels for this appliance ({@code GET /appliances/{id}/ipsec}) as strongSwan connections: one per tunnel
 * (IKE proposal, lifetimes, DPD, PSK or certificate authentication), one child with the subnets and the ESP proposal,
 * and the pre-shared keys. Each is a VICI message for charon ({@link #loadConn}, {@link #loadShared}) and, from the
 * same message, {@code swanctl.conf} text ({@link #render}) kept as the record of what was loaded. Pure: the same
 * tunnels give the same messages and text, and each tunnel's part is also available alone ({@link #blocks}), so the
 * enforcer can tell which tunnels changed.
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

    /**
     * The whole file from the per-connection {@link #blocks}: the record of what the enforcer loaded over VICI
     * (kept 0600 for diagnostics; {@code swanctl --load-all --file} takes it too).
     */
    public static String render(Map<String, String[]> blocks) {
        StringBuilder conns = new StringBuilder("connections {\n");
        StringBuilder secrets = new StringBuilder("secrets {\n");
        for (String[] b : blocks.values()) {
            conns.append(b[0]);
            secrets.append(b[1]);
        }
        return "# loaded into charon over VICI by the SecMon agent, from the EMS; changes here are not read\n" + conns
                + "}\n" + secrets + "}\n";
    }

    /** A connection's text block in swanctl.conf syntax, from the same message that is loaded over VICI. */
    private static String connection(JsonNode t) {
        String name = connectionName(t);
        StringBuilder b = new StringBuilder();
        text(b, name, connectionBody(t, null), "  ");
        return b.toString();
    }

    /**
     * The {@code load-conn} message of a tunnel: {@code {NAME: {...}}} with the keys swanctl.conf documents.
     *
     * @param certificate this end's certificate (PEM) for a certificate tunnel: VICI takes the certificate itself
     *                    where swanctl.conf names a file
     */
    public static ViciMessage loadConn(JsonNode t, String certificate) {
        return new ViciMessage().put(connectionName(t), connectionBody(t, certificate == null ? "" : certificate));
    }

    /** {@code cert}: null for the text form (the certificate's file name), else the certificate to load. */
    private static ViciMessage connectionBody(JsonNode t, String cert) {
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
        ViciMessage c = new ViciMessage();
        c.put("version", v1 ? "1" : "2");
        c.list("local_addrs", java.util.List.of(t.path("local_address").asText()));
        c.list("remote_addrs", java.util.List.of(t.path("remote_address").asText()));
        c.list("proposals", java.util.List.of(ikeProposal(ike)));
        // rekey (or reauthenticate) at 90% of the lifetime, give up at the lifetime
        c.put(reauth ? "reauth_time" : "rekey_time", life * 9 / 10 + "s");
        c.put("over_time", life / 10 + "s");
        if (dpd > 0) {
            c.put("dpd_delay", dpd + "s");
        }
        boolean pubkey = t.path("auth").asText("psk").equals("certificate");
        ViciMessage l = c.section("local").put("auth", pubkey ? "pubkey" : "psk");
        if (pubkey) {
            l.list("certs", java.util.List.of(cert == null ? CERT : cert));
        }
        l.put("id", local);
        c.section("remote").put("auth", pubkey ? "pubkey" : "psk").put("id", remote);
        ViciMessage ch = c.section("children").section(name);
        ch.list("local_ts", texts(t.path("local_subnets")));
        ch.list("remote_ts", texts(t.path("remote_subnets")));
        ch.list("esp_proposals", java.util.List.of(espProposal(esp)));
        ch.put("rekey_time", childLife * 9 / 10 + "s");
        ch.put("life_time", childLife + "s");
        if (t.hasNonNull("dscp")) {
            // the enforcer marks packets of this DSCP between the subnets (netfilter, DscpSteering) with this mark;
            // only they match this tunnel's outbound policy, placed above the unmarked one of a tunnel for the same
            // subnets without DSCP. Inbound, the SA marks what it decrypts, so its own (marked) policies accept
            // it and the unmarked tunnel's policies stay distinct
            ch.put("mark_out", mark(t));
            ch.put("mark_in", mark(t));
            ch.put("set_mark_in", mark(t));
            ch.put("priority", Integer.toString(DSCP_PRIORITY));
        }
        // the enforcer initiates (and re-initiates) itself; charon restarts a dead initiator tunnel on DPD
        ch.put("start_action", "none");
        ch.put("dpd_action", initiator ? "restart" : "clear");
        return c;
    }

    /**
     * A section in swanctl.conf syntax: every value in double quotes ({@link #quote} refuses what could end one),
     * lists comma-separated in one quoted value, as swanctl splits them.
     */
    private static void text(StringBuilder b, String name, ViciMessage m, String indent) {
        b.append(indent).append(name).append(" {\n");
        for (String k : m.keys()) {
            if (m.sub(k) != null) {
                text(b, k, m.sub(k), indent + "  ");
            } else if (m.text(k) != null) {
                b.append(indent).append("  ").append(k).append(" = ").append(quote(m.text(k))).append('\n');
            } else {
                for (String item : m.textList(k)) {
                    if (item.contains(",")) {
                        throw new IllegalArgumentException("a swanctl list item with a comma: " + printable(item));
                    }
                }
                b.append(indent).append("  ").append(k).append(" = ").append(quote(String.join(",", m.textList(k))))
                        .append('\n');
            }
        }
        b.append(indent).append("}\n");
    }

    private static java.util.List<String> texts(JsonNode arr) {
        java.util.List<String> out = new java.util.ArrayList<>();
        arr.forEach(n -> out.add(n.asText()));
        return out;
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
        ViciMessage m = loadShared(t);
        if (m == null) {
            return ""; // the private key is in swanctl's private directory
        }
        java.util.List<String> owners = m.textList("owners");
        return "  " + m.text("id") + " {\n    id-local = " + quote(owners.get(0)) + "\n    id-remote = "
                + quote(owners.get(1)) + "\n    secret = " + quote("0s" + java.util.Base64.getEncoder().encodeToString(
                t.path("psk").asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8))) + "\n  }\n";
    }

    /**
     * The {@code load-shared} message of a PSK tunnel (the key under the id {@code ike-NAME}, owned by both
     * identities), or null for a certificate tunnel.
     */
    public static ViciMessage loadShared(JsonNode t) {
        if (t.path("auth").asText("psk").equals("certificate")) {
            return null;
        }
        String local = t.path("local_id").asText(t.path("local_address").asText());
        String remote = t.path("remote_id").asText(t.path("remote_address").asText());
        return new ViciMessage().put("id", sharedId(t)).put("type", "IKE")
                .put("data", t.path("psk").asText("").getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .list("owners", java.util.List.of(local, remote));
    }

    /** The id of a tunnel's pre-shared key in charon. */
    public static String sharedId(JsonNode t) {
        return "ike-" + connectionName(t);
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
