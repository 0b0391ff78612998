package lucid.trace;

import lucid.model.Model;
import lucid.tensor.WeightMatrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The model's input embeddings as a space of token vectors: nearest tokens by cosine similarity,
 * and vector arithmetic such as king − man + woman.
 */
public final class Embeddings {
    private final Model model;
    private final WeightMatrix table;
    private final int dim;

    public Embeddings(Model model) {
        this.model = model;
        this.table = model.transformer().weights().tokenEmbedding();
        this.dim = table.cols();
    }

    public record Neighbour(int id, String text, double cosine) {}

    /** The embedding of a token (dim). */
    public float[] vector(int token) {
        float[] v = new float[dim];
        table.readRow(token, v, 0);
        return v;
    }

    /** The mean embedding of the tokens a word is split into. */
    public float[] vector(int[] tokens) {
        float[] sum = new float[dim];
        float[] row = new float[dim];
        for (int t : tokens) {
            table.readRow(t, row, 0);
            for (int i = 0; i < dim; i++) {
                sum[i] += row[i] / tokens.length;
            }
        }
        return sum;
    }

    /** a − b + c. */
    public static float[] analogy(float[] a, float[] b, float[] c) {
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] - b[i] + c[i];
        }
        return out;
    }

    /** The k tokens whose embeddings point most nearly the way {@code query} does, except {@code exclude}. */
    public List<Neighbour> nearest(float[] query, int k, Set<Integer> exclude) {
        double queryNorm = norm(query);
        int vocab = table.rows();
        int[] best = new int[k];
        double[] bestCos = new double[k];
        int filled = 0;
        float[] row = new float[dim];
        for (int id = 0; id < vocab; id++) {
            if (exclude.contains(id)) {
                continue;
            }
            table.readRow(id, row, 0);
            double dot = 0;
            for (int i = 0; i < dim; i++) {
                dot += (double) row[i] * query[i];
            }
            double rowNorm = norm(row);
            double cos = rowNorm == 0 || queryNorm == 0 ? 0 : dot / (rowNorm * queryNorm);
            if (filled < k || cos > bestCos[filled - 1]) {
                int at = filled < k ? filled++ : k - 1;
                while (at > 0 && cos > bestCos[at - 1]) {
                    best[at] = best[at - 1];
                    bestCos[at] = bestCos[at - 1];
                    at--;
                }
                best[at] = id;
                bestCos[at] = cos;
            }
        }
        List<Neighbour> out = new ArrayList<>(filled);
        for (int i = 0; i < filled; i++) {
            out.add(new Neighbour(best[i], model.tokenizer().displayPiece(best[i]), bestCos[i]));
        }
        return out;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
