package org.secmon.plugins.netflow.meta;

/**
 * An HTTP/1.x request head read from the first bytes of a TCP payload: its method, and its Host and User-Agent
 * headers. Only what the segment holds is read: a request whose head continues in the next segment gives what came
 * before the cut ({@link #headComplete()} false). Reusable and allocation-free: the values are offsets and lengths
 * into the bytes given to {@link #parse}.
 */
public final class HttpRequest {
    /** Why a payload gave no request. */
    public enum Result { OK, NOT_HTTP, TRUNCATED }

    private static final byte[][] METHODS = {
        ascii("GET"), ascii("POST"), ascii("HEAD"), ascii("PUT"), ascii("DELETE"), ascii("OPTIONS"), ascii("PATCH"),
        ascii("CONNECT"), ascii("TRACE"),
    };
    private static final byte[] HOST = ascii("host");
    private static final byte[] USER_AGENT = ascii("user-agent");
    private static final byte[] VERSION = ascii(" HTTP/1.");

    private int methodOff;
    private int methodLen;
    private int hostOff;
    private int hostLen = -1;
    private int agentOff;
    private int agentLen = -1;
    private boolean headComplete;

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Whether {@code b[off, off + len)} starts like a request: a known method and a space. Cheap, per packet. */
    public static boolean looksLikeRequest(byte[] b, int off, int len) {
        return method(b, off, len) > 0;
    }

    private static int method(byte[] b, int off, int len) {
        for (byte[] m : METHODS) {
            if (len > m.length && b[off + m.length] == ' ' && b[off] == m[0]) {
                boolean same = true;
                for (int i = 1; i < m.length && same; i++) {
                    same = b[off + i] == m[i];
                }
                if (same) {
                    return m.length;
                }
            }
        }
        return 0;
    }

    /** Reads the request head in {@code b[off, off + len)}. */
    public Result parse(byte[] b, int off, int len) {
        methodLen = 0;
        hostLen = -1;
        agentLen = -1;
        headComplete = false;
        int m = method(b, off, len);
        if (m == 0) {
            return Result.NOT_HTTP;
        }
        int end = off + len;
        int lineEnd = lineEnd(b, off, end);
        if (lineEnd < 0) {
            return Result.TRUNCATED; // not even the request line
        }
        if (indexOf(b, off, lineEnd, VERSION) < 0) {
            return Result.NOT_HTTP; // HTTP/0.9, or text that only starts like a method
        }
        methodOff = off;
        methodLen = m;
        int p = lineEnd + 2;
        while (p < end) {
            int e = lineEnd(b, p, end);
            if (e < 0) {
                return Result.OK; // the head goes on in the next segment
            }
            if (e == p) {
                headComplete = true;
                return Result.OK;
            }
            int colon = -1;
            for (int i = p; i < e; i++) {
                if (b[i] == ':') {
                    colon = i;
                    break;
                }
            }
            if (colon > p) {
                int vs = colon + 1;
                while (vs < e && (b[vs] == ' ' || b[vs] == '\t')) {
                    vs++;
                }
                int ve = e;
                while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                    ve--;
                }
                if (hostLen < 0 && nameIs(b, p, colon, HOST)) {
                    hostOff = vs;
                    hostLen = ve - vs;
                } else if (agentLen < 0 && nameIs(b, p, colon, USER_AGENT)) {
                    agentOff = vs;
                    agentLen = ve - vs;
                }
            }
            p = e + 2;
        }
        return Result.OK;
    }

    /** The CR of the next CRLF at or after {@code p}, -1 when there is none before {@code end}. */
    private static int lineEnd(byte[] b, int p, int end) {
        for (int i = p; i + 1 < end; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] b, int from, int to, byte[] what) {
        outer:
        for (int i = from; i + what.length <= to; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether the header name {@code b[from, to)} is {@code lower} in any case. */
    private static boolean nameIs(byte[] b, int from, int to, byte[] lower) {
        if (to - from != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            int c = b[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    public int methodOffset() {
        return methodOff;
    }

    public int methodLength() {
        return methodLen;
    }

    /** Offset of the Host header's value in the parsed bytes. */
    public int hostOffset() {
        return hostOff;
    }

    /** Length of the Host header's value, -1 when the head (as far as the segment holds it) has none. */
    public int hostLength() {
        return hostLen;
    }

    public int userAgentOffset() {
        return agentOff;
    }

    /** Length of the User-Agent header's value, -1 when absent. */
    public int userAgentLength() {
        return agentLen;
    }

    /** Whether the whole head (up to the empty line) was in the segment. */
    public boolean headComplete() {
        return headComplete;
    }
}
