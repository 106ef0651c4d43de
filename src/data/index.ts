/** Datasets: mini-batches, three-way splits, the teacher–student task, IDX parsing (MNIST files: node/data.ts), tables from CSV text or .npy bytes and their preprocessing (files: node/data.ts). */
export { BatchIterator, checkFinite, hasLabels, datasetSize, type Dataset, type Batch, type BatchIteratorOptions } from "./batches.js";
export { splitThreeWays, splitForGrowth, growthSplitToJson, subsetDataset, concatIndices, splitToJson, splitFromJson, type ThreeWaySplit, type GrowthDataSplit, type GrowthSplitOptions } from "./splits.js";
export { buildTeacher, teacherDataset, resolveTeacherOptions, type TeacherOptions } from "./teacher.js";
export { teacherRegression, type TeacherRegressionOptions } from "./synthetic.js";
export { parseIdx, encodeIdx } from "./idx.js";
export { TableBuilder, MISSING_TOKENS, MISSING_POLICIES, type ColumnSpec, type TableOptions, type TableResult, type TableChunk, type MissingPolicy } from "./table.js";
export { readCsvInto, delimiterFor, type CsvParseFactory, type CsvParseOptions, type CsvParserStream } from "./csv.js";
export { parseNpyHeader, npyHeaderLength, npyMatrixShape, decodeNpyValues, encodeNpyHeader, npyTable, type NpyHeader } from "./npy.js";
export { fitFeatureEncoding, encodeFeatures, fitTargetEncoding, encodeTargets, decodeTargets, encodedWidth, encodedNames, SCALINGS, type FeatureEncoding, type TargetEncoding, type Scaling } from "./preprocess.js";
export { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, encodeCifarRecords, parseCifarBatch, type CifarRecords } from "./cifar.js";
export { tarMembers, type TarMember } from "./tar.js";
