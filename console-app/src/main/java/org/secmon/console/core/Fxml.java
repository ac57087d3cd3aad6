package org.secmon.console.core;

import java.io.IOException;
import java.io.UncheckedIOException;

import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;

/** Loads a screen's FXML with the given controller instance (which holds its view model). */
public final class Fxml {
    private Fxml() {
    }

    public static Parent load(Class<?> owner, String resource, Object controller) {
        FXMLLoader l = new FXMLLoader(owner.getResource(resource));
        l.setControllerFactory(type -> controller);
        try {
            return l.load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + resource, e);
        }
    }
}
