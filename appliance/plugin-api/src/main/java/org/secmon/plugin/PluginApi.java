package org.secmon.plugin;

/** Version of this SPI. A plugin built against a different major API version is refused at load time. */
public final class PluginApi {
    /**
     * Incremented on every incompatible change of the SPI. 2: {@link Packet} is a read-only interface (it was a class
     * whose setters every plugin could call); a plugin compiled against 1 would fail at its first packet.
     */
    public static final int VERSION = 2;

    private PluginApi() {
    }
}
