/**
 * Scores of a tabular model on labelled rows, in the units a user reads them:
 *   regression:      MSE (mean over rows and target columns, target units), RMSE, MAE, R²
 *                    (1 − SSE / SST per column, averaged, as scikit-learn's r2_score);
 *   classification:  log loss (mean cross-entropy, nats), accuracy, confusion matrix
 *                    (rows: true class, columns: predicted class, in `classes` order).
 */
import { argmax, type TabularModel } from "./tabular-model.js";

export interface Scores {
  rows: number;
  /** MSE (regression) or log loss (classification). */
  loss: number;
  mse?: number;
  rmse?: number;
  mae?: number;
  r2?: number;
  accuracy?: number;
  confusion?: { classes: string[]; counts: number[][] };
}

/** Running sums, so that a file can be scored block by block. */
export class ScoreAccumulator {
  private n = 0;
  private sse = 0;
  private sae = 0;
  private logLoss = 0;
  private correct = 0;
  private readonly sumY: number[];
  private readonly sumY2: number[];
  private readonly sseCol: number[];
  private readonly counts: number[][];

  constructor(private readonly model: TabularModel) {
    const T = model.task === "regression" ? model.network.outputSize : 0;
    this.sumY = new Array<number>(T).fill(0);
    this.sumY2 = new Array<number>(T).fill(0);
    this.sseCol = new Array<number>(T).fill(0);
    const C = model.task === "classification" ? model.network.outputSize : 0;
    this.counts = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  }

  /** Adds rows: `outputs` (n, O) from model.outputs, targets at column `targetOffset` of `values` (stride). */
  add(outputs: Float32Array, values: Float32Array, stride: number, targetOffset: number, rows: number): void {
    const O = this.model.network.outputSize;
    if (this.model.task === "classification") {
      for (let i = 0; i < rows; i++) {
        const y = values[i * stride + targetOffset];
        const pred = argmax(outputs, i * O, O);
        if (pred === y) this.correct++;
        this.counts[y][pred]++;
        // −log softmax(z)_y = log Σ exp(z − max) − (z_y − max), in float64 (no underflow to log 0).
        const m = outputs[i * O + pred];
        let s = 0;
        for (let c = 0; c < O; c++) s += Math.exp(outputs[i * O + c] - m);
        this.logLoss += Math.log(s) - (outputs[i * O + y] - m);
      }
    } else {
      for (let i = 0; i < rows; i++) {
        for (let t = 0; t < O; t++) {
          const y = values[i * stride + targetOffset + t];
          const d = outputs[i * O + t] - y;
          this.sse += d * d;
          this.sae += Math.abs(d);
          this.sseCol[t] += d * d;
          this.sumY[t] += y;
          this.sumY2[t] += y * y;
        }
      }
    }
    this.n += rows;
  }

  result(): Scores {
    const n = this.n;
    if (this.model.task === "classification") {
      return { rows: n, loss: this.logLoss / n, accuracy: this.correct / n, confusion: { classes: this.model.outputNames, counts: this.counts } };
    }
    const T = this.sumY.length;
    const mse = this.sse / (n * T);
    const r2 = this.sumY.reduce((acc, s, t) => {
      const sst = this.sumY2[t] - (s * s) / n;
      return acc + (sst > 0 ? 1 - this.sseCol[t] / sst : 0);
    }, 0) / T;
    return { rows: n, loss: mse, mse, rmse: Math.sqrt(mse), mae: this.sae / (n * T), r2 };
  }
}

/** Scores all rows of a table held in memory. */
export function scoreRows(model: TabularModel, values: Float32Array, stride: number, rows: number, file = "data"): Scores {
  const acc = new ScoreAccumulator(model);
  acc.add(model.outputs(values, stride, rows, file), values, stride, model.features.columns.length, rows);
  return acc.result();
}

/** A confusion matrix as a markdown table. */
export function confusionMarkdown(c: { classes: string[]; counts: number[][] }): string {
  const head = `| true \\ predicted | ${c.classes.join(" | ")} |`;
  const sep = `|---|${c.classes.map(() => "---:").join("|")}|`;
  const rows = c.counts.map((r, i) => `| ${c.classes[i]} | ${r.join(" | ")} |`);
  return [head, sep, ...rows].join("\n");
}
