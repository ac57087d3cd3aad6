package org.secmon.plugin;

/** Version of this SPI. A plugin built against a different major API version is refused at load time. */
public final class PluginApi {
    /** Incremented on every incompatible change of the SPI. */
    public static final int VERSION = 1;

    private PluginApi() {
    }
}
