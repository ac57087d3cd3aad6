package org.secmon.transport.net;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * A connected datagram socket used through the C library (Linux, 64-bit), for what the JDK does not offer: sending
 * a batch of datagrams in one system call ({@code sendmmsg}) and raw IP sockets (GRE for ERSPAN, which needs
 * CAP_NET_RAW). The kernel still builds the IP header; a raw GRE socket sends GRE header + payload.
 * <p>
 * Sends never block ({@code MSG_DONTWAIT}): a full socket buffer is reported, counted by the caller, not waited for.
 */
public final class NativeSocket implements AutoCloseable {
    public static final int IPPROTO_GRE = 47;
    private static final int AF_INET = 2, AF_INET6 = 10, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    private static final int MSG_DONTWAIT = 0x40;
    /** errno values the callers distinguish. */
    public static final int EAGAIN = 11, ECONNREFUSED = 111, EPERM = 1, EACCES = 13, EHOSTUNREACH = 113,
            ENETUNREACH = 101, EMSGSIZE = 90;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = ERRNO_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET, CONNECT, SETSOCKOPT, SEND, SENDMMSG, CLOSE, ERRNO_LOCATION;
    /** The calling thread's errno (its address is fixed for the thread's life). */
    private static final ThreadLocal<MemorySegment> THREAD_ERRNO = new ThreadLocal<>();
    private static final String UNAVAILABLE;

    static {
        MethodHandle socket = null, connect = null, setsockopt = null, send = null, sendmmsg = null, close = null, errnoAt = null;
        String why = null;
        boolean linux64 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && ValueLayout.ADDRESS.byteSize() == 8;
        if (!linux64) {
            why = "native sockets need 64-bit Linux";
        } else {
            try {
                SymbolLookup libc = LINKER.defaultLookup();
                Linker.Option errno = Linker.Option.captureCallState("errno");
                socket = LINKER.downcallHandle(libc.find("socket").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                        errno);
                connect = LINKER.downcallHandle(libc.find("connect").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                        errno);
                setsockopt = LINKER.downcallHandle(libc.find("setsockopt").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
                // the send calls do not capture errno: the JDK's capture makes a segment per call, which escape
                // analysis does not always remove; errno is read from __errno_location() on the (rare) failure
                send = LINKER.downcallHandle(libc.find("send").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
                sendmmsg = LINKER.downcallHandle(libc.find("sendmmsg").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT));
                errnoAt = LINKER.downcallHandle(libc.find("__errno_location").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS));
                close = LINKER.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                why = "the C library's socket functions cannot be linked: " + e;
            }
        }
        SOCKET = socket;
        CONNECT = connect;
        SETSOCKOPT = setsockopt;
        SEND = send;
        SENDMMSG = sendmmsg;
        CLOSE = close;
        ERRNO_LOCATION = errnoAt;
        UNAVAILABLE = why;
    }

    private final int fd;
    private final String description;
    private final boolean v6;
    private boolean closed;

    private NativeSocket(int fd, String description, boolean v6) {
        this.fd = fd;
        this.description = description;
        this.v6 = v6;
    }

    /**
     * Sets the DSCP (0..63) of everything this socket sends: {@code IP_TOS}, or {@code IPV6_TCLASS} on IPv6; the
     * ECN bits stay 0.
     */
    public void dscp(int dscp) throws NativeException {
        if (dscp < 0 || dscp > 63) {
            throw new NativeException(description + ": dscp must be 0..63, not " + dscp, 0);
        }
        MemorySegment state = Arena.global().allocate(ERRNO_STATE);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, dscp << 2);
            // IPPROTO_IP/IP_TOS = 0/1, IPPROTO_IPV6/IPV6_TCLASS = 41/67
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, v6 ? 41 : 0, v6 ? 67 : 1, v, 4);
            if (rc != 0) {
                throw new NativeException(description + ": setting dscp " + dscp + " failed: "
                        + strerror((int) ERRNO.get(state, 0L)), (int) ERRNO.get(state, 0L));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException(description + ": " + t, 0);
        }
    }

    /** Null when native sockets work here, else why not. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** A UDP socket connected to {@code address:port}. */
    public static NativeSocket udp(InetAddress address, int port) throws NativeException {
        return open(address, port, SOCK_DGRAM, 0, "udp " + address.getHostAddress() + ":" + port);
    }

    /** A raw GRE socket (IP protocol 47) connected to {@code address}; needs CAP_NET_RAW. */
    public static NativeSocket gre(InetAddress address) throws NativeException {
        return open(address, 0, SOCK_RAW, IPPROTO_GRE, "gre " + address.getHostAddress());
    }

    private static NativeSocket open(InetAddress address, int port, int type, int protocol, String what)
            throws NativeException {
        if (UNAVAILABLE != null) {
            throw new NativeException(what + ": " + UNAVAILABLE, 0);
        }
        boolean v6 = address instanceof Inet6Address;
        if (!v6 && !(address instanceof Inet4Address)) {
            throw new NativeException(what + ": not an IP address", 0);
        }
        MemorySegment state = Arena.global().allocate(ERRNO_STATE);
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) SOCKET.invokeExact(state, v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, protocol);
            if (fd < 0) {
                int e = (int) ERRNO.get(state, 0L);
                throw new NativeException(what + ": socket() failed: " + strerror(e)
                        + (e == EPERM || e == EACCES ? " (raw sockets need CAP_NET_RAW: run as root or grant it"
                        + " with setcap cap_net_raw+ep to the java binary)" : ""), e);
            }
            MemorySegment sa;
            if (v6) {
                sa = a.allocate(28);
                sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
                sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
                MemorySegment.copy(MemorySegment.ofArray(address.getAddress()), 0, sa, 8, 16);
                sa.set(ValueLayout.JAVA_INT, 24, ((Inet6Address) address).getScopeId());
            } else {
                sa = a.allocate(16);
                sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                sa.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
                MemorySegment.copy(MemorySegment.ofArray(address.getAddress()), 0, sa, 4, 4);
            }
            int rc = (int) CONNECT.invokeExact(state, fd, sa, (int) sa.byteSize());
            if (rc != 0) {
                int e = (int) ERRNO.get(state, 0L);
                int ignored = (int) CLOSE.invokeExact(fd);
                throw new NativeException(what + ": connect() failed: " + strerror(e), e);
            }
            return new NativeSocket(fd, what, v6);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeException(what + ": " + t, 0);
        }
    }

    /**
     * Sends one datagram of {@code length} bytes at {@code data}.
     *
     * @return bytes sent, or -errno
     */
    public long send(MemorySegment data, long length) {
        try {
            long n = (long) SEND.invokeExact(fd, data, length, MSG_DONTWAIT);
            return n >= 0 ? n : -lastErrno();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Sends the first {@code count} datagrams of a batch in one system call.
     *
     * @return how many were sent (from the first), or -errno when none was
     */
    public int sendBatch(DatagramBatch batch, int count) {
        if (count == 0) {
            return 0;
        }
        try {
            int n = (int) SENDMMSG.invokeExact(fd, batch.headers(), count, MSG_DONTWAIT);
            return n >= 0 ? n : -lastErrno();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * errno of the calling thread, read right after a failed call. (A safepoint between the call and this read
     * could in principle change it; the consequence would be a failure counted under another cause.)
     */
    private static int lastErrno() throws Throwable {
        MemorySegment at = THREAD_ERRNO.get();
        if (at == null) {
            int saved; // __errno_location does not touch errno, but the ThreadLocal set below might: read first
            MemorySegment p = ((MemorySegment) ERRNO_LOCATION.invokeExact()).reinterpret(4);
            saved = p.get(ValueLayout.JAVA_INT, 0);
            THREAD_ERRNO.set(p);
            return saved;
        }
        return at.get(ValueLayout.JAVA_INT, 0);
    }

    /** A short text for an errno value. */
    public static String strerror(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted (EPERM)";
            case EACCES -> "permission denied (EACCES)";
            case EAGAIN -> "socket buffer full (EAGAIN)";
            case ECONNREFUSED -> "connection refused: ICMP port unreachable (ECONNREFUSED)";
            case EHOSTUNREACH -> "no route to host (EHOSTUNREACH)";
            case ENETUNREACH -> "network unreachable (ENETUNREACH)";
            case EMSGSIZE -> "datagram too large (EMSGSIZE)";
            case 97 -> "address family not supported (EAFNOSUPPORT)";
            case 93 -> "protocol not supported (EPROTONOSUPPORT)";
            default -> "errno " + errno;
        };
    }

    @Override
    public String toString() {
        return description;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable ignored) {
            // closing
        }
    }

    /** A native call that failed, with its errno (0 when not from the kernel). */
    public static final class NativeException extends Exception {
        private final int errno;

        public NativeException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }
}
