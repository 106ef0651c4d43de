/**
 * What a sweep reads back from one finished job folder (a normal study folder), per study
 * command: one row per run of the study (series = the run's label, e.g. "whole", "oracle",
 * "grown (whole)", "784-300-10"), with its final metrics. Rows come from the runs' logs, as
 * the studies' own reports do, so a resumed or re-run job reports exactly what is on disk.
 */
import { join } from "node:path";
import { studyPlan, readStudyConfig } from "../experiments/teacher-student.js";
import { mnistPlan, readMnistConfig } from "../experiments/mnist.js";
import { mnistOutcome } from "../experiments/mnist-report.js";
import { runOutcome } from "../experiments/report.js";
import type { AccountingSnapshot } from "../../experiments/accounting.js";

export interface MetricSpec {
  key: string;
  header: string;
  /** Lower is better (losses, parameters, cost) or higher (accuracy): the Pareto front's sense. */
  better: "lower" | "higher";
  /** Deterministic given the inputs (not a time or an energy): compared across machines by tests. */
  deterministic: boolean;
}

export interface ResultRow {
  /** The run's series within its study ("whole", "oracle", "retrained whole", …). */
  series: string;
  /** Whether the series grew (Pareto plots show grown series). */
  grown: boolean;
  seed: number;
  metrics: Record<string, number>;
}

export interface JobResults {
  /** The option that holds the seed(s): the replicate axis of the mean ± std. */
  replicate: string;
  metrics: readonly MetricSpec[];
  /** The Pareto plot's axes: x (cost) and y (quality), keys of `metrics`. */
  pareto: { x: string; y: string };
  read(jobDir: string): ResultRow[];
}

const COST: MetricSpec[] = [
  { key: "parameters", header: "parameters", better: "lower", deterministic: true },
  { key: "searchSeconds", header: "search (s)", better: "lower", deterministic: false },
  { key: "trainingSeconds", header: "training (s)", better: "lower", deterministic: false },
  { key: "energyWh", header: "energy (Wh)", better: "lower", deterministic: false },
];

function cost(a: AccountingSnapshot, parameters: number): Record<string, number> {
  return {
    parameters,
    searchSeconds: a.wallSeconds.search ?? 0,
    trainingSeconds: a.wallSeconds.training ?? 0,
    energyWh: (a.energyWh.search ?? 0) + (a.energyWh.training ?? 0),
  };
}

const teacherStudent: JobResults = {
  replicate: "seeds",
  metrics: [{ key: "testLoss", header: "final test MSE", better: "lower", deterministic: true }, ...COST],
  pareto: { x: "parameters", y: "testLoss" },
  read(dir) {
    const config = readStudyConfig(dir);
    return studyPlan(config).map((run) => {
      const o = runOutcome(dir, run);
      return { series: run.label, grown: run.kind === "growth", seed: run.seed, metrics: { testLoss: o.finalTestLoss, ...cost(o.accounting, o.parameters) } };
    });
  },
};

const mnist: JobResults = {
  replicate: "seed",
  metrics: [{ key: "testAccuracy", header: "test accuracy", better: "higher", deterministic: true }, { key: "testLoss", header: "test loss", better: "lower", deterministic: true }, ...COST],
  pareto: { x: "parameters", y: "testAccuracy" },
  read(dir) {
    const config = readMnistConfig(dir);
    return mnistPlan(config).map((run) => {
      const o = mnistOutcome(dir, run);
      return { series: run.label, grown: run.kind === "growth", seed: config.seed, metrics: { testAccuracy: o.accuracy.test, testLoss: o.losses.test, ...cost(o.accounting, o.parameters) } };
    });
  },
};

/** The study commands a sweep can run, with how their job folders are read. */
export const SWEEP_COMMANDS: Record<string, JobResults> = {
  "teacher-student": teacherStudent,
  compare: teacherStudent,
  mnist,
};

/** The file whose presence marks a finished job: the study writes its report last. */
export const JOB_DONE_FILE = "report.md";

export const jobReport = (jobDir: string): string => join(jobDir, JOB_DONE_FILE);
