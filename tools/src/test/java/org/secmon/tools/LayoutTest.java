package org.secmon.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module dependency rules of docs/development.md, checked on every build (this module is built after all the
 * modules it looks at): read every pom.xml of the tree and the jars the build made.
 * <ul>
 *   <li>a plugin depends (outside tests) on the plugin API and the transport module only — one documented
 *       exception: raw forward carries the sFlow plugin's codec package for its sFlow 1:1 encapsulation;</li>
 *   <li>nothing of the product (appliance, EMS, console) depends on tools, testkit, JMH or the system tests outside
 *       test scope, and the agent's and EMS's jars and runtime classpaths hold no bench, replay or demo code;</li>
 *   <li>no module uses another module's test classes (no test-jar): tests share code through testkit and
 *       ems/testkit;</li>
 *   <li>a plugin jar holds only its own package.</li>
 * </ul>
 */
class LayoutTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Set<String> PLUGIN_DEPS = Set.of("secmon-plugin-api", "secmon-transport");
    static final Set<String> TOOLING = Set.of("secmon-tools", "secmon-testkit", "secmon-ems-testkit",
            "secmon-ems-server-tests", "secmon-bench", "secmon-system-tests");
    static final Set<String> PRODUCT = Set.of("secmon-plugin-api", "secmon-transport", "secmon-dataplane",
            "secmon-plugin-netflow", "secmon-plugin-sflow", "secmon-plugin-rawforward", "secmon-agent",
            "secmon-ems-api", "secmon-ems-server", "secmon-ems-ctl", "secmon-console");

    record Dep(String artifact, String scope, String type, String classifier, boolean optional) {
        boolean test() {
            return "test".equals(scope);
        }
    }

    /** Every module's own dependencies, by artifact id. */
    static Map<String, List<Dep>> modules() throws Exception {
        Map<String, List<Dep>> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            for (Path pom : s.filter(p -> p.getFileName().toString().equals("pom.xml"))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.secmon/")
                            && !p.toString().contains("/node_modules/"))
                    .toList()) {
                Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
                Element project = d.getDocumentElement();
                String id = child(project, "artifactId");
                List<Dep> deps = new ArrayList<>();
                Element block = firstChild(project, "dependencies");
                if (block != null) {
                    NodeList ds = block.getChildNodes();
                    for (int i = 0; i < ds.getLength(); i++) {
                        if (ds.item(i) instanceof Element e && e.getTagName().equals("dependency")) {
                            deps.add(new Dep(child(e, "artifactId"), child(e, "scope"), child(e, "type"),
                                    child(e, "classifier"),
                                    "true".equals(child(e, "optional"))));
                        }
                    }
                }
                out.put(id, deps);
            }
        }
        return out;
    }

    private static Element firstChild(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e;
            }
        }
        return null;
    }

    private static String child(Element parent, String tag) {
        Element e = firstChild(parent, tag);
        return e == null ? null : e.getTextContent().trim();
    }

    @Test
    void pluginsDependOnThePluginApiAndTheTransportOnly() throws Exception {
        Map<String, List<Dep>> ms = modules();
        List<String> plugins = ms.keySet().stream().filter(m -> m.startsWith("secmon-plugin-")
                && !m.equals("secmon-plugin-api")).toList();
        assertEquals(List.of("secmon-plugin-netflow", "secmon-plugin-rawforward", "secmon-plugin-sflow"), plugins);
        for (String p : plugins) {
            for (Dep d : ms.get(p)) {
                if (d.test()) {
                    continue;
                }
                boolean allowed = PLUGIN_DEPS.contains(d.artifact()) && "provided".equals(d.scope())
                        || p.equals("secmon-plugin-rawforward") && d.artifact().equals("secmon-plugin-sflow")
                        && d.optional();
                assertTrue(allowed, p + " depends on " + d + "; a plugin may use the plugin API and the transport"
                        + " module (both provided by the host) and nothing else");
            }
        }
    }

    @Test
    void theProductDependsOnNoToolingAndNoModuleOnAnothersTestClasses() throws Exception {
        Map<String, List<Dep>> ms = modules();
        assertTrue(ms.keySet().containsAll(PRODUCT), "modules: " + ms.keySet());
        for (String m : PRODUCT) {
            for (Dep d : ms.get(m)) {
                assertTrue(d.test() || !TOOLING.contains(d.artifact()),
                        m + " depends on " + d.artifact() + " outside tests");
            }
        }
        for (Map.Entry<String, List<Dep>> e : ms.entrySet()) {
            for (Dep d : e.getValue()) {
                assertTrue(!"test-jar".equals(d.type()) && !"tests".equals(d.classifier()),
                        e.getKey() + " uses the test classes of " + d.artifact() + "; share them through"
                                + " testkit (or ems/testkit) instead");
            }
        }
    }

    @Test
    void theApplianceAndEmsJarsHoldNoToolCode() throws IOException {
        for (String module : List.of("appliance/agent", "appliance/dataplane", "appliance/transport", "ems/server",
                "ems/api")) {
            Path p = mainJar(module);
            String jar = ROOT.relativize(p).toString();
            try (JarFile j = new JarFile(p.toFile())) {
                List<String> tools = j.stream().map(e -> e.getName())
                        .filter(n -> n.endsWith(".class"))
                        .filter(n -> n.matches(".*(Bench|Benchmark|SampleCapture|FlowPrinter|ReplayCommand|"
                                + "CaptureWriter|FrameBuilder)[^/]*\\.class"))
                        .toList();
                assertEquals(List.of(), tools, jar + " holds bench, replay or demo code");
            }
        }
        for (String cp : List.of("appliance/agent/target/classpath.txt", "ems/server/target/classpath.txt")) {
            String classpath = Files.readString(ROOT.resolve(cp));
            for (String banned : List.of("secmon-tools", "secmon-testkit", "junit", "jmh-core")) {
                assertTrue(!classpath.contains(banned), cp + " names " + banned + ":\n" + classpath);
            }
        }
    }

    /** The module's main jar (not its tests jar), built before this module. */
    static Path mainJar(String module) throws IOException {
        try (Stream<Path> s = Files.list(ROOT.resolve(module).resolve("target"))) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-tests.jar")).toList();
            assertEquals(1, jars.size(), module + ": one main jar, built before this module: " + jars);
            return jars.getFirst();
        }
    }

    @Test
    void aPluginJarHoldsOnlyItsOwnPackage() throws IOException {
        Map<String, String> jars = Map.of("netflow", "appliance/plugins/netflow/target/secmon-netflow.jar",
                "sflow", "appliance/plugins/sflow/target/secmon-sflow.jar",
                "rawforward", "appliance/plugins/rawforward/target/secmon-rawforward.jar");
        for (Map.Entry<String, String> e : jars.entrySet()) {
            try (JarFile j = new JarFile(ROOT.resolve(e.getValue()).toFile())) {
                List<String> foreign = j.stream().map(x -> x.getName()).filter(n -> n.endsWith(".class"))
                        .filter(n -> !n.startsWith("org/secmon/plugins/" + e.getKey() + "/"))
                        .filter(n -> !(e.getKey().equals("rawforward")
                                && n.startsWith("org/secmon/plugins/sflow/codec/")))
                        .toList();
                assertEquals(List.of(), foreign, e.getValue() + " holds classes of other modules");
            }
        }
    }
}
