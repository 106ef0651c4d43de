/**
 * `tinygrow grow-mlp`: grows the hidden layers of a sequential MLP with TINY (issue 3 item 8).
 * On a seeded synthetic regression task (default) or MNIST / Fashion-MNIST when their files
 * are found, it trains, then repeats { growth step on the hidden layer with the largest
 * first-order improvement; train }, printing one table row per step: each layer's bottleneck
 * (1/n)‖V_proj‖², the chosen layer, neurons added, γ, the held-out loss before/after the
 * growth, train/test loss (and accuracy), widths and parameter count.
 * Options: schema defaults < --config FILE < TINYGROW_KERNELS < flags.
 */
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { BatchIterator, datasetSize, type Dataset } from "../../data/batches.js";
import { searchDirs, type DataDirEnv } from "../../node/data/data-dir.js";
import { DATASETS, loadMnist, type DatasetName } from "../../node/data/mnist.js";
import { subsetDataset } from "../../data/splits.js";
import { teacherRegression } from "../../data/synthetic.js";
import { GrowthOptionsSchema, UPDATE_MODES } from "../../growth/mlp-growth-options.js";
import { createGrowingMlp, growMlp, type GrowMlpRow } from "../../growth/mlp-growth.js";
import { configDefaults, flagsLayer, resolveConfig, type ConfigLayer } from "../../io/config.js";
import { KERNEL_REQUESTS } from "../../experiments/config.js";
import { readConfigFile } from "../../node/io/config-file.js";
import type { Kernels } from "../../kernels/kernels.js";
import { chooseKernels } from "../../node/kernels.js";
import { ACTIVATION_NAMES } from "../../nn/layers/activation.js";
import type { LossName } from "../../nn/losses/loss.js";
import { Adam } from "../../nn/optim/adam.js";
import { Sgd } from "../../nn/optim/sgd.js";
import type { Param } from "../../nn/param.js";
import { Rng } from "../../tensor/rng.js";
import type { Mlp } from "../../nn/mlp.js";
import type { FeatureEncoding, TargetEncoding } from "../../data/preprocess.js";
import { withBlasThreads } from "../../kernels/select.js";
import { mlpGraphJson } from "../../dag/from-mlp.js";
import { checkpointMlpRun, checkResumeFlags, doneRecord, mlpFromCheckpoint, openMlpRun, rowRecord, writeMlpModel, writeMlpReport } from "../../node/grow-mlp-run.js";
import { readManifest } from "../../node/io/run-folder.js";
import { defaultOut } from "../study-runner.js";
import { floatArg, intArg, intListArg } from "../parsers.js";
import { createProgress } from "../progress.js";
import { fmt, growMlpCells, growMlpHeader, padRow } from "../grow-mlp-table.js";

const int = (min: number) => z.number().int().min(min);

export const GROW_MLP_DATASETS = ["synthetic", "mnist", "fashion-mnist"] as const;

export const GrowMlpConfigSchema = z.strictObject({
  seed: z.number().int().default(0),
  kernels: z.enum(KERNEL_REQUESTS).default("auto"),
  dataset: z.enum(GROW_MLP_DATASETS).default("synthetic"),
  /** MNIST / Fashion-MNIST folder (see `tinygrow data --help`); unset: TINYGROW_DATA_DIR, the cache, system folders. */
  dataDir: z.string().min(1).optional(),
  data: z
    .strictObject({
      /** Training samples (the line-search set is taken in addition); unset: 8192 synthetic, 10000 MNIST. */
      samples: int(1).optional(),
      /** Test samples; unset: 1024 synthetic, 2000 MNIST. */
      testSamples: int(1).optional(),
      /** Held-out samples the amplitude γ is line-searched on. */
      lineSearchSamples: int(1).default(1024),
      /** Held-out samples (also taken in addition) only evaluated: settings are chosen on them, never on test (0: none). */
      validationSamples: int(0).default(0),
      /** Synthetic task: input dimension, teacher hidden widths, outputs, label noise. */
      inputs: int(1).default(20),
      teacherHidden: z.array(int(1)).default([16]),
      outputs: int(1).default(4),
      noise: z.number().min(0).default(0.01),
    })
    .prefault({}),
  model: z
    .strictObject({
      hidden: z.array(int(0)).min(1).default([0, 0]),
      activation: z.enum(ACTIVATION_NAMES).default("selu"),
    })
    .prefault({}),
  training: z
    .strictObject({
      steps: int(0).default(30),
      epochsBetween: int(0).default(5),
      batchSize: int(1).default(64),
      optimizer: z.enum(["adam", "sgd"]).default("adam"),
      lr: z.number().positive().default(0.003),
      momentum: z.number().min(0).max(1).default(0.9),
    })
    .prefault({}),
  growth: GrowthOptionsSchema.prefault({}),
});

export type GrowMlpConfig = z.output<typeof GrowMlpConfigSchema>;

/** Option name (commander camelCase) → dotted config path. */
const FLAG_PATHS: Record<string, string> = {
  seed: "seed",
  kernels: "kernels",
  dataset: "dataset",
  dataDir: "dataDir",
  samples: "data.samples",
  testSamples: "data.testSamples",
  lineSearchSamples: "data.lineSearchSamples",
  validationSamples: "data.validationSamples",
  hidden: "model.hidden",
  activation: "model.activation",
  steps: "training.steps",
  epochsBetween: "training.epochsBetween",
  batchSize: "training.batchSize",
  optimizer: "training.optimizer",
  lr: "training.lr",
  momentum: "training.momentum",
  update: "growth.update",
  naturalRidge: "growth.naturalRidge",
  neurons: "growth.maxNeuronsPerStep",
  statSamples: "growth.statisticsSamples",
  statisticalThreshold: "growth.statisticalThreshold",
  significance: "growth.significance",
  significanceLevel: "growth.significanceLevel",
  numericalThreshold: "growth.numericalThreshold",
};

export function registerGrowMlp(program: Command): void {
  const d = configDefaults(GrowMlpConfigSchema);
  const def = (v: unknown) => ` (default: ${Array.isArray(v) ? v.join(",") : v === null ? "no cap" : String(v)})`;
  program
    .command("grow-mlp")
    .description("grow a sequential MLP's hidden layers with TINY (bottlenecks, best neurons, line search) while training")
    .option("--dataset <name>", `task: ${GROW_MLP_DATASETS.join(", ")}` + def(d.dataset))
    .option("--data-dir <dir>", "folder holding the MNIST / Fashion-MNIST files (default: $TINYGROW_DATA_DIR, then the cache; see `tinygrow data --help`)")
    .option("--hidden <list>", "initial hidden widths, comma-separated, 0 allowed" + def(d.model.hidden), intListArg)
    .option("--activation <name>", `hidden activation: ${ACTIVATION_NAMES.join(", ")}` + def(d.model.activation))
    .option("--steps <n>", "growth steps" + def(d.training.steps), intArg)
    .option("--epochs-between <n>", "training epochs before the first step and after each step" + def(d.training.epochsBetween), intArg)
    .option("--neurons <k>", "at most k neurons added per step (TINY adds at most one per output of the next layer)" + def(d.growth.maxNeuronsPerStep), intArg)
    .option("--update <mode>", `existing weights of the next layer in the growth move: ${UPDATE_MODES.join(", ")} (natural = δW* with --natural-ridge, gradient = one plain gradient step, both scaled by γ²; none is the default, chosen on --validation-samples 1024 of the synthetic task: mean final validation loss over seeds 0–2 none 0.00349, natural 0.00639, gradient 0.0249)` + def(d.growth.update))
    .option("--natural-ridge <x>", "relative ridge λ of δW* = ((S + λ·tr(S)/d·I)⁻¹M)ᵀ, for the natural step and the residual the new neurons fit; 0 = GroMo's plain solve" + def(d.growth.naturalRidge), floatArg)
    .option("--stat-samples <n>", "samples the growth statistics are accumulated over, drawn from the training set each step" + def(d.growth.statisticsSamples), intArg)
    .option("--statistical-threshold <x>", "keep new neurons whose singular value is ≥ min(x, largest)" + def(d.growth.statisticalThreshold), floatArg)
    .option("--significance <rule>", "how many new neurons the data supports: threshold (--statistical-threshold) or marchenko-pastur (noise edge, docs/significance.md)" + def(d.growth.significance))
    .option("--significance-level <p>", "probability in (0, 1) that pure noise adds a neuron, for --significance marchenko-pastur" + def(d.growth.significanceLevel), floatArg)
    .option("--numerical-threshold <x>", "eigenvalues of S_growth ≤ x are treated as 0" + def(d.growth.numericalThreshold), floatArg)
    .option("--optimizer <name>", "training optimizer: adam, sgd" + def(d.training.optimizer))
    .option("--lr <x>", "learning rate" + def(d.training.lr), floatArg)
    .option("--momentum <x>", "SGD momentum" + def(d.training.momentum), floatArg)
    .option("--batch-size <n>", "training mini-batch size" + def(d.training.batchSize), intArg)
    .option("--samples <n>", "training samples (default: 8192 synthetic, 10000 MNIST)", intArg)
    .option("--test-samples <n>", "test samples (default: 1024 synthetic, 2000 MNIST)", intArg)
    .option("--line-search-samples <n>", "held-out samples γ is line-searched on (taken from the training split)" + def(d.data.lineSearchSamples), intArg)
    .option("--validation-samples <n>", "held-out samples only evaluated (the val column), taken from the training split in addition; choose settings on them, not on test" + def(d.data.validationSamples), intArg)
    .option("--seed <n>", "random seed (data, init, shuffling, statistics subsets)" + def(d.seed), intArg)
    .option("--kernels <name>", "kernel set: auto, native, wasm or portable (env TINYGROW_KERNELS)" + def(d.kernels))
    .option("--config <file>", "JSON config file (flags override it); keys as in the schema, e.g. {\"growth\": {\"update\": \"none\"}}")
    .option("--out <dir>", "run folder (manifest, log.jsonl, checkpoints, model.json, report.md, plots); must not exist or be empty (default: runs/grow-mlp-<date>-<time>)")
    .option("--resume <dir>", "continue the interrupted run in <dir> (its configuration is kept)")
    .option("--quiet", "no progress bar")
    .addHelpText(
      "after",
      `
Columns: step; bn hN = bottleneck (1/n)‖V_proj‖² of hidden layer N; layer = the one grown (largest
first-order improvement); +k = neurons added; γ = line-searched amplitude; ls before/after = held-out
loss before/after the growth; train, test = per-sample losses after the step's training (acc =
test accuracy); widths; params. Step 0 is the initial training.
`,
    )
    .action(async (options: Record<string, unknown>) => {
      const resume = typeof options.resume === "string" ? resolve(options.resume) : undefined;
      let cfg: GrowMlpConfig;
      if (resume !== undefined) {
        const given = Object.keys(flagsLayer(options, FLAG_PATHS).pathSources ?? {}).map((p) => `--${p}`);
        if (typeof options.config === "string") given.push("--config");
        if (typeof options.out === "string") given.push("--out");
        checkResumeFlags(given, resume);
        cfg = resolveConfig(GrowMlpConfigSchema, [{ source: join(resume, "manifest.json"), values: readManifest(resume).config as Record<string, unknown> }]);
      } else {
        const layers: ConfigLayer[] = [];
        if (typeof options.config === "string") layers.push(readConfigFile(options.config));
        const env = process.env.TINYGROW_KERNELS;
        if (env !== undefined && env !== "") layers.push({ source: "TINYGROW_KERNELS", values: { kernels: env } });
        layers.push(flagsLayer(options, FLAG_PATHS));
        cfg = resolveConfig(GrowMlpConfigSchema, layers);
      }
      const out = resume ?? resolve(typeof options.out === "string" ? options.out : defaultOut("grow-mlp"));
      runGrowMlp(cfg, { progress: options.quiet !== true, env: process.env, out, resume: resume !== undefined, command: process.argv.slice(1) });
      const report = await writeMlpReport(out, `grow-mlp ${cfg.dataset}`);
      process.stdout.write(`model: ${join(out, "model.json")}\nreport: ${report}\n`);
    });
}

interface Task {
  train: Dataset;
  lineSearch: Dataset;
  validation?: Dataset;
  test: Dataset;
  inputs: number;
  outputs: number;
  loss: LossName;
  description: string;
  /** What model.json stores: the raw inputs' preprocessing and the outputs. */
  model: { features: FeatureEncoding; targets?: TargetEncoding; label?: { column: string; classes: string[] } };
}

/** Inputs x0…x(d−1) mapped by x' = (x − shift) · scale. */
function plainFeatures(d: number, shift = 0, scale = 1): FeatureEncoding {
  return { columns: Array.from({ length: d }, (_, i) => ({ name: `x${i}`, kind: "numeric" as const })), fill: new Array<null>(d).fill(null), scaling: shift === 0 && scale === 1 ? "none" : "standardize", shift: new Array<number>(d).fill(shift), scale: new Array<number>(d).fill(scale) };
}

/** Splits `data` into its first rows (training), then `held` (line search), then the last `validation` (none when 0). */
function holdOut(data: Dataset, held: number, validation: number): { train: Dataset; lineSearch: Dataset; validation?: Dataset } {
  const n = datasetSize(data);
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  const v = n - validation;
  const parts = { train: subsetDataset(data, range(0, v - held)), lineSearch: subsetDataset(data, range(v - held, v)) };
  return validation === 0 ? parts : { ...parts, validation: subsetDataset(data, range(v, n)) };
}

function buildTask(cfg: GrowMlpConfig, kernels: Kernels, rng: Rng, env: DataDirEnv): Task {
  const held = cfg.data.lineSearchSamples;
  const val = cfg.data.validationSamples;
  const valText = val === 0 ? "" : ` / ${val} validation`;
  if (cfg.dataset === "synthetic") {
    const samples = cfg.data.samples ?? 8192;
    const testSamples = cfg.data.testSamples ?? 1024;
    const { inputs, outputs, teacherHidden, noise } = cfg.data;
    const t = teacherRegression(kernels, rng, { samples: samples + held + val, testSamples, inputs, hidden: teacherHidden, outputs, noise });
    const split = holdOut(t.train, held, val);
    const sizes = [inputs, ...teacherHidden, outputs].join("-");
    const targets = { columns: Array.from({ length: outputs }, (_, i) => `y${i}`), shift: new Array<number>(outputs).fill(0), scale: new Array<number>(outputs).fill(1) };
    return { ...split, test: t.test, inputs, outputs, loss: "mse", model: { features: plainFeatures(inputs), targets }, description: `synthetic regression (tanh teacher ${sizes}, noise ${noise}): ${samples} train / ${held} line-search${valText} / ${testSamples} test` };
  }
  const dataset: DatasetName = cfg.dataset;
  const spec = DATASETS[dataset];
  const dirs = searchDirs({ dataset, flag: cfg.dataDir, env, systemDirs: spec.systemDirs });
  const samples = cfg.data.samples ?? 10000;
  const testSamples = cfg.data.testSamples ?? 2000;
  const train = loadMnist({ dataset, split: "train", dirs, limit: samples + held + val, standardize: true });
  const test = loadMnist({ dataset, split: "test", dirs, limit: testSamples, standardize: train.standardization });
  const split = holdOut({ x: train.x, labels: train.labels }, held, val);
  return {
    ...split,
    test: { x: test.x, labels: test.labels },
    inputs: train.x.cols,
    outputs: spec.classes.length,
    loss: "softmax-cross-entropy",
    // Inputs: pixels scaled to [0, 1], then standardised with the training images' mean and std.
    model: { features: plainFeatures(train.x.cols, train.standardization?.mean ?? 0, 1 / (train.standardization?.std || 1)), label: { column: "label", classes: spec.classes.map(String) } },
    description: `${dataset} from ${train.dir.dir}: ${samples} train / ${held} line-search${valText} / ${testSamples} test, standardised`,
  };
}

function makeOptimizer(cfg: GrowMlpConfig, params: readonly Param[]): Adam | Sgd {
  const { optimizer, lr, momentum } = cfg.training;
  return optimizer === "adam" ? new Adam(params, { lr }) : new Sgd(params, { lr, momentum });
}


export interface GrowMlpRunIo {
  progress: boolean;
  /** The run folder (node/grow-mlp-run.ts); absent: nothing is written. */
  out?: string;
  /** Continue the run in `out` from its last checkpoint. */
  resume?: boolean;
  command?: string[];
  log?: (line: string) => void;
  /** For locating MNIST (TINYGROW_DATA_DIR, XDG_CACHE_HOME, HOME). */
  env?: DataDirEnv;
}

export interface GrowMlpRunResult {
  /** The rows computed in this session (a resumed run: from its checkpoint on). */
  rows: GrowMlpRow[];
  seconds: number;
  /** The grown MLP. */
  model: Mlp;
}

/** Runs grow-mlp with a resolved configuration; table to stdout (`log`), progress to stderr. */
export function runGrowMlp(cfg: GrowMlpConfig, io: GrowMlpRunIo): GrowMlpRunResult {
  const log = io.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const t0 = performance.now();
  const choice = chooseKernels(cfg.kernels);
  const kernels = choice.kernels;
  log(`kernels: ${choice.reason}`);
  const rng = new Rng(cfg.seed);
  const task = buildTask(cfg, kernels, rng.fork(), io.env ?? {});
  const activation = cfg.model.activation;
  const initial = createGrowingMlp({ sizes: [task.inputs, ...cfg.model.hidden, task.outputs], activation, init: activation === "selu" ? "lecun-normal" : "pytorch-default" }, rng.fork());
  const batchRng = rng.fork();
  const growthRng = rng.fork();
  const run = io.out === undefined ? null : openMlpRun(io.out, io.resume === true, { config: cfg, seed: cfg.seed, choice: withBlasThreads(choice, kernels.numThreads()), data: task.description, command: io.command });
  const cp = run?.checkpoint ?? null;
  const model = cp === null ? initial : mlpFromCheckpoint(cp, activation);
  const optimizer = makeOptimizer(cfg, model.params());
  if (cp !== null) {
    (optimizer as unknown as { importStates(states: readonly unknown[]): void }).importStates(cp.optimizer);
    batchRng.setState(cp.rng.batches);
    growthRng.setState(cp.rng.growth);
    log(`resumed at step ${cp.nextStep} (${io.out})`);
  }
  const batches = new BatchIterator(task.train, { batchSize: cfg.training.batchSize, rng: batchRng });
  const { steps, epochsBetween } = cfg.training;
  const g = cfg.growth;
  log(`task: ${task.description}`);
  log(
    `model ${model.sizes.join("-")} ${activation}; ${cfg.training.optimizer} lr ${cfg.training.lr}, batch ${cfg.training.batchSize}; ` +
      `${steps} growth steps (update ${g.update}, δW* ridge ${g.naturalRidge}, ≤ ${g.maxNeuronsPerStep ?? "rank"} neurons/step, statistics on ${g.statisticsSamples} samples), ${epochsBetween} epochs between`,
  );
  const classification = task.loss === "softmax-cross-entropy";
  const header = growMlpHeader(cfg.model.hidden.length, classification, task.validation !== undefined);
  const widths = header.map((h) => Math.max(h.length, 9));
  widths[0] = 4;
  widths[header.length - 2] = 6 + 4 * (cfg.model.hidden.length + 2);
  // A live bar and stdout lines would garble each other on one terminal: hold the lines back.
  const holdLines = io.progress && process.stderr.isTTY === true && process.stdout.isTTY === true;
  const held: string[] = [];
  const emit = (line: string) => (holdLines ? held.push(line) : log(line));
  emit(padRow(header, widths));
  const progress = createProgress({ label: "grow-mlp", total: (steps + 1) * epochsBetween + steps, enabled: io.progress });
  let rows: GrowMlpRow[] = [];
  const start = cp === null ? undefined : { step: cp.nextStep, trainStep: cp.trainStep };
  try {
    if ((start?.step ?? 0) <= steps) {
      rows = growMlp(
        model,
        task,
        { kernels, loss: task.loss, optimizer, batches, rng: growthRng },
        { steps, epochsBetween, start },
        g,
        {
          onEpoch: (step, _e, loss) => progress.tick(1, `step ${step} loss ${loss.toPrecision(3)}`),
          onGrowth: (step, r) => progress.tick(1, `step ${step}: +${r.added} in h${r.chosen + 1}`),
          onRow: (row) => {
            emit(padRow(growMlpCells(row, classification), widths));
            run?.log.append(rowRecord(row, { graph: mlpGraphJson(model), epoch: (row.step + 1) * epochsBetween }));
          },
          onRowDone: (step, trainStep) => {
            if (run !== null) checkpointMlpRun(run, { step, trainStep, model, optimizer, batches: batchRng, growth: growthRng });
          },
        },
      );
    }
    if (run !== null) {
      writeMlpModel(run.dir, model, kernels, { ...task.model, info: { command: "grow-mlp", data: task.description, sizes: model.sizes } });
      run.log.append(doneRecord(model, (steps + 1) * epochsBetween, steps));
    }
  } finally {
    progress.stop();
    run?.log.close();
    for (const line of held) log(line);
  }
  if (rows.length === 0) return { rows, seconds: (performance.now() - t0) / 1000, model };
  const seconds = (performance.now() - t0) / 1000;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const added = rows.reduce((s, r) => s + (r.growth?.added ?? 0), 0);
  const acc = (e: { accuracy?: number }) => (e.accuracy === undefined ? "" : ` (accuracy ${(100 * e.accuracy).toFixed(2)}%)`);
  const valText = last.validation === undefined ? "" : `validation loss ${fmt(first.validation?.loss ?? NaN)}${acc(first.validation ?? {})} → ${fmt(last.validation.loss)}${acc(last.validation)}, `;
  log(
    `grew ${first.sizes.join("-")} → ${last.sizes.join("-")} (+${added} neurons in ${steps} steps): ${valText}test loss ${fmt(first.test.loss)}${acc(first.test)} → ${fmt(last.test.loss)}${acc(last.test)}, ` +
      `${first.parameters} → ${last.parameters} parameters, ${seconds.toFixed(1)} s (${choice.name} kernels)`,
  );
  return { rows, seconds, model };
}
