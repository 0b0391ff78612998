package lucid.model;

/**
 * Rotary position embedding: for a position, the angle of each pair is pos·θᵢ; pair i of every
 * head is rotated by it. The pair is (x[2i], x[2i+1]) in the adjacent style of GGUF llama files
 * and (x[i], x[i + d/2]) in the NeoX style (d = rotated dimensions; elements past d, in partial
 * rotary, are left as they are). {@link #prepare} computes the cos/sin table once per position
 * (shared by all heads and layers); {@link #rotate} applies it.
 *
 * <p>Context extension follows ggml's rope: linear scaling divides the angles by the factor;
 * YaRN blends interpolated and extrapolated angles per pair and scales the magnitude; llama3
 * scaling divides each frequency by a per-pair factor (from the file's {@code rope_freqs.weight},
 * or computed from the llama3 parameters).
 */
public final class Rope {
    private final RopeConfig config;
    private final boolean neox;
    /** θᵢ = base^(-2i/dims) / frequencyFactorᵢ for each pair i (unscaled by linear/YaRN). */
    private final double[] thetas;
    private final double freqScale;
    private final double extFactor;
    private final double magnitude;
    private final double corrLow;
    private final double corrHigh;

    /** Adjacent pairs, as llama models. */
    public Rope(RopeConfig config) {
        this(config, ArchitectureOptions.RopeStyle.ADJACENT);
    }

    public Rope(RopeConfig config, ArchitectureOptions.RopeStyle style) {
        if (style == ArchitectureOptions.RopeStyle.NONE) {
            throw new IllegalArgumentException("a model without RoPE has no Rope");
        }
        this.config = config;
        this.neox = style == ArchitectureOptions.RopeStyle.NEOX;
        int pairs = config.dimensions() / 2;
        float[] factors = config.frequencyFactors() != null ? config.frequencyFactors() : llama3Factors(config);
        thetas = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double theta = Math.pow(config.base(), -2.0 * i / config.dimensions());
            thetas[i] = factors == null ? theta : theta / factors[i];
        }
        boolean yarn = config.scaling() == RopeConfig.Scaling.YARN;
        boolean scaled = yarn || config.scaling() == RopeConfig.Scaling.LINEAR;
        freqScale = scaled ? 1.0 / config.factor() : 1.0;
        extFactor = yarn ? 1.0 : 0.0;
        double mscale = config.attentionFactor();
        if (extFactor != 0) {
            mscale *= 1.0 + 0.1 * Math.log(1.0 / freqScale);
        }
        magnitude = mscale;
        if (yarn) {
            int nCtx = config.originalContext() > 0 ? config.originalContext() : 4096;
            corrLow = Math.max(0, Math.floor(yarnCorrectionDim(config.dimensions(), nCtx, config.yarnBetaFast(), config.base())));
            corrHigh = Math.min(config.dimensions() - 1, Math.ceil(yarnCorrectionDim(config.dimensions(), nCtx, config.yarnBetaSlow(), config.base())));
        } else {
            corrLow = 0;
            corrHigh = 0;
        }
    }

    public RopeConfig config() {
        return config;
    }

    /** The pair index below which a rotation completes {@code rotations} turns over the original context. */
    private static double yarnCorrectionDim(int dims, int originalContext, double rotations, double base) {
        return dims * Math.log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /** Llama 3.1-style per-pair factors: high frequencies kept, low ones divided by the factor, a smooth band between. */
    private static float[] llama3Factors(RopeConfig c) {
        if (c.scaling() != RopeConfig.Scaling.LLAMA3) {
            return null;
        }
        int pairs = c.dimensions() / 2;
        float[] factors = new float[pairs];
        double lowFreqWavelen = c.originalContext() / c.lowFreqFactor();
        double highFreqWavelen = c.originalContext() / c.highFreqFactor();
        for (int i = 0; i < pairs; i++) {
            double freq = Math.pow(c.base(), -2.0 * i / c.dimensions());
            double wavelen = 2 * Math.PI / freq;
            double scaledFreq;
            if (wavelen < highFreqWavelen) {
                scaledFreq = freq;
            } else if (wavelen > lowFreqWavelen) {
                scaledFreq = freq / c.factor();
            } else {
                double smooth = (c.originalContext() / wavelen - c.lowFreqFactor()) / (c.highFreqFactor() - c.lowFreqFactor());
                scaledFreq = (1 - smooth) * freq / c.factor() + smooth * freq;
            }
            factors[i] = (float) (freq / scaledFreq);
        }
        return factors;
    }

    /** Fills cos[i], sin[i] for each pair i at {@code position}. */
    public void prepare(int position, float[] cos, float[] sin) {
        for (int i = 0; i < thetas.length; i++) {
            double thetaExtrap = position * thetas[i];
            double theta = freqScale * thetaExtrap;
            if (extFactor != 0) {
                double rampMix = ramp(2 * i) * extFactor;
                theta = theta * (1 - rampMix) + thetaExtrap * rampMix;
            }
            cos[i] = (float) (Math.cos(theta) * magnitude);
            sin[i] = (float) (Math.sin(theta) * magnitude);
        }
    }

    private double ramp(int i0) {
        double y = (i0 / 2 - corrLow) / Math.max(0.001, corrHigh - corrLow);
        return 1 - Math.min(1, Math.max(0, y));
    }

    /** Rotates the first {@code dimensions} elements of each of {@code heads} heads of size {@code headSize} in x. */
    public void rotate(float[] x, int heads, int headSize, float[] cos, float[] sin) {
        rotate(x, 0, heads, headSize, cos, sin, 0);
    }

    /** As above, for heads starting at x[offset], with this position's table at cos/sin[tableOffset..]. */
    public void rotate(float[] x, int offset, int heads, int headSize, float[] cos, float[] sin, int tableOffset) {
        int pairs = thetas.length;
        // pair i is (x[first(i)], x[first(i) + partner])
        int step = neox ? 1 : 2;
        int partner = neox ? pairs : 1;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headSize;
            for (int i = 0; i < pairs; i++) {
                float c = cos[tableOffset + i];
                float s = sin[tableOffset + i];
                int a = base + step * i;
                float x0 = x[a];
                float x1 = x[a + partner];
                x[a] = x0 * c - x1 * s;
                x[a + partner] = x0 * s + x1 * c;
            }
        }
    }

    /** Fills the cos/sin tables of n consecutive positions from {@code first}: row j at [j·pairs..]. */
    public void prepare(int first, int n, float[] cos, float[] sin) {
        float[] c = new float[thetas.length];
        float[] s = new float[thetas.length];
        for (int j = 0; j < n; j++) {
            prepare(first + j, c, s);
            System.arraycopy(c, 0, cos, j * thetas.length, thetas.length);
            System.arraycopy(s, 0, sin, j * thetas.length, thetas.length);
        }
    }

    public int pairs() {
        return thetas.length;
    }
}
