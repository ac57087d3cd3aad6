package org.secmon.console.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secmon.testkit.Await;

/**
 * The console in a real window: starts Xvfb on a free display and a JVM running {@link ScreenshotTour} there (the
 * GTK glass platform, not the headless one), which saves a screenshot of every main screen to
 * {@code console-app/target/screenshots/}. Each must be a full window with real content (many colours, not one
 * flat fill).
 */
class ConsoleScreenshotsTest {
    static final List<String> SCREENS = List.of("01-login", "02-dashboard", "03-configuration-7-tuple",
            "04-collector-set", "05-ipsec", "06-users", "07-audit", "08-ssh-terminal", "09-flows");

    @TempDir
    Path dir;

    @Test
    void everyMainScreenInARealWindow() throws Exception {
        boolean haveXvfb = Files.isExecutable(Path.of("/usr/bin/Xvfb"));
        if (System.getenv("SECMON_REQUIRE_TOOLS") != null) {
            assertTrue(haveXvfb, "Xvfb is missing (package xvfb)");
        }
        assumeTrue(haveXvfb, "Xvfb not installed (package xvfb): no real-window screenshots");
        int display = freeDisplay();
        Process xvfb = new ProcessBuilder("/usr/bin/Xvfb", ":" + display, "-screen", "0", "1400x900x24",
                "-nolisten", "tcp").redirectErrorStream(true).redirectOutput(dir.resolve("xvfb.log").toFile())
                .start();
        Path out = Path.of(System.getProperty("secmon.screenshots", "target/screenshots"));
        try {
            Await.until(Duration.ofSeconds(10), "Xvfb's socket", () -> {
                if (!xvfb.isAlive()) {
                    throw new Await.Abort("Xvfb exited: " + Files.readString(dir.resolve("xvfb.log")));
                }
                return Files.exists(Path.of("/tmp/.X11-unix/X" + display));
            });
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), "-Dprism.order=sw",
                    "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                    "-Dsecmon.plugins.dir=" + System.getProperty("secmon.plugins.dir",
                            "../appliance/agent/target/plugins"),
                    ScreenshotTour.class.getName(), out.toString(), dir.resolve("work").toString()));
            Files.createDirectories(dir.resolve("work"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("tour.log").toFile());
            pb.environment().put("DISPLAY", ":" + display);
            pb.environment().put("HOME", dir.toString()); // known hosts and the like stay in the temp dir
            Process tour = pb.start();
            boolean done = tour.waitFor(180, TimeUnit.SECONDS);
            if (!done) {
                tour.destroyForcibly();
            }
            String log = Files.readString(dir.resolve("tour.log"));
            assertTrue(done, "the tour did not finish in 180 s: " + log);
            assertEquals(0, tour.exitValue(), log);
            for (String s : SCREENS) {
                File f = out.resolve(s + ".png").toFile();
                assertTrue(f.isFile(), s + " missing: " + log);
                BufferedImage img = ImageIO.read(f);
                assertEquals(1280, img.getWidth(), s);
                assertEquals(820, img.getHeight(), s);
                assertTrue(colours(img) > 40, s + " looks empty: " + colours(img) + " colours");
            }
        } finally {
            xvfb.destroy();
            if (!xvfb.waitFor(5, TimeUnit.SECONDS)) {
                xvfb.destroyForcibly();
            }
        }
    }

    private static int colours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    private static int freeDisplay() {
        for (int d = 90; d < 200; d++) {
            if (!Files.exists(Path.of("/tmp/.X11-unix/X" + d)) && !Files.exists(Path.of("/tmp/.X" + d + "-lock"))) {
                return d;
            }
        }
        throw new IllegalStateException("no free X display number between 90 and 199");
    }
}
