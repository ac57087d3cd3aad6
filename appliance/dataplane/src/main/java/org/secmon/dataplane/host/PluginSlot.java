package org.secmon.dataplane.host;

import org.secmon.dataplane.filter.Classifier;
import org.secmon.plugin.SecmonPlugin;

/** One plugin as one rx thread sees it in a {@link Pipeline} snapshot. Immutable. */
public final class PluginSlot {
    final LoadedPlugin owner;
    final SecmonPlugin plugin;
    final LoadedPlugin.Mailbox mailbox;
    final Classifier classifier;
    final SlotState state;
    /** Null in DIRECT mode. */
    final PacketRing ring;

    /** {@code instance}: which of the owner's instances this rx thread calls (its queue's, or the only one). */
    PluginSlot(LoadedPlugin owner, int instance, Classifier classifier, SlotState state) {
        this.owner = owner;
        this.plugin = owner.instances[instance];
        this.mailbox = owner.mailboxes[instance];
        this.classifier = classifier;
        this.state = state;
        this.ring = state.ring;
    }
}
