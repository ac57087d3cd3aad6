package org.secmon.dataplane.host;

/** An immutable snapshot of the plugins one rx thread feeds, swapped in between bursts. */
public final class Pipeline {
    static final Pipeline EMPTY = new Pipeline(0, new PluginSlot[0]);

    final long version;
    final PluginSlot[] slots;

    Pipeline(long version, PluginSlot[] slots) {
        this.version = version;
        this.slots = slots;
    }

    public long version() {
        return version;
    }

    public int size() {
        return slots.length;
    }
}
