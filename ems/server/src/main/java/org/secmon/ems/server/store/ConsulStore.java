package org.secmon.ems.server.store;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.ecwid.consul.ConsulException;
import com.ecwid.consul.SingleUrlParameters;
import com.ecwid.consul.UrlParameters;
import com.ecwid.consul.transport.HttpResponse;
import com.ecwid.consul.v1.ConsulRawClient;
import com.ecwid.consul.v1.OperationException;
import com.ecwid.consul.v1.Response;
import com.ecwid.consul.v1.kv.KeyValueClient;
import com.ecwid.consul.v1.kv.KeyValueConsulClient;
import com.ecwid.consul.v1.kv.model.GetBinaryValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.http.client.HttpClient;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.HttpClientBuilder;

/**
 * Consul KV (com.ecwid.consul:consul-api) for production and for several EMS instances sharing one Consul cluster.
 * Layout under the prefix (default {@code secmon/}): {@code kv/<key>} per entry and {@code meta/revision}, whose
 * ModifyIndex is the store revision. A commit is one {@code /v1/txn} request whose first operation is a
 * check-and-set of {@code meta/revision} on the ModifyIndex the writer read: Consul applies all of it or none, and
 * a concurrent writer's commit makes it fail as a whole. Every key of one transaction gets the same ModifyIndex,
 * which is the new revision and the version of what it wrote.
 */
public final class ConsulStore implements Store {
    /** Consul 1.8 accepts at most 64 operations per transaction. */
    public static final int MAX_TXN_OPS = 64;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String prefix;
    private final String revisionKey;
    private final KeyValueClient kv;
    private final ConsulRawClient raw;
    private final String token;

    /**
     * @param url    e.g. {@code http://127.0.0.1:8500}
     * @param prefix key prefix ending in '/'
     * @param token  ACL token or null
     */
    public ConsulStore(String url, String prefix, String token) throws StoreException {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new StoreException("bad Consul URL '" + url + "': " + e.getMessage());
        }
        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new StoreException("bad Consul URL '" + url + "': expected http://HOST:PORT");
        }
        this.url = url;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.revisionKey = this.prefix + "meta/revision";
        this.token = token;
        RequestConfig timeouts = RequestConfig.custom().setConnectTimeout(3000).setConnectionRequestTimeout(3000)
                .setSocketTimeout(10_000).build();
        HttpClient http = HttpClientBuilder.create().setDefaultRequestConfig(timeouts).setMaxConnTotal(64)
                .setMaxConnPerRoute(64).useSystemProperties().build();
        int port = u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 80);
        raw = new ConsulRawClient(u.getScheme() + "://" + u.getHost(), port, http);
        kv = new KeyValueConsulClient(raw);
        revision(); // fail fast with a clear message when Consul is not there
    }

    @Override
    public Snapshot load() throws StoreException {
        Response<List<GetBinaryValue>> r = call(() -> kv.getKVBinaryValues(prefix, token));
        Map<String, Item> items = new HashMap<>();
        long revision = 0;
        String kvPrefix = prefix + "kv/";
        if (r.getValue() != null) {
            for (GetBinaryValue v : r.getValue()) {
                if (v.getKey().equals(revisionKey)) {
                    revision = v.getModifyIndex();
                } else if (v.getKey().startsWith(kvPrefix)) {
                    byte[] value = v.getValue() == null ? new byte[0] : v.getValue();
                    items.put(v.getKey().substring(kvPrefix.length()), new Item(value, v.getModifyIndex()));
                }
            }
        }
        return new Snapshot(revision, items);
    }

    @Override
    public long revision() throws StoreException {
        Response<GetBinaryValue> r = call(() -> kv.getKVBinaryValue(revisionKey, token));
        return r.getValue() == null ? 0 : r.getValue().getModifyIndex();
    }

    @Override
    public long commit(long expectedRevision, Map<String, byte[]> changes) throws StoreException {
        if (changes.size() + 1 > MAX_TXN_OPS) {
            throw new StoreException("a change of " + changes.size() + " keys exceeds Consul's transaction limit of "
                    + (MAX_TXN_OPS - 1) + "; split it");
        }
        ArrayNode ops = JSON.createArrayNode();
        ObjectNode cas = ops.addObject().putObject("KV");
        cas.put("Verb", "cas").put("Key", revisionKey).put("Index", expectedRevision)
                .put("Value", b64(Long.toString(expectedRevision + 1).getBytes(StandardCharsets.US_ASCII)));
        for (Map.Entry<String, byte[]> c : changes.entrySet()) {
            ObjectNode op = ops.addObject().putObject("KV");
            op.put("Key", prefix + "kv/" + c.getKey());
            if (c.getValue() == null) {
                op.put("Verb", "delete");
            } else {
                // Flags carry the commit: Consul leaves the ModifyIndex of a key alone when value and flags are
                // unchanged, and then an unchanged put would keep its old revision in every other EMS's view
                op.put("Verb", "set").put("Value", b64(c.getValue())).put("Flags", expectedRevision + 1);
            }
        }
        String body = ops.toString();
        UrlParameters[] params = token == null ? new UrlParameters[0]
                : new UrlParameters[] {new SingleUrlParameters("token", token)};
        HttpResponse resp = call(() -> raw.makePutRequest("/v1/txn", body, params));
        String content = resp.getContent() == null ? "" : resp.getContent();
        if (resp.getStatusCode() == 409) {
            JsonNode errors = parse(content).path("Errors");
            if (errors.isArray() && errors.size() > 0 && errors.get(0).path("OpIndex").asInt(-1) == 0) {
                throw new RevisionConflictException(expectedRevision, -1);
            }
            throw new StoreException("Consul refused the transaction: " + errors);
        }
        if (resp.getStatusCode() == 403) {
            throw new StoreException("Consul at " + url + " refused the write to " + prefix + " (ACL: " + content.strip()
                    + "): give the EMS a token whose policy may write key_prefix \"" + prefix + "\"");
        }
        if (resp.getStatusCode() != 200) {
            throw new StoreException("Consul transaction failed: HTTP " + resp.getStatusCode() + " "
                    + resp.getStatusMessage() + " " + content);
        }
        JsonNode results = parse(content).path("Results");
        long index = results.path(0).path("KV").path("ModifyIndex").asLong(-1);
        if (index <= 0) {
            throw new StoreException("Consul transaction answered without a ModifyIndex: " + content);
        }
        return index;
    }

    private static JsonNode parse(String s) throws StoreException {
        try {
            return JSON.readTree(s.isEmpty() ? "{}" : s);
        } catch (Exception e) {
            throw new StoreException("unreadable answer from Consul: " + s);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    private interface ConsulCall<T> {
        T call();
    }

    private <T> T call(ConsulCall<T> c) throws StoreException {
        try {
            return c.call();
        } catch (OperationException e) {
            if (e.getStatusCode() == 403) {
                throw new StoreException("Consul at " + url + " refused access to " + prefix + " (ACL: "
                        + e.getStatusContent() + "): give the EMS a token whose policy may write key_prefix \""
                        + prefix + "\" (--consul-token-file)", e);
            }
            throw new StoreException("Consul at " + url + " answered " + e.getStatusCode() + " "
                    + e.getStatusMessage() + ": " + e.getStatusContent(), e);
        } catch (ConsulException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new StoreException("Consul at " + url + " is unreachable: " + root.getMessage(), e);
        } catch (RuntimeException e) {
            throw new StoreException("Consul at " + url + " failed: " + e, e);
        }
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public String describe() {
        return "consul " + url + " prefix " + prefix;
    }

    @Override
    public void close() {
        // the HTTP client's pooled connections are closed with the JVM
    }
}
