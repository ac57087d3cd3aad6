package org.secmon.plugins.netflow.meta;

/** Big-endian unsigned reads from a byte array, for the parsers of this package; the caller checks the bounds. */
final class Wire {
    private Wire() {
    }

    static int u16(byte[] b, int p) {
        return (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    static int u24(byte[] b, int p) {
        return (b[p] & 0xff) << 16 | u16(b, p + 1);
    }

    static int u32(byte[] b, int p) {
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    static long u64(byte[] b, int p) {
        return (long) u32(b, p) << 32 | (u32(b, p + 4) & 0xffff_ffffL);
    }
}
