package org.secmon.console.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.secmon.console.core.Dispatch;
import org.secmon.console.core.Session;
import org.secmon.ems.api.client.EmsClient;
import org.secmon.ems.api.model.ResourceKind;
import org.secmon.ems.testkit.EmsFixture;

/**
 * Enrollment tokens made from the console against a real EMS: the token it shows registers the appliance (or the
 * enforcer) it was made for, once; refusals show in the EMS's words; closing the form forgets the token.
 */
class EnrollViewModelTest {
    @Test
    void tokensFromTheConsoleRegisterWhatTheyWereMadeFor(@TempDir Path dir) throws Exception {
        try (EmsFixture ems = EmsFixture.embedded(dir);
             EmsClient admin = EmsClient.create(java.net.URI.create(ems.base))) {
            admin.login("admin", EmsFixture.ADMIN_PASSWORD);
            admin.create(ResourceKind.PROJECTS, Map.of("name", "lab"));
            admin.create(ResourceKind.SCOPES, Map.of("name", "lab", "project", "lab"));
            EnrollViewModel vm = new EnrollViewModel(Dispatch.direct(), new Session(admin, admin.whoami()));
            vm.loadScopes();
            assertEquals(java.util.List.of("lab"), vm.scopes());
            assertEquals("lab", vm.scopeProperty().get(), "the only scope is chosen");

            vm.nameProperty().set("");
            vm.enroll();
            assertTrue(vm.errorProperty().get().contains("or allow more than one use"), vm.errorProperty().get());
            vm.nameProperty().set("edge 1");
            vm.enroll();
            assertTrue(vm.errorProperty().get().contains("name"), vm.errorProperty().get()); // the EMS's 422
            assertEquals("", vm.tokenProperty().get());

            vm.nameProperty().set("edge-1");
            vm.enroll();
            String token = vm.tokenProperty().get();
            assertTrue(token.startsWith("enr_"), token);
            assertTrue(vm.resultProperty().get().contains("'edge-1' in scope lab"), vm.resultProperty().get());
            assertEquals(201, ems.call("POST", "/api/v1/appliances/register", null,
                    "{\"name\":\"edge-1\",\"scope\":\"lab\"}", "X-Enrollment-Token", token).status());
            assertEquals(401, ems.call("POST", "/api/v1/appliances/register", null,
                    "{\"name\":\"edge-1\",\"scope\":\"lab\"}", "X-Enrollment-Token", token).status());

            vm.kindProperty().set(EnrollViewModel.Kind.IPSEC_ENFORCER);
            vm.nameProperty().set("gw-1");
            vm.enroll();
            String enforcer = vm.tokenProperty().get();
            assertTrue(vm.resultProperty().get().contains("IPsec enforcer"), vm.resultProperty().get());
            assertEquals(201, ems.call("POST", "/api/v1/ipsec_enforcers/register", null, "{\"name\":\"gw-1\"}",
                    "X-Enrollment-Token", enforcer).status());

            vm.forget();
            assertEquals("", vm.tokenProperty().get());
            assertFalse(vm.resultProperty().get().contains("enr_"));
        }
    }
}
