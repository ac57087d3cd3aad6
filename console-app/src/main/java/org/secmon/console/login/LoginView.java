package org.secmon.console.login;

import javafx.fxml.FXML;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;

import org.secmon.console.core.Fxml;

/** The login screen (Login.fxml) bound to its {@link LoginViewModel}. */
public final class LoginView {
    private final LoginViewModel vm;
    @FXML
    private VBox form;
    @FXML
    private TextField emsUrl;
    @FXML
    private TextField user;
    @FXML
    private PasswordField password;
    @FXML
    private Button loginButton;
    @FXML
    private ProgressIndicator progress;
    @FXML
    private Label status;
    @FXML
    private VBox trust;
    @FXML
    private Label trustText;
    @FXML
    private Label error;

    private LoginView(LoginViewModel vm) {
        this.vm = vm;
    }

    public static Parent create(LoginViewModel vm) {
        return Fxml.load(LoginView.class, "/org/secmon/console/login/Login.fxml", new LoginView(vm));
    }

    @FXML
    private void initialize() {
        emsUrl.textProperty().bindBidirectional(vm.urlProperty());
        user.textProperty().bindBidirectional(vm.userProperty());
        password.textProperty().bindBidirectional(vm.passwordProperty());
        progress.visibleProperty().bind(vm.busyProperty());
        status.textProperty().bind(vm.statusProperty());
        error.textProperty().bind(vm.errorProperty());
        error.visibleProperty().bind(vm.errorProperty().isNotEmpty());
        error.managedProperty().bind(error.visibleProperty());
        loginButton.disableProperty().bind(vm.busyProperty());
        trustText.textProperty().bind(vm.trustPromptProperty());
        trust.visibleProperty().bind(vm.trustPromptProperty().isNotEmpty());
        trust.managedProperty().bind(trust.visibleProperty());
        form.disableProperty().bind(trust.visibleProperty());
        javafx.application.Platform.runLater(() -> (vm.passwordProperty().get().isEmpty() ? password : loginButton)
                .requestFocus());
    }

    @FXML
    private void login() {
        vm.login();
    }

    @FXML
    private void acceptTrust() {
        vm.acceptTrust();
    }

    @FXML
    private void rejectTrust() {
        vm.rejectTrust();
    }
}
