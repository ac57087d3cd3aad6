package org.secmon.agent.ssh;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.secmon.agent.ems.ApplianceAgent;
import org.secmon.dataplane.filter.Action;
import org.secmon.dataplane.filter.Classifier;
import org.secmon.dataplane.filter.IpPrefix;
import org.secmon.dataplane.filter.PortRange;
import org.secmon.dataplane.filter.Rule;
import org.secmon.dataplane.host.LoadedPlugin;
import org.secmon.dataplane.host.PluginHost;
import org.secmon.dataplane.host.PluginSetup;
import org.secmon.plugin.CounterNames;
import org.secmon.plugin.DeliveryMode;
import org.secmon.plugin.PluginApi;
import org.secmon.plugin.Table;

/**
 * The commands of the appliance CLI, independent of SSH: one line in, text out. Read-only users may look
 * ({@code show}, {@code capture}); operators may also change ({@code reload}, {@code plugin}, {@code log}).
 */
public final class ApplianceShell {
    /** What the shell works on. {@code agent} is null when the appliance runs without an EMS. */
    public record Context(PluginHost host, Supplier<ObjectNode> counters, ApplianceAgent agent, String source,
                          String version) {
    }

    /** The command tree, for help and tab completion. */
    static final Map<String, List<String>> COMMANDS = new TreeMap<>(Map.of(
            "show", List.of("version", "status", "plugins", "counters", "collectors", "sessions", "flows", "ipsec",
                    "config", "tunnels"),
            "capture", List.of("count", "timeout", "src", "dst", "proto", "sport", "dport"),
            "reload", List.of(),
            "plugin", List.of("load", "unload"),
            "log", List.of("level"),
            "help", List.of(),
            "exit", List.of()));

    private static final AtomicInteger CAPTURES = new AtomicInteger();

    private final Context ctx;
    private final boolean operator;

    public ApplianceShell(Context ctx, boolean operator) {
        this.ctx = ctx;
        this.operator = operator;
    }

    /** Thrown for a command the user may not run or got wrong; the message is shown as is. */
    static final class ShellException extends RuntimeException {
        ShellException(String message) {
            super(message);
        }
    }

    /**
     * Runs one command line.
     *
     * @param interrupted true once the user pressed Ctrl-C (long commands stop)
     * @return false for {@code exit}
     */
    public boolean run(String line, PrintWriter out, BooleanSupplier interrupted) {
        List<String> w = words(line);
        if (w.isEmpty()) {
            return true;
        }
        switch (w.getFirst()) {
            case "exit", "quit", "logout" -> {
                return false;
            }
            case "help", "?" -> help(out);
            case "show" -> show(w, out);
            case "capture" -> capture(w, out, interrupted);
            case "reload" -> {
                requireOperator("reload");
                if (ctx.agent() == null) {
                    throw new ShellException("reload: this appliance runs without an EMS");
                }
                ctx.agent().requestFullResync();
                out.println("full resync with the EMS requested (show status: applied_version)");
            }
            case "plugin" -> plugin(w, out);
            case "log" -> log(w, out);
            default -> throw new ShellException("unknown command '" + w.getFirst() + "' (help lists them)");
        }
        return true;
    }

    private void requireOperator(String what) {
        if (!operator) {
            throw new ShellException("permission denied: '" + what + "' changes the appliance; your role is "
                    + "read-only");
        }
    }

    static List<String> words(String line) {
        List<String> w = new ArrayList<>();
        for (String s : line.strip().split("\\s+")) {
            if (!s.isEmpty()) {
                w.add(s);
            }
        }
        return w;
    }

    /** Completions of the last word of {@code line} (what tab offers). */
    public static List<String> complete(String line) {
        List<String> w = words(line);
        boolean newWord = line.isEmpty() || Character.isWhitespace(line.charAt(line.length() - 1));
        String prefix = newWord ? "" : w.getLast();
        int position = newWord ? w.size() : w.size() - 1;
        List<String> candidates = position == 0 ? List.copyOf(COMMANDS.keySet())
                : position == 1 ? COMMANDS.getOrDefault(w.getFirst(), List.of())
                : position == 2 && w.getFirst().equals("log") && w.get(1).equals("level")
                ? List.copyOf(LOG_LEVELS.keySet()) : List.of();
        return candidates.stream().filter(c -> c.startsWith(prefix)).sorted().toList();
    }

    private static void help(PrintWriter out) {
        out.println("show version                 agent and plugin API versions");
        out.println("show status                  EMS connection, applied vs desired configuration, source");
        out.println("show plugins                 loaded plugins, state, packets given/filtered/dropped");
        out.println("show counters [PLUGIN]       every counter");
        out.println("show collectors              per collector: datagrams, bytes, sessions, errors");
        out.println("show sessions                load-balancing sessions per collector");
        out.println("show flows [top N]           NetFlow cache: active, created, exported; the N largest flows");
        out.println("show ipsec                   IPsec tunnels");
        out.println("show tunnels                 mirror tunnels terminated: packets and bytes per observation point");
        out.println("show config                  each plugin's filter (with each rule's hits) and settings");
        out.println("capture [count N] [timeout S] [src CIDR] [dst CIDR] [proto P] [sport R] [dport R]");
        out.println("                             print N matching packets (default 10, 30 s; Ctrl-C stops)");
        out.println("reload                       fetch the configuration from the EMS now        (operator)");
        out.println("plugin load|unload NAME      load or unload a plugin                         (operator)");
        out.println("log level LEVEL              agent log level: error warn info debug trace     (operator)");
        out.println("exit");
    }

    // ---- show --------------------------------------------------------------------------------------------------

    private void show(List<String> w, PrintWriter out) {
        if (w.size() < 2) {
            throw new ShellException("show what? " + String.join(" | ", COMMANDS.get("show")));
        }
        ObjectNode counters = ctx.counters().get();
        switch (w.get(1)) {
            case "version" -> out.printf(Locale.ROOT, "SecMon appliance agent %s, plugin API %d, Java %s%n",
                    ctx.version(), PluginApi.VERSION, Runtime.version());
            case "status" -> {
                out.printf("source               %s%n", ctx.source());
                if (ctx.agent() == null) {
                    out.println("ems                  none");
                } else {
                    ObjectNode st = ctx.agent().status();
                    for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (!e.getKey().equals("counters")) {
                            out.printf("%-20s %s%n", e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                                    : e.getValue().toString());
                        }
                    }
                }
                out.printf(Locale.ROOT, "rx_packets           %,d%n", counters.path("rx_packets").asLong());
                out.printf(Locale.ROOT, "malformed            %,d%n", counters.path("malformed").asLong());
                out.printf(Locale.ROOT, "skipped              %,d%n", counters.path("skipped").asLong());
                out.printf(Locale.ROOT, "duplicates_dropped   %,d%n", counters.path("duplicates_dropped").asLong());
            }
            case "tunnels" -> {
                JsonNode points = counters.path("observation_points");
                if (points.isEmpty()) {
                    out.println("no tunnel terminated (the source's decap is none, or no tunnelled packet arrived)");
                }
                out.printf("%-11s %-40s %12s %14s %16s%n", "tunnel", "source", "id", "packets", "bytes");
                for (JsonNode pt : points) {
                    out.printf(Locale.ROOT, "%-11s %-40s %12d %,14d %,16d%n", pt.path("tunnel").asText(),
                            pt.path("source").asText(), pt.path("id").asLong(), pt.path("packets").asLong(),
                            pt.path("bytes").asLong());
                }
            }
            case "plugins" -> {
                out.printf("%-14s %-8s %-8s %-6s %14s %14s %10s%n", "plugin", "version", "state", "mode", "received",
                        "filtered", "dropped");
                for (LoadedPlugin p : ctx.host().plugins()) {
                    out.printf(Locale.ROOT, "%-14s %-8s %-8s %-6s %,14d %,14d %,10d%n", p.name(),
                            p.descriptor().version(), p.state().name().toLowerCase(Locale.ROOT),
                            p.mode() == null ? "-" : p.mode().name().toLowerCase(Locale.ROOT), p.received(),
                            p.filtered(), p.dropped());
                }
            }
            case "counters" -> {
                JsonNode n = w.size() > 2 ? counters.path("plugins").path(w.get(2)) : counters;
                if (n.isMissingNode()) {
                    throw new ShellException("no plugin '" + w.get(2) + "' (show plugins)");
                }
                flatten("", n, out);
            }
            case "collectors", "sessions" -> collectors(counters, out, w.get(1).equals("sessions"));
            case "flows" -> flows(w, counters, out);
            case "ipsec" -> {
                JsonNode st = ctx.agent() == null ? null : ctx.agent().ipsecStatus();
                if (st == null) {
                    out.println("no IPsec enforcer on this appliance (./secmon agent --ipsec-vici URI)");
                    return;
                }
                ipsec(st, out);
            }
            case "config" -> config(out);
            default -> throw new ShellException("show what? " + String.join(" | ", COMMANDS.get("show")));
        }
    }

    /** {@code show ipsec}: the enforcer's tunnels (state, traffic, rekeys) and DSCP classes, from its status. */
    static void ipsec(JsonNode st, PrintWriter out) {
        out.printf("%-24s %-12s %-10s %-16s %-22s %12s %12s %7s%n", "tunnel", "ike", "child", "mode", "esp",
                "bytes in", "bytes out", "rekeys");
        for (Iterator<Map.Entry<String, JsonNode>> it = st.path("tunnels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode t = e.getValue();
            out.printf(Locale.ROOT, "%-24s %-12s %-10s %-16s %-22s %,12d %,12d %7d%n", e.getKey(),
                    t.path("ike").asText("down"), t.path("child").asText("-"), t.path("mode").asText("-"),
                    t.path("esp").asText("-"), t.path("bytes_in").asLong(), t.path("bytes_out").asLong(),
                    t.path("rekeys").asLong() + t.path("ike_rekeys").asLong());
        }
        if (st.has("error")) {
            out.println("error: " + st.path("error").asText());
        }
        JsonNode dscp = st.path("dscp");
        if (!dscp.isMissingNode()) {
            out.printf("%n%-24s %5s %-10s %12s %14s%n", "DSCP class tunnel", "dscp", "mark", "packets",
                    "bytes");
            for (Iterator<Map.Entry<String, JsonNode>> it = dscp.path("tunnels").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode c = e.getValue();
                out.printf(Locale.ROOT, "%-24s %5d %-10s %,12d %,14d%n", e.getKey(), c.path("dscp").asInt(),
                        c.path("mark").asText("-"), c.path("packets").asLong(), c.path("bytes").asLong());
            }
            for (String k : new String[] {"warning", "error"}) {
                if (dscp.has(k)) {
                    out.println(k + ": " + dscp.path(k).asText());
                }
            }
        }
    }

    /** Most rows {@code show flows top N} prints. */
    static final int MAX_TOP = 1000;

    private void flows(List<String> w, ObjectNode counters, PrintWriter out) {
        int top = 0;
        if (w.size() > 2) {
            if (!w.get(2).equals("top") || w.size() > 4) {
                throw new ShellException("usage: show flows [top N]");
            }
            top = 10;
            if (w.size() == 4) {
                try {
                    top = Integer.parseInt(w.get(3));
                } catch (NumberFormatException e) {
                    top = -1;
                }
                if (top < 1 || top > MAX_TOP) {
                    throw new ShellException("top N: N must be 1.." + MAX_TOP + ", not '" + w.get(3) + "'");
                }
            }
        }
        boolean any = false;
        for (LoadedPlugin p : ctx.host().plugins()) {
            JsonNode nf = counters.path("plugins").path(p.name());
            if (!nf.has(CounterNames.FLOWS_ACTIVE)) {
                continue; // not a flow cache
            }
            any = true;
            out.printf("%s:%n", p.name());
            for (String k : List.of(CounterNames.FLOWS_ACTIVE, CounterNames.FLOWS_CREATED,
                    CounterNames.RECORDS_EXPORTED, CounterNames.RECORDS_LOST, CounterNames.FLOWS_EVICTED_CACHE_FULL,
                    CounterNames.PACKETS_DROPPED_CACHE_FULL)) {
                out.printf(Locale.ROOT, "  %-28s %,d%n", k, nf.path(k).asLong());
            }
            if (top > 0) {
                try {
                    Table t = p.query("flows", top, 5000);
                    if (t == null) {
                        out.println("  (this plugin cannot list its flows)");
                    } else {
                        printTable(t, out);
                    }
                } catch (IllegalStateException e) {
                    throw new ShellException(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ShellException("interrupted");
                }
            }
        }
        if (!any) {
            out.println("no NetFlow plugin loaded");
        }
    }

    /** A plugin's table: columns as wide as their widest value, numbers right-aligned and grouped. */
    static void printTable(Table t, PrintWriter out) {
        if (!t.note().isEmpty()) {
            out.println("  " + t.note());
        }
        int n = t.columns().size();
        if (n == 0) {
            return;
        }
        List<String[]> cells = new ArrayList<>();
        int[] width = new int[n];
        boolean[] numeric = new boolean[n];
        for (int c = 0; c < n; c++) {
            width[c] = t.columns().get(c).length();
            numeric[c] = !t.rows().isEmpty();
        }
        for (List<Object> row : t.rows()) {
            String[] line = new String[n];
            for (int c = 0; c < n; c++) {
                Object v = row.get(c);
                boolean number = v instanceof Long || v instanceof Integer;
                line[c] = number ? String.format(Locale.ROOT, "%,d", ((Number) v).longValue()) : String.valueOf(v);
                numeric[c] &= number || line[c].matches("-?[0-9.]+");
                width[c] = Math.max(width[c], line[c].length());
            }
            cells.add(line);
        }
        StringBuilder head = new StringBuilder(" ");
        for (int c = 0; c < n; c++) {
            head.append(' ').append(pad(t.columns().get(c), width[c], numeric[c]));
        }
        out.println(head.toString().stripTrailing());
        for (String[] line : cells) {
            StringBuilder b = new StringBuilder(" ");
            for (int c = 0; c < n; c++) {
                b.append(' ').append(pad(line[c], width[c], numeric[c]));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return right ? fill + s : s + fill;
    }

    private static void flatten(String prefix, JsonNode n, PrintWriter out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else {
            out.printf("%-56s %s%n", prefix, n.asText());
        }
    }

    private static void collectors(ObjectNode counters, PrintWriter out, boolean sessionsOnly) {
        if (sessionsOnly) {
            out.printf("%-12s %-32s %12s%n", "plugin", "collector", "sessions");
        } else {
            out.printf("%-12s %-32s %12s %14s %10s %8s%n", "plugin", "collector", "datagrams", "bytes", "sessions",
                    "errors");
        }
        int rows = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = counters.path("plugins").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            Map<String, long[]> cols = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> c = p.getValue().fields(); c.hasNext(); ) {
                Map.Entry<String, JsonNode> e = c.next();
                String k = e.getKey();
                if (!k.startsWith(CounterNames.COLLECTOR_PREFIX)) {
                    continue;
                }
                int dot = k.lastIndexOf('.');
                String name = k.substring(CounterNames.COLLECTOR_PREFIX.length(), dot);
                long[] v = cols.computeIfAbsent(name, x -> new long[4]);
                switch (k.substring(dot + 1)) {
                    case "datagrams" -> v[0] = e.getValue().asLong();
                    case "bytes" -> v[1] = e.getValue().asLong();
                    case "sessions" -> v[2] = e.getValue().asLong();
                    case "errors" -> v[3] = e.getValue().asLong();
                    default -> { }
                }
            }
            for (Map.Entry<String, long[]> c : cols.entrySet()) {
                long[] v = c.getValue();
                rows++;
                if (sessionsOnly) {
                    out.printf(Locale.ROOT, "%-12s %-32s %,12d%n", p.getKey(), c.getKey(), v[2]);
                } else {
                    out.printf(Locale.ROOT, "%-12s %-32s %,12d %,14d %,10d %,8d%n", p.getKey(), c.getKey(), v[0],
                            v[1], v[2], v[3]);
                }
            }
        }
        if (rows == 0) {
            out.println("(no collectors: no export plugin is configured)");
        }
    }

    private void config(PrintWriter out) {
        if (ctx.agent() != null && ctx.agent().current() != null) {
            out.printf("configuration version %d of scope %s%n", ctx.agent().current().version(),
                    ctx.agent().current().scopeName());
        }
        for (LoadedPlugin p : ctx.host().plugins()) {
            PluginSetup s = p.setup();
            if (s == null) {
                out.printf("%s: not configured%n", p.name());
                continue;
            }
            out.printf("%s: %d rules, default %s, config %s%n", p.name(), s.rules().size(),
                    s.defaultAction().name().toLowerCase(Locale.ROOT), s.config().asMap());
            // in the order the filter tries them, with the packets each matched since the rules were applied
            Classifier c = p.classifier();
            boolean counted = c != null && c.size() == s.rules().size();
            List<Rule> rules = counted ? c.rules() : s.rules();
            for (int i = 0; i < rules.size(); i++) {
                Rule r = rules.get(i);
                out.printf("  %5d %-7s src %s dst %s proto %s sport %s dport %s%s%s%n", r.priority(),
                        r.action().name().toLowerCase(Locale.ROOT), r.src(), r.dst(),
                        r.protocol() == Rule.ANY_PROTOCOL ? "any" : Integer.toString(r.protocol()), r.srcPorts(),
                        r.dstPorts(), r.truncateToSize() > 0 ? " truncate " + r.truncateToSize() : "",
                        counted ? String.format(Locale.ROOT, "  hits %,d", c.hits(i)) : "");
            }
        }
    }

    // ---- capture -----------------------------------------------------------------------------------------------

    private void capture(List<String> w, PrintWriter out, BooleanSupplier interrupted) {
        int count = 10;
        long timeoutSeconds = 30;
        IpPrefix src = IpPrefix.ANY;
        IpPrefix dst = IpPrefix.ANY;
        int proto = Rule.ANY_PROTOCOL;
        PortRange sport = PortRange.ANY;
        PortRange dport = PortRange.ANY;
        for (int i = 1; i < w.size(); i++) {
            if (i + 1 >= w.size()) {
                throw new ShellException("capture: '" + w.get(i) + "' needs a value");
            }
            String v = w.get(++i);
            try {
                switch (w.get(i - 1)) {
                    case "count" -> count = Integer.parseInt(v);
                    case "timeout" -> timeoutSeconds = Long.parseLong(v);
                    case "src" -> src = IpPrefix.parse(v);
                    case "dst" -> dst = IpPrefix.parse(v);
                    case "proto" -> proto = Rule.parseProtocol(v);
                    case "sport" -> sport = PortRange.parse(v);
                    case "dport" -> dport = PortRange.parse(v);
                    default -> throw new ShellException("capture: unknown filter '" + w.get(i - 1)
                            + "' (count, timeout, src, dst, proto, sport, dport)");
                }
            } catch (IllegalArgumentException e) {
                throw new ShellException("capture " + w.get(i - 1) + ": " + e.getMessage());
            }
        }
        if (count < 1 || count > 100_000 || timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new ShellException("capture: count 1..100000, timeout 1..3600 seconds");
        }
        String id = "capture-" + CAPTURES.incrementAndGet();
        CapturePlugin plugin = new CapturePlugin(id, count);
        Rule rule = new Rule(1, src, dst, proto, sport, dport,
                Rule.ANY_MAC, Rule.ANY_MAC, Action.FORWARD, 0);
        int shown = 0;
        try {
            ctx.host().register(plugin);
            ctx.host().setup(id, new PluginSetup(List.of(rule), Action.DROP, null, DeliveryMode.RING));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (shown < count && !interrupted.getAsBoolean() && System.nanoTime() < deadline) {
                String l = plugin.lines().poll(100, TimeUnit.MILLISECONDS);
                if (l != null) {
                    out.println(l);
                    out.flush();
                    shown++;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new ShellException("capture: " + e.getMessage());
        } finally {
            ctx.host().unload(id);
        }
        out.printf("%d packets captured%s%n", shown, plugin.dropped() > 0 ? ", " + plugin.dropped()
                + " not shown (the session was too slow)" : "");
    }

    // ---- changes -----------------------------------------------------------------------------------------------

    private void plugin(List<String> w, PrintWriter out) {
        if (w.size() != 3 || !(w.get(1).equals("load") || w.get(1).equals("unload"))) {
            throw new ShellException("usage: plugin load|unload NAME");
        }
        requireOperator("plugin " + w.get(1));
        String name = w.get(2);
        if (w.get(1).equals("unload")) {
            if (name.startsWith("capture-") || name.equals("count")) {
                throw new ShellException("plugin unload: '" + name + "' is built in");
            }
            if (!ctx.host().disable(name)) {
                throw new ShellException("plugin unload: no plugin '" + name + "' (show plugins)");
            }
            out.println("plugin " + name + " unloaded (stays unloaded until 'plugin load " + name + "')");
        } else {
            List<String> loaded = ctx.host().enable(name);
            out.println(loaded.isEmpty() ? "nothing new to load for '" + name + "' (is its jar in "
                    + ctx.host().pluginsDir() + "?)" : "loaded: " + String.join(", ", loaded));
        }
    }

    /** The log levels operators know, as java.util.logging levels. */
    static final Map<String, Level> LOG_LEVELS = logLevels();

    private static Map<String, Level> logLevels() {
        Map<String, Level> m = new java.util.LinkedHashMap<>();
        m.put("error", Level.SEVERE);
        m.put("warn", Level.WARNING);
        m.put("info", Level.INFO);
        m.put("debug", Level.FINE);
        m.put("trace", Level.FINEST);
        return java.util.Collections.unmodifiableMap(m);
    }

    private void log(List<String> w, PrintWriter out) {
        if (w.size() != 3 || !w.get(1).equals("level")) {
            throw new ShellException("usage: log level " + String.join("|", LOG_LEVELS.keySet()));
        }
        requireOperator("log level");
        String name = w.get(2).toLowerCase(Locale.ROOT);
        Level level = LOG_LEVELS.get(name.equals("warning") ? "warn" : name);
        if (level == null) {
            throw new ShellException("log level: " + String.join(", ", LOG_LEVELS.keySet()) + ", not '" + w.get(2)
                    + "'");
        }
        Logger.getLogger("org.secmon").setLevel(level);
        // the console handler must let the records through too (it drops everything below INFO by default)
        for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
            if (h.getLevel().intValue() > level.intValue()) {
                h.setLevel(level);
            }
        }
        out.println("log level of org.secmon is now " + name);
    }
}
