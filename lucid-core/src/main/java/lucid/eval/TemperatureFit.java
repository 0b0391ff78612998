package lucid.eval;

import java.util.List;

/**
 * The single temperature T that minimises the mean negative log-likelihood of the actual next
 * tokens under softmax(logits / T). NLL is convex in β = 1/T (log-sum-exp is convex), so Newton's
 * method on β converges in a few passes: the first derivative is the mean of E_p[l] − l_target,
 * the second the mean variance of the logits under p.
 */
public final class TemperatureFit {
    private TemperatureFit() {}

    /** logits: one F16 vector per prediction; targets: the actual next token of each. */
    public static double fit(List<short[]> logits, int[] targets) {
        double beta = 1;
        for (int iteration = 0; iteration < 50; iteration++) {
            double gradient = 0;
            double curvature = 0;
            for (int i = 0; i < targets.length; i++) {
                double[] moments = moments(logits.get(i), beta);
                gradient += moments[0] - half(logits.get(i)[targets[i]]);
                curvature += moments[1] - moments[0] * moments[0];
            }
            if (curvature <= 0) {
                break;
            }
            double step = gradient / curvature;
            double next = Math.max(beta / 4, Math.min(beta * 4, beta - step)); // damped: stay within a factor 4
            if (Math.abs(next - beta) < 1e-7 * beta) {
                beta = next;
                break;
            }
            beta = next;
        }
        return 1 / beta;
    }

    /** Mean NLL (nats) of the targets at temperature T. */
    public static double nll(List<short[]> logits, int[] targets, double temperature) {
        double beta = 1 / temperature;
        double total = 0;
        for (int i = 0; i < targets.length; i++) {
            total += logSumExp(logits.get(i), beta) - beta * half(logits.get(i)[targets[i]]);
        }
        return total / targets.length;
    }

    /** The top-1 probability at temperature T. */
    public static double confidence(short[] logits, double temperature) {
        double beta = 1 / temperature;
        double max = Double.NEGATIVE_INFINITY;
        for (short l : logits) {
            max = Math.max(max, beta * half(l));
        }
        return Math.exp(max - logSumExp(logits, beta));
    }

    /** E_p[l] and E_p[l²] under p = softmax(β l). */
    private static double[] moments(short[] logits, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (short l : logits) {
            max = Math.max(max, beta * half(l));
        }
        double z = 0;
        double first = 0;
        double second = 0;
        for (short h : logits) {
            double l = half(h);
            double w = Math.exp(beta * l - max);
            z += w;
            first += w * l;
            second += w * l * l;
        }
        return new double[] {first / z, second / z};
    }

    private static double logSumExp(short[] logits, double beta) {
        double max = Double.NEGATIVE_INFINITY;
        for (short l : logits) {
            max = Math.max(max, beta * half(l));
        }
        double sum = 0;
        for (short l : logits) {
            sum += Math.exp(beta * half(l) - max);
        }
        return max + Math.log(sum);
    }

    private static double half(short h) {
        return Float.float16ToFloat(h);
    }
}
