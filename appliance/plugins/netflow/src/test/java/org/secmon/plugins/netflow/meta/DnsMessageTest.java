package org.secmon.plugins.netflow.meta;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DnsMessageTest {
    private static String name(DnsMessage m) {
        return new String(m.name(), 0, m.nameLength(), StandardCharsets.US_ASCII);
    }

    private static String answers(DnsMessage m) {
        return new String(m.answers(), 0, m.answersLength(), StandardCharsets.US_ASCII);
    }

    @Test
    void queryAndResponseOverUdpAndTcp() {
        DnsMessage m = new DnsMessage();
        byte[] q = Dns.query(0x1234, "www.example.org", 28);
        assertEquals(DnsMessage.Result.OK, m.parse(q, 0, q.length, false));
        assertEquals("www.example.org", name(m));
        assertEquals(28, m.queryType());
        assertFalse(m.response());

        byte[] r = Dns.response(0x1234, "www.example.org", 1, 0, "192.0.2.7", "2001:db8::1:0:0:1", "10.0.0.1");
        for (boolean tcp : new boolean[] {false, true}) {
            byte[] b = tcp ? Dns.tcp(r) : r;
            assertEquals(DnsMessage.Result.OK, m.parse(b, 0, b.length, tcp));
            assertTrue(m.response());
            assertEquals(0, m.rcode());
            assertEquals(1, m.queryType());
            assertEquals("192.0.2.7,2001:db8::1:0:0:1,10.0.0.1", answers(m), "RFC 5952 text, the longest zero run");
        }
        byte[] nx = Dns.response(7, "nope.example", 1, 3);
        assertEquals(DnsMessage.Result.OK, m.parse(nx, 0, nx.length, false));
        assertEquals(3, m.rcode());
        assertEquals("", answers(m));
    }

    @Test
    void ipv6TextFollowsRfc5952() {
        DnsMessage m = new DnsMessage();
        String[][] cases = {{"::1", "::1"}, {"2001:db8::", "2001:db8::"}, {"::", "::"},
            {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, {"2001:0:0:1::1", "2001:0:0:1::1"},
            {"fe80::abcd:0:0:1", "fe80::abcd:0:0:1"}};
        for (String[] c : cases) {
            byte[] r = Dns.response(1, "a.b", 28, 0, c[0]);
            assertEquals(DnsMessage.Result.OK, m.parse(r, 0, r.length, false));
            assertEquals(c[1], answers(m), c[0]);
        }
    }

    @Test
    void compressionLoopsAndForwardPointersAreRefused() {
        DnsMessage m = new DnsMessage();
        byte[] q = Dns.query(1, "a.example", 1);
        q[12] = (byte) 0xc0; // the question's name points at itself
        q[13] = 12;
        assertEquals(DnsMessage.Result.MALFORMED, m.parse(q, 0, q.length, false));
        byte[] r = Dns.response(1, "a.example", 1, 0, "192.0.2.1");
        int answer = Dns.query(1, "a.example", 1).length;
        r[answer + 1] = (byte) (answer); // the answer's name points at itself: answers stop there
        assertEquals(DnsMessage.Result.OK, m.parse(r, 0, r.length, false));
        assertEquals("a.example", name(m));
        assertEquals("", answers(m));
    }

    @Test
    void everyTruncationIsAResultNotAnException() {
        DnsMessage m = new DnsMessage();
        byte[] r = Dns.response(9, "mail.example.com", 1, 0, "192.0.2.1", "192.0.2.2");
        for (int n = 0; n < r.length; n++) {
            byte[] cut = Arrays.copyOf(r, n);
            DnsMessage.Result got = m.parse(cut, 0, n, false);
            assertTrue(got != DnsMessage.Result.OK || n >= 12 + 18 + 4, n + " bytes: " + got);
        }
    }

    /**
     * Seeded fuzzing: mutated and random messages, each in an array exactly as long as the bytes given, so that a
     * read past them throws; none may.
     */
    @Test
    void fuzz() {
        DnsMessage m = new DnsMessage();
        SplittableRandom rnd = new SplittableRandom(25);
        byte[] seed = Dns.response(9, "mail.example.com", 1, 0, "192.0.2.1", "2001:db8::2");
        long end = System.nanoTime() + 2_000_000_000L;
        int n = 0;
        while (System.nanoTime() < end) {
            byte[] b = rnd.nextInt(4) == 0 ? new byte[rnd.nextInt(64)] : seed.clone();
            if (b.length == seed.length) {
                for (int k = rnd.nextInt(1, 6); k > 0; k--) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
            } else {
                rnd.nextBytes(b);
            }
            boolean tcp = rnd.nextBoolean();
            m.parse(b, 0, b.length, tcp);
            assertTrue(m.nameLength() <= 255 && m.answersLength() <= m.answers().length);
            n++;
        }
        assertTrue(n > 10_000, "fuzzed " + n);
    }
}
