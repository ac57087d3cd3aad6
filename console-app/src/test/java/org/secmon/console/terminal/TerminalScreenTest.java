package org.secmon.console.terminal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

class TerminalScreenTest {
    @Test
    void textWithCrLfBackspaceAndLineEditorEchoes() {
        TerminalScreen s = new TerminalScreen(20, 4);
        s.feed("ops@secmon# shw");
        s.feed("\b \bow x\r\n");
        assertEquals("ops@secmon# show x", s.lines().get(0));
        assertEquals(1, s.cursorRow());
        assertEquals(0, s.cursorCol());
    }

    @Test
    void wrapsLongLinesAndScrollsIntoScrollback() {
        TerminalScreen s = new TerminalScreen(5, 2);
        s.feed("abcdefg\r\nxy\r\nz");
        assertEquals(List.of("xy", "z"), s.lines());
        assertEquals(List.of("abcde", "fg"), s.scrollback());
        assertEquals("abcde\nfg\nxy\nz", s.text());
    }

    @Test
    void exactlyFullLineWrapsOnlyWhenMoreTextComes() {
        TerminalScreen s = new TerminalScreen(4, 3);
        s.feed("abcd\r\nx");
        assertEquals(List.of("abcd", "x", ""), s.lines(), "the CR LF after a full line makes no blank line");
    }

    @Test
    void csiCursorAndEraseSequences() {
        TerminalScreen s = new TerminalScreen(10, 3);
        s.feed("hello\r\nworld");
        s.feed("\u001b[1;1H\u001b[2C\u001b[K");
        assertEquals(List.of("he", "world", ""), s.lines());
        s.feed("\u001b[2J\u001b[3;4HX");
        assertEquals(List.of("", "", "   X"), s.lines());
        s.feed("\u001b[1;31mred\u001b[0m\u001b]0;title\u0007!");
        assertEquals("   Xred!", s.lines().get(2), "colours and the window title are not drawn");
        s.feed("\u001b[?25l\u001b[3;1H\u001b[2P");
        assertEquals(" Xred!", s.lines().get(2));
        s.feed("\u001b[2@");
        assertEquals("   Xred!", s.lines().get(2));
    }

    @Test
    void resizeKeepsTheCursorLineVisible() {
        TerminalScreen s = new TerminalScreen(10, 4);
        s.feed("1\r\n2\r\n3\r\n4");
        s.resize(6, 2);
        assertEquals(List.of("3", "4"), s.lines());
        assertEquals(List.of("1", "2"), s.scrollback());
        assertEquals(1, s.cursorRow());
        assertThrows(IllegalArgumentException.class, () -> new TerminalScreen(1, 1));
    }
}
