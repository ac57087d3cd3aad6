package org.secmon.dataplane.dpdk;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Finds libsecmon_dpdk.so: the {@value #PATH_PROP_NAME} property, the build output, or extracted from the jar. */
final class DpdkLibrary {
    static final String PATH_PROP_NAME = "secmon.dpdk.shim";
    static final String RESOURCE = "/native/linux-x86_64/libsecmon_dpdk.so";

    private DpdkLibrary() {
    }

    /** The shim's path, or throws {@link UnsupportedOperationException} saying why DPDK is unavailable. */
    static Path locate() {
        String explicit = System.getProperty(PATH_PROP_NAME);
        if (explicit != null) {
            Path p = Path.of(explicit);
            if (!Files.isReadable(p)) {
                throw new UnsupportedOperationException(PATH_PROP_NAME + "=" + explicit + " is not readable");
            }
            return p;
        }
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            throw new UnsupportedOperationException("the DPDK shim is built for linux-x86_64 only");
        }
        URL url = DpdkLibrary.class.getResource(RESOURCE);
        if (url == null) {
            throw new UnsupportedOperationException("DPDK shim not built (libdpdk-dev, pkg-config and gcc were not "
                    + "installed when the project was built; install them and run ./secmon build), or use a pcap: "
                    + "source");
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path tmp = Files.createTempFile("libsecmon_dpdk", ".so");
            tmp.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException | URISyntaxException e) {
            throw new UnsupportedOperationException("cannot extract the DPDK shim: " + e.getMessage(), e);
        }
    }
}
