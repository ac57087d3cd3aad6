package org.secmon.agent.ipsec.vici;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A VICI message: an ordered tree of sections, key/value pairs and lists, the body of strongSwan's versatile IKE
 * configuration interface (its {@code README} in {@code src/libcharon/plugins/vici}). Keys and section names are at
 * most 255 bytes, values and list items at most 65,535; every value is a byte string (text here is UTF-8).
 *
 * <p>Elements on the wire: {@code SECTION_START(1) name}, {@code SECTION_END(2)}, {@code KEY_VALUE(3) key value},
 * {@code LIST_START(4) name}, {@code LIST_ITEM(5) value}, {@code LIST_END(6)}; names with an 8-bit length, values
 * with a 16-bit big-endian length. Because every value carries its length, nothing in one can end it or start
 * another element: the injection a text configuration allows has no counterpart here.
 */
public final class ViciMessage {
    static final int SECTION_START = 1;
    static final int SECTION_END = 2;
    static final int KEY_VALUE = 3;
    static final int LIST_START = 4;
    static final int LIST_ITEM = 5;
    static final int LIST_END = 6;
    /** Deeper nesting than any strongSwan message has; a decoder limit against hostile input. */
    static final int MAX_DEPTH = 32;

    // byte[] (a value), List<byte[]> (a list) or ViciMessage (a section)
    private final Map<String, Object> entries = new LinkedHashMap<>();

    public ViciMessage put(String key, String value) {
        return put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    public ViciMessage put(String key, byte[] value) {
        checkName(key);
        checkValue(value);
        entries.put(key, value.clone());
        return this;
    }

    public ViciMessage list(String key, List<String> items) {
        checkName(key);
        List<byte[]> l = new ArrayList<>();
        for (String i : items) {
            byte[] b = i.getBytes(StandardCharsets.UTF_8);
            checkValue(b);
            l.add(b);
        }
        entries.put(key, l);
        return this;
    }

    /** Puts {@code section} under {@code name}, replacing what was there. */
    public ViciMessage put(String name, ViciMessage section) {
        checkName(name);
        entries.put(name, section);
        return this;
    }

    /** The section {@code name}, made (empty, at the end) if there is none yet. */
    public ViciMessage section(String name) {
        checkName(name);
        Object o = entries.get(name);
        if (o instanceof ViciMessage m) {
            return m;
        }
        ViciMessage m = new ViciMessage();
        entries.put(name, m);
        return m;
    }

    public Set<String> keys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** The value of {@code key} as text, or null (absent, or a list or section). */
    public String text(String key) {
        return entries.get(key) instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
    }

    /** The value of {@code key} as a number, or {@code otherwise} (absent or not a decimal number). */
    public long number(String key, long otherwise) {
        String s = text(key);
        try {
            return s == null ? otherwise : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /** The list {@code key} as text, empty if there is none. */
    public List<String> textList(String key) {
        List<String> out = new ArrayList<>();
        if (entries.get(key) instanceof List<?> l) {
            for (Object o : l) {
                out.add(new String((byte[]) o, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The section {@code key}, or null. */
    public ViciMessage sub(String key) {
        return entries.get(key) instanceof ViciMessage m ? m : null;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The message's elements in wire form. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encode(out);
        return out.toByteArray();
    }

    private void encode(ByteArrayOutputStream out) {
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            switch (e.getValue()) {
                case byte[] v -> {
                    out.write(KEY_VALUE);
                    name(out, e.getKey());
                    value(out, v);
                }
                case List<?> l -> {
                    out.write(LIST_START);
                    name(out, e.getKey());
                    for (Object i : l) {
                        out.write(LIST_ITEM);
                        value(out, (byte[]) i);
                    }
                    out.write(LIST_END);
                }
                case ViciMessage m -> {
                    out.write(SECTION_START);
                    name(out, e.getKey());
                    m.encode(out);
                    out.write(SECTION_END);
                }
                default -> throw new IllegalStateException(e.getValue().getClass().getName());
            }
        }
    }

    static void name(ByteArrayOutputStream out, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    private static void value(ByteArrayOutputStream out, byte[] v) {
        out.write(v.length >>> 8);
        out.write(v.length & 0xff);
        out.write(v, 0, v.length);
    }

    private static void checkName(String name) {
        int n = name.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > 255) {
            throw new IllegalArgumentException("a VICI name is 1 to 255 bytes, not " + n);
        }
    }

    private static void checkValue(byte[] v) {
        if (v.length > 0xffff) {
            throw new IllegalArgumentException("a VICI value is at most 65535 bytes, not " + v.length);
        }
    }

    /**
     * The message in {@code in} (all of its remaining bytes).
     *
     * @throws ViciException when they are not one well-formed message: unknown element, a length past the end,
     *                       unbalanced sections or lists, nesting deeper than {@value #MAX_DEPTH}
     */
    public static ViciMessage decode(ByteBuffer in) throws ViciException {
        ViciMessage root = new ViciMessage();
        List<ViciMessage> open = new ArrayList<>();
        open.add(root);
        String list = null;
        List<byte[]> items = null;
        try {
            while (in.hasRemaining()) {
                int type = in.get() & 0xff;
                ViciMessage cur = open.getLast();
                if (list != null && type != LIST_ITEM && type != LIST_END) {
                    throw new ViciException("element " + type + " inside list '" + list + "'");
                }
                switch (type) {
                    case SECTION_START -> {
                        String name = readName(in);
                        if (open.size() > MAX_DEPTH) {
                            throw new ViciException("sections nested deeper than " + MAX_DEPTH);
                        }
                        ViciMessage m = new ViciMessage();
                        cur.entries.put(name, m);
                        open.add(m);
                    }
                    case SECTION_END -> {
                        if (open.size() == 1) {
                            throw new ViciException("section end without a section");
                        }
                        open.removeLast();
                    }
                    case KEY_VALUE -> {
                        String key = readName(in);
                        cur.entries.put(key, readValue(in));
                    }
                    case LIST_START -> {
                        list = readName(in);
                        items = new ArrayList<>();
                    }
                    case LIST_ITEM -> {
                        if (list == null) {
                            throw new ViciException("list item outside a list");
                        }
                        items.add(readValue(in));
                    }
                    case LIST_END -> {
                        if (list == null) {
                            throw new ViciException("list end without a list");
                        }
                        cur.entries.put(list, items);
                        list = null;
                        items = null;
                    }
                    default -> throw new ViciException("unknown element type " + type);
                }
            }
        } catch (BufferUnderflowException e) {
            throw new ViciException("message ends inside an element");
        }
        if (list != null || open.size() != 1) {
            throw new ViciException("message ends inside " + (list != null ? "list '" + list + "'" : "a section"));
        }
        return root;
    }

    /** A name: its 8-bit length, then its bytes (in messages, and for event names in packets). */
    static String readName(ByteBuffer in) throws ViciException {
        int n = in.get() & 0xff;
        if (n > in.remaining()) {
            throw new ViciException("a name longer than what is left of the message");
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] readValue(ByteBuffer in) {
        int n = in.getShort() & 0xffff;
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    /** Readable form for logs and test failures; values of keys named like secrets are left out. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(e.getKey()).append('=');
            switch (e.getValue()) {
                case byte[] v -> b.append(secret(e.getKey()) ? "<" + v.length + " bytes>"
                        : new String(v, StandardCharsets.UTF_8));
                case List<?> l -> {
                    List<String> s = new ArrayList<>();
                    l.forEach(o -> s.add(new String((byte[]) o, StandardCharsets.UTF_8)));
                    b.append(s);
                }
                default -> b.append(e.getValue());
            }
        }
        return b.append('}').toString();
    }

    private static boolean secret(String key) {
        return key.equals("data") || key.contains("secret") || key.equals("psk");
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ViciMessage m) || !m.entries.keySet().equals(entries.keySet())) {
            return false;
        }
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            Object x = m.entries.get(e.getKey());
            boolean same = switch (e.getValue()) {
                case byte[] v -> x instanceof byte[] w && java.util.Arrays.equals(v, w);
                case List<?> l -> x instanceof List<?> k && l.size() == k.size() && sameItems(l, k);
                default -> e.getValue().equals(x);
            };
            if (!same) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameItems(List<?> a, List<?> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals((byte[]) a.get(i), (byte[]) b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return entries.keySet().hashCode();
    }
}
