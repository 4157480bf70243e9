package org.hasm.controller.internal;

import org.hasm.spi.HaController;
import org.hasm.spi.health.ModuleControl;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@link ModuleControl} on the controller of this bundle: a component of its own, so that the
 * controller's registration stays as it is. It binds the {@link HaController} this bundle registers
 * (the same class loader: the service object is the controller component itself).
 */
@Component(service = ModuleControl.class)
public class ModuleControlComponent implements ModuleControl {

    private final ControllerComponent controller;

    @Activate
    public ModuleControlComponent(@Reference(target = "(component.name=org.hasm.controller.internal.ControllerComponent)")
            HaController controller) {
        this.controller = (ControllerComponent) controller;
    }

    @Override
    public void restart(String module, String reason) {
        core().restartModule(module, reason);
    }

    @Override
    public void disable(String module, String reason) {
        core().disableModule(module, reason);
    }

    private Scm core() {
        Scm core = controller.core();
        if (core == null) {
            throw new IllegalStateException("the controller is not running");
        }
        return core;
    }
}
