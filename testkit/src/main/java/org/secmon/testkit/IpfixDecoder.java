package org.secmon.testkit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small IPFIX (RFC 7011) and NetFlow v9 (RFC 3954) decoder for tests, written from the RFCs and independent of the
 * exporter's code: it learns templates (enterprise bit and number, variable length in the 1- and 3-byte forms) and
 * returns each data record as element key -> value bytes, the key {@code id} for IANA elements and
 * {@code pen/id} for enterprise ones. Options templates are skipped.
 */
public final class IpfixDecoder {
    public record Field(long pen, int id, int length) {
        public String key() {
            return pen == 0 ? Integer.toString(id) : pen + "/" + id;
        }
    }

    /** One data record: the template it came with, and its values. */
    public record Record(int template, Map<String, byte[]> values) {
        public String string(String key) {
            byte[] v = values.get(key);
            if (v == null) {
                return null;
            }
            int n = v.length;
            while (n > 0 && v[n - 1] == 0) {
                n--; // v9 pads fixed-length strings with zeros
            }
            return new String(v, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
        }

        public long number(String key) {
            long x = 0;
            for (byte b : values.get(key)) {
                x = x << 8 | (b & 0xff);
            }
            return x;
        }
    }

    private final Map<Integer, List<Field>> templates = new HashMap<>();

    /** The data records of {@code messages}, in order (templates carried from one message to the next). */
    public List<Record> decodeAll(List<ByteBuffer> messages) {
        List<Record> out = new java.util.ArrayList<>();
        for (ByteBuffer b : messages) {
            out.addAll(decode(b));
        }
        return out;
    }

    public List<Record> decode(ByteBuffer message) {
        ByteBuffer p = message.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        int version = p.getShort(0);
        boolean ipfix = version == 10;
        if (!ipfix && version != 9) {
            throw new IllegalArgumentException("version " + version);
        }
        int pos = ipfix ? 16 : 20;
        int end = ipfix ? (p.getShort(2) & 0xffff) : p.limit();
        List<Record> out = new ArrayList<>();
        while (pos + 4 <= end) {
            int setId = p.getShort(pos) & 0xffff;
            int len = p.getShort(pos + 2) & 0xffff;
            if (len < 4 || pos + len > end) {
                throw new IllegalArgumentException("set " + setId + " of length " + len + " at " + pos);
            }
            int setEnd = pos + len;
            if (setId == (ipfix ? 2 : 0)) {
                int q = pos + 4;
                while (q + 4 <= setEnd) {
                    int id = p.getShort(q) & 0xffff;
                    int count = p.getShort(q + 2) & 0xffff;
                    q += 4;
                    List<Field> fields = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        int type = p.getShort(q) & 0xffff;
                        int flen = p.getShort(q + 2) & 0xffff;
                        q += 4;
                        long pen = 0;
                        if (ipfix && (type & 0x8000) != 0) {
                            pen = p.getInt(q) & 0xffffffffL;
                            q += 4;
                            type &= 0x7fff;
                        }
                        fields.add(new Field(pen, type, flen));
                    }
                    templates.put(id, fields);
                }
            } else if (setId >= 256) {
                List<Field> fields = templates.get(setId);
                if (fields == null) { // options data (its template was skipped)
                    pos = setEnd;
                    continue;
                }
                int q = pos + 4;
                while (q < setEnd && setEnd - q >= minLength(fields)) {
                    Map<String, byte[]> values = new LinkedHashMap<>();
                    for (Field f : fields) {
                        int n = f.length();
                        if (n == 0xffff) {
                            n = p.get(q) & 0xff;
                            q++;
                            if (n == 255) {
                                n = p.getShort(q) & 0xffff;
                                q += 2;
                            }
                        }
                        byte[] v = new byte[n];
                        p.get(q, v);
                        q += n;
                        values.put(f.key(), v);
                    }
                    if (q > setEnd) {
                        throw new IllegalArgumentException("record runs past its set");
                    }
                    out.add(new Record(setId, values));
                }
            }
            pos = setEnd;
        }
        return out;
    }

    private static int minLength(List<Field> fields) {
        int n = 0;
        for (Field f : fields) {
            n += f.length() == 0xffff ? 1 : f.length();
        }
        return Math.max(1, n);
    }
}
