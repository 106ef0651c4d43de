/** Datasets: mini-batches, three-way splits, the teacher–student task, IDX parsing (MNIST files: node/data.ts). */
export { BatchIterator, checkFinite, hasLabels, datasetSize, type Dataset, type Batch, type BatchIteratorOptions } from "./batches.js";
export { splitThreeWays, subsetDataset, concatIndices, splitToJson, splitFromJson, type ThreeWaySplit } from "./splits.js";
export { buildTeacher, teacherDataset, resolveTeacherOptions, type TeacherOptions } from "./teacher.js";
export { teacherRegression, type TeacherRegressionOptions } from "./synthetic.js";
export { parseIdx, encodeIdx } from "./idx.js";
