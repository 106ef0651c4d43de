/**
 * Library example (the one in the README): grow a DAG from the empty graph on the paper's
 * teacher–student task, a few growth steps with inter-training between them.
 *
 *   npm run build && node dist/examples/grow-dag.js [steps]
 */
import { pathToFileURL } from "node:url";
import { chooseKernels, Rng, dag, data, nn } from "../src/index.js";

export interface ExampleResult {
  params: number;
  testLoss: number;
  /** Parameters and test MSE after each step's training. */
  history: { params: number; testLoss: number }[];
}

export async function growDagExample(steps: number): Promise<ExampleResult> {
  const { kernels, reason } = chooseKernels("auto");
  console.log(reason);
  const rng = new Rng(0);
  const teacher = data.buildTeacher(rng); // the paper's 4,701-parameter teacher
  const train = data.teacherDataset(kernels, teacher, 3000, rng);
  const test = data.teacherDataset(kernels, teacher, 1000, rng);
  const split = data.splitThreeWays(3000, 0); // train-opt / train-ls / train-gr, seeded
  const splits = {
    trainOpt: data.subsetDataset(train, split.trainOpt),
    trainLs: data.subsetDataset(train, split.trainLs),
    trainGr: data.subsetDataset(train, split.trainGr),
  };
  const interTrain = data.subsetDataset(train, data.concatIndices(split.trainOpt, split.trainLs));
  const model = dag.DagModel.empty(20, 1); // the empty graph: outputs zeros
  let testLoss = NaN;
  const history: { params: number; testLoss: number }[] = [];
  for (let s = 1; s <= steps; s++) {
    // One seed per step: new random tries every step (without it, one is derived from the model).
    const step = await dag.growthStep(model, splits, { strategy: "restricted", neuronsPerStep: 10, seed: s }, { kernels });
    const chosen = step.chosen === null ? `none (${step.outcome})` : step.candidates[step.chosen].description;
    dag.trainModel(model, interTrain, { epochs: 20, lr: 0.01, momentum: 0.9, batchSize: 64, loss: "mse" }, rng, kernels);
    testLoss = nn.evaluate(kernels, model, test, { name: "mse", reduction: "mean" }).loss;
    history.push({ params: model.parameterCount(), testLoss });
    console.log(`step ${s}: ${chosen}; ${model.parameterCount()} parameters, test MSE ${testLoss.toFixed(4)}`);
  }
  return { params: model.parameterCount(), testLoss, history };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await growDagExample(Number(process.argv[2] ?? 5));
}
