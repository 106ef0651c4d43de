/** Datasets as the Node entry exports them: the core's, plus MNIST files on disk and their download. */
export * from "../data/index.js";
export { loadMnist, DATASETS, DATASET_NAMES, type DatasetName, type LoadMnistOptions, type MnistData } from "./data/mnist.js";
export { fetchDataset, type FetchOptions } from "./data/fetch.js";
export { readIdxImages, readIdxLabels } from "./data/idx-files.js";
export { readTableFile, type ReadTableFileOptions } from "./table-file.js";
export { readNpyMatrix } from "./npy-file.js";
export { CIFAR10, fetchCifar10, loadCifar10, type CifarData, type LoadCifarOptions } from "./data/cifar.js";
