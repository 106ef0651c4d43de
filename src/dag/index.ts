/** The DAG growth engine: graph, model, node statistics, candidates and one growth step. */
export { DagGraph, type DagNode, type DagEdge, type NodeKind } from "./graph.js";
export { DagModel, type DagModelOptions, type AddEdgeOptions, type DagActivations } from "./model.js";
export { computeNodeStatistics, bottlenecks, bottleneckScores, type DagStatistics, type BottleneckNorm } from "./statistics.js";
export { enumerateCandidates, allCandidates, describeCandidate, STRATEGIES, type Candidate, type Strategy } from "./candidates.js";
export {
  growthStep,
  resolveGrowthOptions,
  bicScore,
  modelSeed,
  DEFAULT_PENALTY_ALPHA,
  type PenaltyOptions,
  type Criterion,
  type GrowthOptions,
  type GrowthSplits,
  type GrowthStepResult,
  type CandidateReport,
  type BicOptions,
} from "./step.js";
export { gromoBicScore, penalizedScore, chooseCandidate, criterionOf } from "./selection.js";
export { trainModel, type InterTrainOptions } from "./train.js";
export { modelToJson, modelFromJson, DAG_FORMAT, DAG_FORMAT_VERSION, type DagModelJson } from "./serialize.js";
