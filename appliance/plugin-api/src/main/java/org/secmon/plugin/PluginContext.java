package org.secmon.plugin;

import java.nio.file.Path;

/** What the host gives a plugin at {@link SecmonPlugin#init}. */
public interface PluginContext {

    /** The plugin's instance name (its id unless the operator named it). */
    String name();

    /**
     * A named counter of this plugin, shown by the CLI and reported to the EMS. Create counters in {@code init};
     * the returned counter has a single writer: the plugin's data-plane thread.
     */
    Counter counter(String name);

    /** A directory the plugin may write state into (created on demand). */
    Path stateDirectory();

    /** The appliance's receive ports with their counters (sFlow counter samples); empty when not known. */
    default java.util.List<RxPort> rxPorts() {
        return java.util.List.of();
    }

    /** Log a line attributed to this plugin (control path only; never per packet). */
    void log(System.Logger.Level level, String message);
}
