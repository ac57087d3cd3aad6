package org.secmon.agent.ipsec;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.secmon.ems.api.Json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The renderer is the last line before charon (root) reads the file: whatever the EMS let through (an old store, a
 * compromised EMS), a value that could end a line or a block never reaches swanctl.conf or the nft rules.
 */
class SwanctlConfigTest {
    private static ObjectNode tunnel(String name) throws Exception {
        return (ObjectNode) Json.mapper().readTree("{\"name\":\"" + name + "\",\"local_address\":\"192.0.2.1\","
                + "\"remote_address\":\"192.0.2.2\",\"local_subnets\":[\"10.1.0.0/16\"],"
                + "\"remote_subnets\":[\"10.2.0.0/16\"],\"auth\":\"psk\",\"psk\":\"0123456789abcdef0123\","
                + "\"dscp\":10,\"ike\":{\"encryption\":\"aes256gcm16\",\"integrity\":\"sha256\","
                + "\"dh_group\":\"ecp256\"},\"esp\":{\"encryption\":\"aes128gcm16\",\"pfs_group\":\"ecp256\"}}");
    }

    private static ObjectNode ipsec(JsonNode... tunnels) {
        ObjectNode o = Json.mapper().createObjectNode();
        var a = o.putArray("tunnels");
        for (JsonNode t : tunnels) {
            a.add(t);
        }
        return o;
    }

    @Test
    void hostileValuesNeverReachTheFile() throws Exception {
        String hostile = "peer\n    }\n    children {\n      x {\n        updown = /bin/sh -c \"id>pwned\"\n";
        List<ObjectNode> bad = new ArrayList<>();
        for (String field : List.of("remote_id", "local_id")) {
            bad.add((ObjectNode) tunnel("t-" + field).put(field, hostile));
        }
        bad.add((ObjectNode) tunnel("t-addr").put("remote_address", "192.0.2.2\n  x {"));
        ObjectNode sub = tunnel("t-sub");
        sub.putArray("remote_subnets").add("10.2.0.0/16 } include /etc/shadow");
        bad.add(sub);
        ObjectNode prop = tunnel("t-prop");
        ((ObjectNode) prop.path("ike")).put("encryption", "aes256\n}");
        bad.add(prop);
        bad.add(tunnel("t-name").put("name", "x\"; flush ruleset; \""));
        ObjectNode good = tunnel("good");
        ObjectNode all = ipsec(bad.toArray(new JsonNode[0]));
        all.withArray("tunnels").add(good);

        List<String> refused = new ArrayList<>();
        JsonNode valid = SwanctlConfig.validTunnels(all, refused);
        assertEquals(bad.size(), refused.size(), refused.toString());
        assertEquals(1, valid.path("tunnels").size());
        String conf = SwanctlConfig.render(valid);
        String nft = DscpSteering.script(valid);
        for (String text : List.of(conf, nft)) {
            assertFalse(text.contains("updown"), text);
            assertFalse(text.contains("shadow"), text);
            assertFalse(text.contains("flush"), text);
        }
        assertTrue(conf.contains("secmon-good"), conf);
        // identities are quoted, as strongSwan's documentation writes distinguished names
        assertTrue(conf.contains("id = \"192.0.2.2\""), conf);
    }

    @Test
    void distinguishedNamesAndEmailIdentitiesRender() throws Exception {
        ObjectNode t = tunnel("dn").put("remote_id", "C=CH, O=strongSwan, CN=peer.example.org")
                .put("local_id", "ops@example.org");
        List<String> refused = new ArrayList<>();
        String conf = SwanctlConfig.render(SwanctlConfig.validTunnels(ipsec(t), refused));
        assertTrue(refused.isEmpty(), refused.toString());
        assertTrue(conf.contains("id = \"C=CH, O=strongSwan, CN=peer.example.org\""), conf);
        assertTrue(conf.contains("id = \"ops@example.org\""), conf);
    }

    /** Tunnel names that differ only in '.' and '_' were one connection after sanitising. */
    @Test
    void connectionNamesStayDistinct() throws Exception {
        List<String> names = List.of("a.b", "a_b", "a-b", "a._b", "a_.b", "ab");
        List<String> conns = new ArrayList<>();
        for (String n : names) {
            String c = SwanctlConfig.connectionName(tunnel(n));
            assertTrue(c.matches("[A-Za-z0-9_-]+"), c);
            assertFalse(conns.contains(c), n + " collides: " + c);
            conns.add(c);
        }
        assertEquals("secmon-ab", SwanctlConfig.connectionName(tunnel("ab")));
        assertNotEquals(SwanctlConfig.connectionName(tunnel("a.b")), SwanctlConfig.connectionName(tunnel("a_b")));
    }
}
