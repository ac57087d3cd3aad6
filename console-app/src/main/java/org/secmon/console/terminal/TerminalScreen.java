package org.secmon.console.terminal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The character grid of a terminal (the VT100/xterm subset that shells and line editors use): printable text with
 * line wrap, CR, LF, BS, TAB, BEL; CSI cursor movement (A B C D G H f d), erase in display and line (J K), delete and
 * insert characters (P @), SGR and other modes accepted and ignored; OSC strings (window titles) skipped. Lines that
 * scroll off the top go to a bounded scrollback. Not thread-safe: fed and read on the UI thread.
 */
public final class TerminalScreen {
    public static final int SCROLLBACK = 2000;

    private enum State { TEXT, ESC, CSI, OSC, OSC_ESC }

    private int cols;
    private int rows;
    private char[][] grid;
    private int row;
    private int col;
    private boolean wrapPending;
    private State state = State.TEXT;
    private final StringBuilder params = new StringBuilder();
    private final Deque<String> scrollback = new ArrayDeque<>();
    private long changes;

    public TerminalScreen(int cols, int rows) {
        if (cols < 2 || rows < 2) {
            throw new IllegalArgumentException("a terminal needs at least 2x2 cells, not " + cols + "x" + rows);
        }
        this.cols = cols;
        this.rows = rows;
        grid = new char[rows][cols];
        for (char[] r : grid) {
            Arrays.fill(r, ' ');
        }
    }

    public int cols() {
        return cols;
    }

    public int rows() {
        return rows;
    }

    public int cursorRow() {
        return row;
    }

    public int cursorCol() {
        return col;
    }

    /** Grows with every change: the view redraws when it moved. */
    public long changes() {
        return changes;
    }

    /** The visible lines, trailing blanks removed. */
    public List<String> lines() {
        List<String> out = new ArrayList<>(rows);
        for (char[] r : grid) {
            out.add(new String(r).stripTrailing());
        }
        return out;
    }

    /** Lines scrolled off the top, oldest first. */
    public List<String> scrollback() {
        return List.copyOf(scrollback);
    }

    /** Scrollback and screen as one text, without the blank lines below the last written one. */
    public String text() {
        List<String> all = new ArrayList<>(scrollback);
        all.addAll(lines());
        int end = all.size();
        while (end > 0 && all.get(end - 1).isEmpty()) {
            end--;
        }
        return String.join("\n", all.subList(0, end));
    }

    public void feed(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            put(s.charAt(i));
        }
        changes++;
    }

    /** Keeps the text at the top left; the cursor stays inside. */
    public void resize(int newCols, int newRows) {
        if (newCols < 2 || newRows < 2 || (newCols == cols && newRows == rows)) {
            return;
        }
        char[][] g = new char[newRows][newCols];
        int shift = Math.max(0, row - (newRows - 1)); // keep the cursor's line visible
        for (int r = 0; r < shift; r++) {
            push(new String(grid[r]).stripTrailing());
        }
        for (int r = 0; r < newRows; r++) {
            Arrays.fill(g[r], ' ');
            int from = r + shift;
            if (from < rows) {
                System.arraycopy(grid[from], 0, g[r], 0, Math.min(cols, newCols));
            }
        }
        grid = g;
        cols = newCols;
        rows = newRows;
        row = Math.min(row - shift, rows - 1);
        col = Math.min(col, cols - 1);
        wrapPending = false;
        changes++;
    }

    private void put(char c) {
        switch (state) {
            case TEXT -> text(c);
            case ESC -> {
                if (c == '[') {
                    params.setLength(0);
                    state = State.CSI;
                } else if (c == ']') {
                    state = State.OSC;
                } else {
                    if (c == 'c') { // full reset
                        erase(0, 0, rows - 1, cols - 1);
                        row = 0;
                        col = 0;
                    } else if (c == 'M') { // reverse index
                        row = Math.max(0, row - 1);
                    }
                    state = State.TEXT; // ESC 7/8, ESC =, ESC (B...: nothing to draw
                }
            }
            case CSI -> {
                if (c >= 0x40 && c <= 0x7e) {
                    csi(c);
                    state = State.TEXT;
                } else {
                    params.append(c);
                }
            }
            case OSC -> {
                if (c == 7) {
                    state = State.TEXT;
                } else if (c == 27) {
                    state = State.OSC_ESC;
                }
            }
            case OSC_ESC -> state = c == '\\' ? State.TEXT : State.OSC;
        }
    }

    private void text(char c) {
        switch (c) {
            case 27 -> state = State.ESC;
            case '\r' -> {
                col = 0;
                wrapPending = false;
            }
            case '\n', 11, 12 -> lineFeed();
            case '\b' -> {
                if (col > 0) {
                    col--;
                }
                wrapPending = false;
            }
            case '\t' -> col = Math.min(cols - 1, (col / 8 + 1) * 8);
            case 7, 0 -> {
                // bell, NUL
            }
            default -> {
                if (c < 32) {
                    return;
                }
                if (wrapPending) {
                    col = 0;
                    lineFeed();
                    wrapPending = false;
                }
                grid[row][col] = c;
                if (col == cols - 1) {
                    wrapPending = true;
                } else {
                    col++;
                }
            }
        }
    }

    private void lineFeed() {
        wrapPending = false;
        if (row == rows - 1) {
            push(new String(grid[0]).stripTrailing());
            System.arraycopy(grid, 1, grid, 0, rows - 1);
            grid[rows - 1] = new char[cols];
            Arrays.fill(grid[rows - 1], ' ');
        } else {
            row++;
        }
    }

    private void push(String line) {
        scrollback.addLast(line);
        while (scrollback.size() > SCROLLBACK) {
            scrollback.removeFirst();
        }
    }

    private void csi(char f) {
        String p = params.toString();
        if (p.startsWith("?") || p.startsWith(">") || p.startsWith("=")) {
            return; // private modes (cursor visibility, bracketed paste...): nothing to draw
        }
        String[] parts = p.isEmpty() ? new String[0] : p.split(";", -1);
        int n = arg(parts, 0, 1);
        wrapPending = false;
        switch (f) {
            case 'A' -> row = Math.max(0, row - n);
            case 'B', 'e' -> row = Math.min(rows - 1, row + n);
            case 'C', 'a' -> col = Math.min(cols - 1, col + n);
            case 'D' -> col = Math.max(0, col - n);
            case 'G', '`' -> col = clamp(n - 1, cols);
            case 'd' -> row = clamp(n - 1, rows);
            case 'H', 'f' -> {
                row = clamp(arg(parts, 0, 1) - 1, rows);
                col = clamp(arg(parts, 1, 1) - 1, cols);
            }
            case 'J' -> {
                switch (arg(parts, 0, 0)) {
                    case 0 -> erase(row, col, rows - 1, cols - 1);
                    case 1 -> erase(0, 0, row, col);
                    default -> erase(0, 0, rows - 1, cols - 1);
                }
            }
            case 'K' -> {
                switch (arg(parts, 0, 0)) {
                    case 0 -> erase(row, col, row, cols - 1);
                    case 1 -> erase(row, 0, row, col);
                    default -> erase(row, 0, row, cols - 1);
                }
            }
            case 'P' -> {
                int k = Math.min(n, cols - col);
                System.arraycopy(grid[row], col + k, grid[row], col, cols - col - k);
                Arrays.fill(grid[row], cols - k, cols, ' ');
            }
            case '@' -> {
                int k = Math.min(n, cols - col);
                System.arraycopy(grid[row], col, grid[row], col + k, cols - col - k);
                Arrays.fill(grid[row], col, col + k, ' ');
            }
            default -> {
                // m (colours), h/l (modes), r (scroll region), n (status report)...: accepted, not drawn
            }
        }
    }

    private void erase(int r0, int c0, int r1, int c1) {
        for (int r = r0; r <= r1; r++) {
            int from = r == r0 ? c0 : 0;
            int to = r == r1 ? c1 : cols - 1;
            Arrays.fill(grid[r], from, to + 1, ' ');
        }
    }

    private static int arg(String[] parts, int i, int dflt) {
        if (i >= parts.length || parts[i].isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(parts[i]);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static int clamp(int v, int size) {
        return Math.max(0, Math.min(size - 1, v));
    }
}
