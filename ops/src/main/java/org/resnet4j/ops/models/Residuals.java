package org.resnet4j.ops.models;

import org.resnet4j.core.Tensor;

/** What every residual block does where its two branches meet again at the input x. */
final class Residuals {
    private Residuals() {}

    /**
     * dx = dx through the main branch + dx through the shortcut: x fed both branches in the forward
     * pass, so its gradient is the sum of what each branch sends back (a new tensor; neither input is
     * modified, because hooks may still hold them).
     */
    static Tensor addBranchGradients(Tensor dxMain, Tensor dxShortcut) {
        Tensor dx = dxMain.backend().empty(dxMain.shape());                   // dx: (N, C_in, H, W), overwritten
        dxMain.backend().add(dxMain, dxShortcut, dx);
        return dx;
    }
}
