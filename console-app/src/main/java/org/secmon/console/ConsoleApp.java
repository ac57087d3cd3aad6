package org.secmon.console;

import java.util.List;

import javafx.application.Application;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.stage.Stage;

import org.secmon.console.core.Dispatch;
import org.secmon.console.login.KnownEms;
import org.secmon.console.login.LoginView;
import org.secmon.console.login.LoginViewModel;
import org.secmon.console.shell.MainView;

/** The SecMon operator console: the login screen, then the main window. */
public final class ConsoleApp extends Application {
    private final Dispatch dispatch = Dispatch.fx();
    private Stage stage;
    private Scene scene;

    @Override
    public void start(Stage primary) {
        this.stage = primary;
        scene = new Scene(login(), 1280, 820);
        scene.getStylesheets().add(ConsoleApp.class.getResource("/org/secmon/console/console.css").toExternalForm());
        primary.setTitle("SecMon console");
        primary.setScene(scene);
        primary.setMinWidth(900);
        primary.setMinHeight(600);
        primary.show();
    }

    private Parent login() {
        LoginViewModel vm = new LoginViewModel(dispatch, new KnownEms(KnownEms.defaultFile()), session -> {
            scene.setRoot(MainView.create(session, dispatch, () -> scene.setRoot(login())));
            stage.setTitle("SecMon console — " + session.user() + " @ " + session.emsUrl());
        });
        List<String> args = getParameters() == null ? List.of() : getParameters().getRaw();
        for (int i = 0; i + 1 < args.size(); i++) {
            switch (args.get(i)) {
                case "--ems" -> vm.urlProperty().set(args.get(i + 1));
                case "--user", "-u" -> vm.userProperty().set(args.get(i + 1));
                default -> {
                }
            }
        }
        String pw = System.getenv("SECMON_PASSWORD");
        if (pw != null && !pw.isEmpty()) {
            vm.passwordProperty().set(pw);
        }
        return LoginView.create(vm);
    }
}
