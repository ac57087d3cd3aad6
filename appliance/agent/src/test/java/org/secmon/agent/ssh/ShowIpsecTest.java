package org.secmon.agent.ssh;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;

/** {@code show ipsec} renders the enforcer's status: tunnels with traffic and rekeys, DSCP classes, warnings. */
class ShowIpsecTest {
    @Test
    void tunnelsRekeysAndDscpClasses() throws Exception {
        StringWriter w = new StringWriter();
        ApplianceShell.ipsec(Json.mapper().readTree("""
                {"tunnels_configured": 2, "applies": 3,
                 "tunnels": {"secmon-ef": {"ike": "established", "child": "installed", "mode": "TUNNEL-in-UDP",
                                           "esp": "AES_GCM_16-128", "bytes_in": 0, "bytes_out": 1234567,
                                           "rekeys": 2, "ike_rekeys": 1},
                             "secmon-rest": {"ike": "down"}},
                 "dscp": {"tunnels": {"secmon-ef": {"dscp": 46, "mark": "0x5ec2e", "packets": 20, "bytes": 4000}},
                          "warning": "charon uses kernel-libipsec"}}"""), new PrintWriter(w, true));
        String out = w.toString();
        assertTrue(out.matches("(?s).*secmon-ef +established +installed +TUNNEL-in-UDP +AES_GCM_16-128 +0 +1,234,567"
                + " +3\n.*"), out);
        assertTrue(out.matches("(?s).*secmon-rest +down +- +- +- +0 +0 +0\n.*"), out);
        assertTrue(out.matches("(?s).*DSCP class tunnel.*\nsecmon-ef +46 0x5ec2e +20 +4,000\n.*"), out);
        assertTrue(out.contains("warning: charon uses kernel-libipsec"), out);
    }
}
