package org.secmon.console;

import javafx.application.Application;

/**
 * {@code secmon console [--ems URL] [--user NAME]}: starts the JavaFX console (a separate main class, so that
 * JavaFX on the class path starts without the launcher's module check). SECMON_PASSWORD pre-fills the password.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("""
                        usage: secmon console [--ems URL] [--user NAME]
                          The JavaFX operator console of the SecMon EMS: appliances and live charts, configuration
                          editors, IPsec tunnels, users and roles, the audit log and an SSH terminal to appliances.
                          --ems URL    the EMS (default http://127.0.0.1:8080)
                          --user NAME  the user to log in as (default admin)
                          SECMON_PASSWORD pre-fills the password. Needs a display (X11 or Wayland).""");
                return;
            }
        }
        Application.launch(ConsoleApp.class, args);
    }
}
