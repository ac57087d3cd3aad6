package org.secmon.ems.api.schema;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** String syntaxes of the data model. Each check returns null when the value is valid, else what is wrong. */
public final class Formats {
    /** The formats, with the text used in error messages and the OpenAPI document. */
    public enum Kind {
        NAME("a name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"),
        CIDR("an IPv4 or IPv6 address with an optional /prefix (e.g. 10.0.0.0/8, 2001:db8::/32), or 'any'"),
        IP("an IPv4 or IPv6 address"),
        HOST("an IPv4 or IPv6 address or a DNS host name"),
        MAC("a MAC address (e.g. 02:00:00:00:00:01), or 'any'"),
        PORT_RANGE("a port 0-65535, a range such as 1024-65535, or 'any'"),
        PROTOCOL("an IP protocol number 0-255 or name (" + org.secmon.plugin.IpProtocols.describe() + "), or 'any'"),
        URL("an http:// or https:// URL"),
        IKE_ID("an IKE identity: an IP address, a DNS name, user@dns-name, or a distinguished name such as "
                + "'C=CH, O=Example, CN=gw.example.org' (letters, digits, spaces and . _ @ : + / - ' ( ) only)"),
        SSH_PUBLIC_KEY("an OpenSSH public key line (ssh-ed25519, ecdsa-sha2-*, ssh-rsa)");

        private final String description;

        Kind(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}([:-][0-9a-f]{2}){5}");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?i)(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\\.?");
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@(.+)");
    private static final Pattern DN = Pattern.compile(
            "[A-Za-z][A-Za-z0-9.]{0,31}=[A-Za-z0-9 ._@:+/()'-]{1,128}(\\s*[,/]\\s*[A-Za-z][A-Za-z0-9.]{0,31}="
                    + "[A-Za-z0-9 ._@:+/()'-]{1,128}){0,15}");
    private static final Pattern SSH_KEY = Pattern.compile(
            "(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\\.com) [A-Za-z0-9+/]+=* ?.*");

    /** Protocol names accepted for {@link Kind#PROTOCOL}, with their numbers: the appliance's table. */
    public static final Map<String, Integer> PROTOCOLS = org.secmon.plugin.IpProtocols.names();

    private Formats() {
    }

    public static String check(Kind kind, String v) {
        boolean ok = switch (kind) {
            case NAME -> NAME.matcher(v).matches();
            case CIDR -> isAny(v) || cidr(v);
            case IP -> ip(v) != null;
            case HOST -> ip(v) != null || (HOSTNAME.matcher(v).matches() && !v.matches("[0-9.]+"));
            case MAC -> isAny(v) || MAC.matcher(v).matches();
            case PORT_RANGE -> isAny(v) || portRange(v) != null;
            case PROTOCOL -> isAny(v) || protocol(v) >= 0;
            case URL -> url(v);
            case IKE_ID -> ikeId(v);
            case SSH_PUBLIC_KEY -> SSH_KEY.matcher(v.strip()).matches();
        };
        return ok ? null : "must be " + kind.description() + ", not '" + v + "'";
    }

    public static boolean isAny(String v) {
        return v == null || v.isEmpty() || v.equalsIgnoreCase("any") || v.equals("*");
    }

    /** The address of a literal, or null (never a DNS look-up). */
    public static InetAddress ip(String v) {
        if (v == null || v.isEmpty() || !(v.indexOf(':') >= 0 || v.matches("[0-9.]+"))) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(v);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static boolean cidr(String v) {
        int slash = v.indexOf('/');
        InetAddress a = ip(slash < 0 ? v : v.substring(0, slash));
        if (a == null) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        int max = a instanceof Inet4Address ? 32 : 128;
        try {
            int p = Integer.parseInt(v.substring(slash + 1));
            return p >= 0 && p <= max;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Whether a CIDR value is IPv4 (true), IPv6 (false), or any (null). */
    public static Boolean cidrIsV4(String v) {
        if (isAny(v)) {
            return null;
        }
        int slash = v.indexOf('/');
        return ip(slash < 0 ? v : v.substring(0, slash)) instanceof Inet4Address;
    }

    /** {lo, hi} of a port or range, or null when invalid. */
    public static int[] portRange(String v) {
        String[] p = v.split("-", -1);
        if (p.length > 2) {
            return null;
        }
        try {
            int lo = Integer.parseInt(p[0].strip());
            int hi = p.length == 2 ? Integer.parseInt(p[1].strip()) : lo;
            return lo >= 0 && hi <= 65535 && lo <= hi ? new int[] {lo, hi} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether a classification object with this protocol may have ports: tcp, udp, sctp or any. */
    public static boolean hasPorts(String protocol) {
        int p = protocol(protocol == null ? "" : protocol.strip());
        return p == 6 || p == 17 || p == 132 || p == 256;
    }

    /** The protocol number, -1 when invalid, 256 for any: as the appliance compiles it. */
    public static int protocol(String v) {
        return org.secmon.plugin.IpProtocols.parse(v);
    }

    /**
     * A value someone else chose, for a log line, an audit record or an error message: backslash, newline, carriage
     * return and every other control or format character escaped (no forged log lines), at most {@code max}
     * characters.
     */
    public static String printable(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                b.append("\\\\");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Each entry of a node's {@code field} an IPv4 or IPv6 address (appliances and enforcers; SSRF checks use them). */
    public static void checkAddresses(Errors errors, String field, java.util.List<String> addresses) {
        for (int i = 0; i < addresses.size(); i++) {
            if (addresses.get(i) == null || ip(addresses.get(i)) == null) {
                errors.add(field + "[" + i + "]", "must be an IPv4 or IPv6 address");
            }
        }
    }

    /** IP address, FQDN, user@FQDN or a distinguished name; nothing that could end a swanctl.conf value. */
    static boolean ikeId(String v) {
        if (v.length() > 255 || v.isEmpty() || !v.strip().equals(v)) {
            return false;
        }
        if (ip(v) != null || (HOSTNAME.matcher(v).matches() && !v.matches("[0-9.]+"))) {
            return true;
        }
        java.util.regex.Matcher m = EMAIL.matcher(v);
        if (m.matches()) {
            return HOSTNAME.matcher(m.group(1)).matches();
        }
        return v.indexOf('=') > 0 && DN.matcher(v).matches();
    }

    static boolean url(String v) {
        try {
            URI u = new URI(v);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
        } catch (Exception e) {
            return false;
        }
    }
}
