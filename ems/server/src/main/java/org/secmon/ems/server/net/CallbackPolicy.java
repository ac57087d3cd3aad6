package org.secmon.ems.server.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

import org.secmon.ems.api.schema.Formats;

/**
 * Where the EMS may send its own requests: appliances' notification URLs and IPsec enforcers' health URLs (SSRF
 * guard). An address is allowed when it is one of the appliance's (enforcer's) registered addresses and is not
 * loopback, link-local (the cloud metadata server), multicast or unspecified — or when it falls in a CIDR an
 * administrator allowed ({@code --allow-callbacks}), which is how loopback is allowed for a demo on one machine. The
 * EMS's own listeners on this host are never a target. Every address a host name resolves to must pass, and the
 * EMS connects to the address it checked ({@link #target}), so a name that resolves differently later (DNS
 * rebinding) gains nothing. Redirects are never followed (the JDK client's default).
 */
public final class CallbackPolicy {
    /** Nothing allowed beyond the nodes' own registered addresses (a new instance: ports are added to it). */
    public static CallbackPolicy strict() {
        return new CallbackPolicy(List.of());
    }

    private final List<Cidr> allowed;
    private final Set<Integer> emsPorts = new CopyOnWriteArraySet<>();

    public CallbackPolicy(List<String> allowedCidrs) {
        List<Cidr> l = new ArrayList<>();
        for (String c : allowedCidrs) {
            l.add(Cidr.parse(c.strip()));
        }
        this.allowed = List.copyOf(l);
    }

    /** A port the EMS listens on (never a callback target on this host). */
    public CallbackPolicy emsPort(int port) {
        emsPorts.add(port);
        return this;
    }

    /** Null when {@code url} may be called for a node whose {@code addresses} (as stored) these are, else why not. */
    public String check(String url, com.fasterxml.jackson.databind.JsonNode addresses) {
        try {
            target(url, addresses);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The URL with its host replaced by the checked address to connect to.
     *
     * @param addresses the node's registered addresses, as stored (a JSON array of strings)
     * @throws IllegalArgumentException what is not allowed
     */
    public URI target(String url, com.fasterxml.jackson.databind.JsonNode addresses) {
        List<String> ownAddresses = new ArrayList<>();
        addresses.forEach(n -> ownAddresses.add(n.asText()));
        if (url == null || Formats.check(Formats.Kind.URL, url) != null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL");
        }
        URI u = URI.create(url);
        if (u.getUserInfo() != null) {
            throw new IllegalArgumentException("must not carry user information");
        }
        String host = u.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] all;
        try {
            InetAddress lit = Formats.ip(bare);
            all = lit != null ? new InetAddress[] {lit} : InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + bare + "' does not resolve");
        }
        int port = u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
        for (InetAddress a : all) {
            String why = refusal(a, port, ownAddresses);
            if (why != null) {
                throw new IllegalArgumentException(why);
            }
        }
        String lit = all[0].getHostAddress();
        if (all[0] instanceof java.net.Inet6Address) {
            int pct = lit.indexOf('%');
            lit = "[" + (pct < 0 ? lit : lit.substring(0, pct)) + "]";
        }
        return URI.create(u.getScheme() + "://" + lit + ":" + port + (u.getRawPath() == null ? "" : u.getRawPath())
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
    }

    private String refusal(InetAddress a, int port, List<String> own) {
        String what = a.getHostAddress();
        if (emsPorts.contains(port) && isLocal(a)) {
            return "points at the EMS itself (" + what + " port " + port + ")";
        }
        for (Cidr c : allowed) {
            if (c.contains(a)) {
                return null;
            }
        }
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()
                || isV4Broadcast(a)) {
            return "may not point at " + what + " (loopback, link-local, multicast and unspecified addresses are "
                    + "refused unless the EMS allows them with --allow-callbacks)";
        }
        for (String o : own) {
            InetAddress oa = Formats.ip(o);
            if (oa != null && oa.equals(a)) {
                return null;
            }
        }
        return "must point at one of the node's own addresses " + own + " (or a network the EMS allows with "
                + "--allow-callbacks), not " + what;
    }

    private static boolean isV4Broadcast(InetAddress a) {
        return a instanceof Inet4Address && a.getHostAddress().equals("255.255.255.255");
    }

    private static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** An IPv4 or IPv6 prefix. */
    record Cidr(byte[] net, int bits) {
        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            InetAddress a = Formats.ip(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                throw new IllegalArgumentException("not a CIDR: '" + s + "'");
            }
            int max = a.getAddress().length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR: '" + s + "'");
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("not a CIDR: '" + s + "'");
            }
            return new Cidr(a.getAddress(), bits);
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != net.length) {
                return false;
            }
            BigInteger mask = BigInteger.ONE.shiftLeft(net.length * 8).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(net.length * 8 - bits).subtract(BigInteger.ONE));
            return new BigInteger(1, b).and(mask).equals(new BigInteger(1, net).and(mask));
        }
    }
}
