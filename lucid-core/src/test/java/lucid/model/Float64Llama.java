package lucid.model;

import lucid.gguf.GgufFile;
import lucid.tensor.Tensor;
import lucid.tensor.WeightFormat;

import java.util.ArrayList;
import java.util.List;

/**
 * An independent float64 llama forward pass for tests (like ../shared/tools/ref/llama_ref.py):
 * weights dequantized into double matrices, plain loops, no KV cache tricks. Slow; for tiny models.
 * Honours a sliding window ({@code llama.attention.sliding_window}).
 */
public final class Float64Llama {
    private final ModelConfig c;
    private final double[][] embedding;
    private final double[] outputNorm;
    private final double[][] output;
    private final List<double[][][]> layers = new ArrayList<>(); // attn_q, attn_k, attn_v, attn_output, gate, up, down
    private final List<double[][]> norms = new ArrayList<>();     // attn_norm, ffn_norm
    private final List<double[][]> keys = new ArrayList<>();
    private final List<double[][]> values = new ArrayList<>();
    private int position;
    /** Attention weights of the last step: [layer][head][position]. */
    public double[][][] lastAttention;

    public Float64Llama(GgufFile file) {
        c = ModelConfig.fromGguf(file);
        embedding = matrix(file, "token_embd.weight");
        outputNorm = matrix(file, "output_norm.weight")[0];
        output = file.hasTensor("output.weight") ? matrix(file, "output.weight") : embedding;
        for (int l = 0; l < c.blockCount(); l++) {
            String p = "blk." + l + ".";
            layers.add(new double[][][] {matrix(file, p + "attn_q.weight"), matrix(file, p + "attn_k.weight"),
                    matrix(file, p + "attn_v.weight"), matrix(file, p + "attn_output.weight"), matrix(file, p + "ffn_gate.weight"),
                    matrix(file, p + "ffn_up.weight"), matrix(file, p + "ffn_down.weight")});
            norms.add(new double[][] {matrix(file, p + "attn_norm.weight")[0], matrix(file, p + "ffn_norm.weight")[0]});
            keys.add(new double[c.contextLength()][]);
            values.add(new double[c.contextLength()][]);
        }
    }

    private static double[][] matrix(GgufFile file, String name) {
        Tensor t = file.requireTensor(name);
        int cols = (int) t.rowLength();
        int rows = (int) t.rowCount();
        double[][] m = new double[rows][cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            WeightFormat.of(t.type()).dequantizeScalar(t.data(), r * t.rowBytes(), row, 0, cols);
            for (int i = 0; i < cols; i++) {
                m[r][i] = row[i];
            }
        }
        return m;
    }

    private static double[] mul(double[][] w, double[] x) {
        double[] out = new double[w.length];
        for (int r = 0; r < w.length; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += w[r][i] * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private double[] rms(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + c.normEpsilon());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * w[i];
        }
        return out;
    }

    private void rope(double[] v, int heads) {
        int hd = c.headSize();
        int dims = c.rope().dimensions();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < dims / 2; i++) {
                double angle = position * Math.pow(c.rope().base(), -2.0 * i / dims);
                double x0 = v[h * hd + 2 * i];
                double x1 = v[h * hd + 2 * i + 1];
                v[h * hd + 2 * i] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                v[h * hd + 2 * i + 1] = x0 * Math.sin(angle) + x1 * Math.cos(angle);
            }
        }
    }

    /** Reads {@code token} at the next position; returns the logits. */
    public double[] step(int token) {
        int hd = c.headSize();
        double[] x = embedding[token].clone();
        lastAttention = new double[c.blockCount()][c.headCount()][position + 1];
        for (int l = 0; l < c.blockCount(); l++) {
            double[][][] w = layers.get(l);
            double[] h = rms(x, norms.get(l)[0]);
            double[] q = mul(w[0], h);
            double[] k = mul(w[1], h);
            double[] v = mul(w[2], h);
            rope(q, c.headCount());
            rope(k, c.headCountKv());
            keys.get(l)[position] = k;
            values.get(l)[position] = v;
            double[] out = new double[c.headCount() * hd];
            for (int head = 0; head < c.headCount(); head++) {
                int g = head / c.groupSize();
                double[] s = new double[position + 1];
                double max = Double.NEGATIVE_INFINITY;
                int first = c.attention().firstVisible(l, position); // a sliding window hides earlier positions
                for (int t = first; t <= position; t++) {
                    double dot = 0;
                    for (int i = 0; i < hd; i++) {
                        dot += q[head * hd + i] * keys.get(l)[t][g * hd + i];
                    }
                    s[t] = dot / Math.sqrt(hd);
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = first; t <= position; t++) {
                    s[t] = Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int t = first; t <= position; t++) {
                    s[t] /= sum;
                    for (int i = 0; i < hd; i++) {
                        out[head * hd + i] += s[t] * values.get(l)[t][g * hd + i];
                    }
                }
                lastAttention[l][head] = s;
            }
            double[] o = mul(w[3], out);
            for (int i = 0; i < x.length; i++) {
                x[i] += o[i];
            }
            h = rms(x, norms.get(l)[1]);
            double[] a = mul(w[4], h);
            double[] b = mul(w[5], h);
            for (int i = 0; i < a.length; i++) {
                a[i] = a[i] / (1 + Math.exp(-a[i])) * b[i];
            }
            double[] d = mul(w[6], a);
            for (int i = 0; i < x.length; i++) {
                x[i] += d[i];
            }
        }
        position++;
        return mul(output, rms(x, outputNorm));
    }
}
