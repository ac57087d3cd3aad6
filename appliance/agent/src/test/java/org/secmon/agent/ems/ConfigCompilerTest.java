package org.secmon.agent.ems;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.ems.api.Json;

/** What the agent runs for a scope's configuration: rules per association direction, collectors, warnings. */
class ConfigCompilerTest {
    private static ObjectNode json(String s) {
        try {
            return (ObjectNode) Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A scope with DNS dropped (priority 5), everything else forwarded, and a NetFlow association. */
    private static ScopeConfig scope(String direction) {
        Map<String, Map<String, ObjectNode>> t = new LinkedHashMap<>();
        t.put("classification_objects", Map.of(
                "co-dns", json("{\"id\":\"co-dns\",\"name\":\"dns\",\"protocol\":\"udp\",\"dst_port\":\"53\","
                        + "\"dst_ip\":\"10.0.0.53/32\"}"),
                "co-all", json("{\"id\":\"co-all\",\"name\":\"all\"}")));
        t.put("rules", Map.of(
                "r-dns", json("{\"id\":\"r-dns\",\"name\":\"dns\",\"classification_object\":\"co-dns\","
                        + "\"priority\":5,\"action\":\"drop\"}"),
                "r-all", json("{\"id\":\"r-all\",\"name\":\"all\",\"classification_object\":\"co-all\","
                        + "\"priority\":100,\"action\":\"forward\"}")));
        t.put("policies", Map.of("p", json("{\"id\":\"p\",\"name\":\"p\",\"rules\":[\"r-dns\",\"r-all\"]}")));
        t.put("collectors", Map.of("c", json("{\"id\":\"c\",\"name\":\"nfcapd\",\"address\":\"127.0.0.1\","
                + "\"port\":2055,\"type\":\"netflow\"}")));
        t.put("netflow_associations", Map.of("a", json("{\"id\":\"a\",\"name\":\"nf\",\"policy\":\"p\","
                + "\"collector\":\"c\"" + (direction == null ? "" : ",\"direction\":\"" + direction + "\"") + "}")));
        return new ScopeConfig(json("{\"id\":\"s\",\"name\":\"s\"}"), 7, t);
    }

    private static List<Rule> rules(String direction) {
        ConfigCompiler.Result r = ConfigCompiler.compile(scope(direction));
        assertEquals(List.of(), r.warnings());
        PluginSetup nf = r.setups().get("netflow");
        return nf.rules();
    }

    @Test
    void ingressIsTheClassificationObjectAsWritten() {
        List<Rule> rules = rules("ingress");
        assertEquals(2, rules.size(), rules.toString());
        Rule dns = rules.get(0);
        assertEquals(new PortRange(53, 53), dns.dstPorts());
        assertTrue(dns.srcPorts().isAny());
        assertEquals("10.0.0.53/32", dns.dst().toString());
        assertEquals(Action.DROP, dns.action());
    }

    @Test
    void egressIsTheOtherDirectionOfTheSameConversations() {
        List<Rule> rules = rules("egress");
        assertEquals(2, rules.size(), rules.toString());
        Rule dns = rules.get(0);
        assertEquals(new PortRange(53, 53), dns.srcPorts(), "answers come from port 53");
        assertTrue(dns.dstPorts().isAny());
        assertEquals("10.0.0.53/32", dns.src().toString());
        assertEquals(5, dns.priority());
    }

    @Test
    void bothIsEitherAndTheDefault() {
        for (String d : new String[] {"both", null}) {
            List<Rule> rules = rules(d);
            // the DNS rule in both directions; the match-all rule is its own reverse and appears once
            assertEquals(3, rules.size(), rules.toString());
            assertEquals(rules.get(0).reversed(), rules.get(1));
            assertTrue(rules.get(2).isSymmetric());
        }
    }

    @Test
    void anUnknownDirectionIsAWarningNotAnOutage() {
        ConfigCompiler.Result r = ConfigCompiler.compile(scope("sideways"));
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        assertTrue(r.warnings().getFirst().contains("direction must be one of ingress, egress, both, not 'sideways'"),
                r.warnings().toString());
    }

    @Test
    void theCollectorReachesThePluginConfiguration() {
        PluginSetup nf = ConfigCompiler.compile(scope(null)).setups().get("netflow");
        Object collectors = nf.config().asMap().get("collectors");
        assertTrue(collectors.toString().contains("127.0.0.1") && collectors.toString().contains("2055"),
                String.valueOf(collectors));
        assertEquals(Action.DROP, nf.defaultAction());
    }
    /**
     * Every protocol value the EMS accepts compiles on the appliance to the same number, and what it refuses is never
     * met here. Before one table served both, a rule on {@code ah} was accepted by the EMS and dropped by the
     * appliance with a warning, and {@code ipv6-icmp} was the other way round.
     */
    @Test
    void everyProtocolTheEmsAcceptsCompilesOnTheAppliance() {
        List<String> values = new java.util.ArrayList<>(List.of("any", "ANY", "*", "256", "-1", "6.0", "0x06", " 6",
                "tcp ", "TCP", "ICMPv6", "ipv6-icmp", "ah", "AH", "esp", "ipip", "\u0666", "tcp,udp", "1e1"));
        values.addAll(org.secmon.ems.api.schema.Formats.PROTOCOLS.keySet());
        for (int n = 0; n <= 255; n++) {
            values.add(Integer.toString(n));
        }
        int accepted = 0;
        for (String v : values) {
            boolean ems = org.secmon.ems.api.schema.Formats.check(org.secmon.ems.api.schema.Formats.Kind.PROTOCOL, v)
                    == null;
            Map<String, Map<String, ObjectNode>> t = new LinkedHashMap<>();
            ObjectNode co = json("{\"id\":\"co\",\"name\":\"co\"}").put("protocol", v);
            t.put("classification_objects", Map.of("co", co));
            t.put("rules", Map.of("r", json("{\"id\":\"r\",\"name\":\"r\",\"classification_object\":\"co\","
                    + "\"priority\":5,\"action\":\"forward\"}")));
            t.put("policies", Map.of("p", json("{\"id\":\"p\",\"name\":\"p\",\"rules\":[\"r\"]}")));
            t.put("collectors", Map.of("c", json("{\"id\":\"c\",\"name\":\"nfcapd\",\"address\":\"127.0.0.1\","
                    + "\"port\":2055,\"type\":\"netflow\"}")));
            t.put("netflow_associations", Map.of("a", json("{\"id\":\"a\",\"name\":\"nf\",\"policy\":\"p\","
                    + "\"collector\":\"c\",\"direction\":\"ingress\"}")));
            ConfigCompiler.Result r = ConfigCompiler.compile(new ScopeConfig(json("{\"id\":\"s\",\"name\":\"s\"}"),
                    1, t));
            if (!ems) {
                continue; // the EMS refuses it with a field error: it never reaches an appliance
            }
            accepted++;
            assertEquals(List.of(), r.warnings(), "the EMS accepts protocol '" + v + "'");
            int want = org.secmon.ems.api.schema.Formats.protocol(v);
            Rule rule = r.setups().get("netflow").rules().getFirst();
            assertEquals(want == 256 ? Rule.ANY_PROTOCOL : want, rule.protocol(), "protocol '" + v + "'");
        }
        assertTrue(accepted >= 256 + 9, "numbers, keywords and any: " + accepted);
    }

    @Test
    void metadataCollectFieldsAndBiflowCollectorsReachTheNetflowPlugin() {
        ScopeConfig base = scope(null);
        Map<String, Map<String, ObjectNode>> t = new LinkedHashMap<>(base.tables());
        t.put("collectors", Map.of("c", json("{\"id\":\"c\",\"name\":\"ipfix\",\"address\":\"127.0.0.1\","
                + "\"port\":4739,\"type\":\"ipfix\",\"biflow\":true}")));
        t.put("netflow_monitors", Map.of("m", json("{\"id\":\"m\",\"name\":\"m\",\"collect_fields\":[\"src_mac\","
                + "\"tls_sni\",\"httpRequestHost\",\"dns_query\"]}")));
        t.put("netflow_associations", Map.of("a", json("{\"id\":\"a\",\"name\":\"nf\",\"policy\":\"p\","
                + "\"collector\":\"c\",\"monitor\":\"m\"}")));
        ConfigCompiler.Result r = ConfigCompiler.compile(new ScopeConfig(json("{\"id\":\"s\",\"name\":\"s\"}"), 8,
                t));
        assertEquals(List.of(), r.warnings());
        Map<String, Object> cfg = r.setups().get("netflow").config().asMap();
        assertEquals(List.of("src_mac"), cfg.get("collect"));
        assertEquals(List.of("tls_sni", "http_host", "dns_query"), cfg.get("metadata"));
        assertTrue(cfg.get("collectors").toString().contains("biflow=true"), String.valueOf(cfg.get("collectors")));
    }

    @Test
    void theScopesEnterpriseNumberReachesThePluginWhenItsOwnElementsAreExported() {
        // with metadata collected, or observation_point matched (tunnel sources), SecMon's elements carry it
        for (String monitor : List.of("\"collect_fields\":[\"tls_sni\"]",
                "\"match_fields\":[\"src_addr\",\"dst_addr\",\"observation_point\"]")) {
            for (String number : new String[] {"4242", null}) {
                Map<String, Object> cfg = netflowWith(monitor, number);
                assertEquals(number == null ? 32473L : 4242L, cfg.get("enterprise_number"), monitor + " " + number);
            }
        }
        // without them the number would number nothing: not sent (the plugin refuses it there)
        Map<String, Object> plain = netflowWith("\"match_fields\":[\"src_addr\",\"dst_addr\"]", "4242");
        assertTrue(!plain.containsKey("enterprise_number"), plain.toString());
    }

    private static Map<String, Object> netflowWith(String monitor, String enterpriseNumber) {
        Map<String, Map<String, ObjectNode>> t = new LinkedHashMap<>(scope(null).tables());
        t.put("collectors", Map.of("c", json("{\"id\":\"c\",\"name\":\"ipfix\",\"address\":\"127.0.0.1\","
                + "\"port\":4739,\"type\":\"ipfix\"}")));
        t.put("netflow_configs", Map.of("n", json("{\"id\":\"n\",\"scope\":\"s\""
                + (enterpriseNumber == null ? "" : ",\"enterprise_number\":" + enterpriseNumber) + "}")));
        t.put("netflow_monitors", Map.of("m", json("{\"id\":\"m\",\"name\":\"m\"," + monitor + "}")));
        t.put("netflow_associations", Map.of("a", json("{\"id\":\"a\",\"name\":\"nf\",\"policy\":\"p\","
                + "\"collector\":\"c\",\"monitor\":\"m\"}")));
        ConfigCompiler.Result r = ConfigCompiler.compile(new ScopeConfig(json("{\"id\":\"s\",\"name\":\"s\"}"), 9,
                t));
        assertEquals(List.of(), r.warnings());
        return r.setups().get("netflow").config().asMap();
    }
}
