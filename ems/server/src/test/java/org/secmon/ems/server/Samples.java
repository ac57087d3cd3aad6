package org.secmon.ems.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.ems.api.Json;
import org.secmon.ems.api.model.ResourceKind;

/**
 * A valid body for every collection, referencing by name the fixture entities that {@link #fixture} creates in a
 * scope: classification object co1, rule r1, policy pol1, collectors c-nf (netflow), c-sf (sflow), c-rf
 * (rawforward), collector set cs1 and netflow monitor m1.
 */
final class Samples {
    private Samples() {
    }

    static ObjectNode body(ResourceKind kind, String scope, String project, String name) {
        String json = switch (kind.collection()) {
            case "projects" -> "{\"name\":\"" + name + "\",\"description\":\"a project\"}";
            case "roles" -> "{\"name\":\"" + name + "\",\"permissions\":[{\"resource\":\"rules\",\"operations\":[\"view\"]}]}";
            case "users" -> "{\"name\":\"" + name + "\",\"password\":\"password-" + name + "\",\"roles\":[\"readonly\"],"
                    + "\"projects\":[\"" + project + "\"]}";
            case "scopes" -> "{\"name\":\"" + name + "\",\"project\":\"" + project + "\"}";
            case "classification_objects" -> "{\"name\":\"" + name + "\",\"src_ip\":\"10.0.0.0/8\",\"protocol\":\"tcp\","
                    + "\"dst_port\":\"80\",\"dst_mac\":\"02:00:00:00:00:01\"}";
            case "rules" -> "{\"name\":\"" + name + "\",\"classification_object\":\"co1\",\"priority\":10,"
                    + "\"action\":\"forward\",\"truncate_to_size\":128}";
            case "policies" -> "{\"name\":\"" + name + "\",\"rules\":[\"r1\"]}";
            case "collectors" -> "{\"name\":\"" + name + "\",\"address\":\"127.0.0.1\",\"port\":2055,\"type\":\"netflow\"}";
            case "collector_sets" -> "{\"name\":\"" + name + "\",\"type\":\"netflow\",\"lb_algorithm\":\"weighted_round_robin\","
                    + "\"members\":[{\"collector\":\"c-nf\",\"weight\":3}]}";
            case "netflow_monitors" -> "{\"name\":\"" + name + "\",\"match_fields\":[\"src_addr\",\"dst_addr\",\"protocol\"],"
                    + "\"collect_fields\":[\"vlan\"]}";
            case "netflow_configs" -> "{\"active_timeout\":30,\"inactive_timeout\":15}";
            case "sflow_configs" -> "{\"sampling_rate\":100,\"agent_address\":\"192.0.2.1\"}";
            case "netflow_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector_set\":\"cs1\","
                    + "\"monitor\":\"m1\",\"direction\":\"ingress\"}";
            case "sflow_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector\":\"c-sf\"}";
            case "rawforward_associations" -> "{\"name\":\"" + name + "\",\"policy\":\"pol1\",\"collector\":\"c-rf\"}";
            case "appliances" -> "{\"name\":\"" + name + "\",\"addresses\":[\"10.0.0.5\"],"
                    + "\"notification_url\":\"http://10.0.0.5:8443/notify\"}";
            default -> throw new IllegalArgumentException(kind.collection());
        };
        try {
            ObjectNode o = (ObjectNode) Json.mapper().readTree(json);
            if (kind.scoped()) {
                o.put("scope", scope);
            }
            return o;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates the referenced fixture entities in {@code scope} (which must exist). */
    static void fixture(EmsFixture ems, String token, String scope) throws Exception {
        post(ems, token, "classification_objects", body(ResourceKind.CLASSIFICATION_OBJECTS, scope, null, "co1"));
        post(ems, token, "rules", body(ResourceKind.RULES, scope, null, "r1"));
        post(ems, token, "policies", body(ResourceKind.POLICIES, scope, null, "pol1"));
        post(ems, token, "collectors", body(ResourceKind.COLLECTORS, scope, null, "c-nf"));
        ObjectNode sf = body(ResourceKind.COLLECTORS, scope, null, "c-sf");
        sf.put("type", "sflow").put("port", 6343);
        post(ems, token, "collectors", sf);
        ObjectNode rf = body(ResourceKind.COLLECTORS, scope, null, "c-rf");
        rf.put("type", "rawforward").put("port", 4789).put("encapsulation", "vxlan");
        post(ems, token, "collectors", rf);
        post(ems, token, "collector_sets", body(ResourceKind.COLLECTOR_SETS, scope, null, "cs1"));
        post(ems, token, "netflow_monitors", body(ResourceKind.NETFLOW_MONITORS, scope, null, "m1"));
    }

    static String post(EmsFixture ems, String token, String collection, ObjectNode body) throws Exception {
        EmsFixture.Resp r = ems.call("POST", "/api/v1/" + collection, token, body);
        if (r.status() != 201) {
            throw new AssertionError("POST " + collection + " " + body + ": " + r);
        }
        return r.json().path("id").asText();
    }
}
