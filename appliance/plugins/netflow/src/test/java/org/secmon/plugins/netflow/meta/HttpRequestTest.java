package org.secmon.plugins.netflow.meta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpRequestTest {
    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String at(byte[] b, int off, int len) {
        return len < 0 ? null : new String(b, off, len, StandardCharsets.US_ASCII);
    }

    @Test
    void methodHostAndAgent() {
        HttpRequest r = new HttpRequest();
        byte[] b = ascii("POST /login HTTP/1.1\r\nhOsT:  shop.example.com \r\nUser-Agent: curl/7.88.1\r\n"
                + "Accept: */*\r\n\r\nbody");
        assertEquals(HttpRequest.Result.OK, r.parse(b, 0, b.length));
        assertEquals("POST", at(b, r.methodOffset(), r.methodLength()));
        assertEquals("shop.example.com", at(b, r.hostOffset(), r.hostLength()), "any case, trimmed");
        assertEquals("curl/7.88.1", at(b, r.userAgentOffset(), r.userAgentLength()));
        assertTrue(r.headComplete());
    }

    @Test
    void aHeadCutByTheSegmentGivesWhatCameBefore() {
        HttpRequest r = new HttpRequest();
        byte[] b = ascii("GET / HTTP/1.1\r\nHost: a.example\r\nUser-Agent: Mozil");
        assertEquals(HttpRequest.Result.OK, r.parse(b, 0, b.length));
        assertEquals("a.example", at(b, r.hostOffset(), r.hostLength()));
        assertEquals(-1, r.userAgentLength(), "a header without its line end is not taken");
        assertFalse(r.headComplete());
        byte[] line = ascii("GET /very/long/path");
        assertEquals(HttpRequest.Result.TRUNCATED, r.parse(line, 0, line.length));
    }

    @Test
    void notHttp() {
        HttpRequest r = new HttpRequest();
        for (String s : new String[] {"GETX / HTTP/1.1\r\n\r\n", "GET /\r\n\r\n", "get / HTTP/1.1\r\n\r\n",
            "SSH-2.0-OpenSSH_9.2\r\n", "PUT"}) {
            byte[] b = ascii(s);
            assertEquals(HttpRequest.Result.NOT_HTTP, r.parse(b, 0, b.length), s);
        }
    }

    @Test
    void fuzz() {
        HttpRequest r = new HttpRequest();
        SplittableRandom rnd = new SplittableRandom(25);
        byte[] seed = ascii("GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: x\r\n\r\n");
        long end = System.nanoTime() + 1_000_000_000L;
        int n = 0;
        while (System.nanoTime() < end) {
            byte[] b = seed.clone();
            for (int k = rnd.nextInt(1, 6); k > 0; k--) {
                b[rnd.nextInt(b.length)] = (byte) "\r\n: GETHost".charAt(rnd.nextInt(11));
            }
            b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            if (r.parse(b, 0, b.length) == HttpRequest.Result.OK) {
                assertTrue(r.hostLength() < 0 || r.hostOffset() + r.hostLength() <= b.length);
                assertTrue(r.userAgentLength() < 0 || r.userAgentOffset() + r.userAgentLength() <= b.length);
            }
            n++;
        }
        assertTrue(n > 10_000, "fuzzed " + n);
    }
}
