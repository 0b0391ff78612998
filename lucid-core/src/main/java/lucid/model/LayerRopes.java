package lucid.model;

/**
 * The rotary embedding each layer uses for a context of a given length: global layers share one;
 * sliding-window layers may have their own (Gemma's local base); Phi-3 switches to its long
 * factors when the context is longer than the model's original one (as llama.cpp chooses by
 * the context it was given, not by the position).
 */
final class LayerRopes {
    /** The distinct rotations: [0] for global layers, [1] for local layers when it differs. */
    final Rope[] ropes;
    /** ofLayer[l]: index into {@link #ropes} of layer l's rotation. */
    final int[] ofLayer;

    LayerRopes(ModelConfig c, int contextLength) {
        ofLayer = new int[c.blockCount()];
        if (c.rope() == null) {
            ropes = new Rope[0];
            return;
        }
        RopeConfig global = c.longRope() != null && contextLength > c.rope().originalContext() ? c.longRope() : c.rope();
        boolean separateLocal = c.attention().hasWindow() && !c.localRope().equals(c.rope());
        ropes = separateLocal
                ? new Rope[] {new Rope(global, c.options().rope()), new Rope(c.localRope(), c.options().rope())}
                : new Rope[] {new Rope(global, c.options().rope())};
        for (int l = 0; l < ofLayer.length; l++) {
            ofLayer[l] = separateLocal && c.attention().isWindowed(l) ? 1 : 0;
        }
    }

    /** Rotation pairs per head (the same for every layer). */
    int pairs() {
        return ropes.length == 0 ? 0 : ropes[0].pairs();
    }
}
