/** Datasets: mini-batches, three-way splits, the teacher–student task, MNIST / Fashion-MNIST. */
export { BatchIterator, hasLabels, datasetSize, type Dataset, type Batch, type BatchIteratorOptions } from "./batches.js";
export { splitThreeWays, subsetDataset, concatIndices, splitToJson, splitFromJson, type ThreeWaySplit } from "./splits.js";
export { buildTeacher, teacherDataset, resolveTeacherOptions, type TeacherOptions } from "./teacher.js";
export { teacherRegression, type TeacherRegressionOptions } from "./synthetic.js";
export { loadMnist, DATASETS, DATASET_NAMES, type DatasetName, type LoadMnistOptions, type MnistData } from "./mnist.js";
export { fetchDataset, type FetchOptions } from "./fetch.js";
export { readIdxImages, readIdxLabels, parseIdx, encodeIdx } from "./idx.js";
