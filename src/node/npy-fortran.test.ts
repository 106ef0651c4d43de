/**
 * Fortran-order (column-major) .npy arrays, what numpy writes for pandas' `to_numpy()` and
 * np.asfortranarray: read as rows (table-file.ts) and streamed in row blocks (predict-file.ts).
 * The fixtures in test/npy were written by numpy (test/npy/make-fixtures.py, PROVENANCE.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DagModel } from "../dag/model.js";
import { encodeNpyHeader } from "../data/npy.js";
import { fitFeatureEncoding } from "../data/preprocess.js";
import { portableKernels } from "../kernels/portable/index.js";
import { TabularModel } from "../model/tabular-model.js";
import { Rng } from "../tensor/rng.js";
import { tempDir } from "../test-support/temp-dir.js";
import { NpyFile } from "./npy-file.js";
import { NPY_BLOCK_ROWS, predictFile } from "./predict-file.js";
import { readTableFile } from "./table-file.js";

const FIXTURES = fileURLToPath(new URL("../../../test/npy/", import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
/** The fixtures' table: value (i, j) = i + 10 j + 0.25, 7 rows × 3 columns; the labels of targets.npy. */
const cell = (i: number, j: number): number => i + 10 * j + 0.25;
const LABELS = [0, 1, 0, 1, 1, 0, 1];

test("Fortran-order .npy files written by numpy (pandas to_numpy, asfortranarray; float64, int32, big-endian float32) read as the same rows as C order", async () => {
  const options = { targets: [], classification: true, targetsFile: fixture("targets.npy") };
  const c = await readTableFile(fixture("f8-c.npy"), options);
  const want = Array.from({ length: 7 }, (_, i) => [cell(i, 0), cell(i, 1), cell(i, 2), LABELS[i]]).flat();
  assert.deepEqual(Array.from(c.values ?? []), want, "the C-order file");
  for (const [name, value] of [["pandas-f8-fortran.npy", cell], ["f4-big-endian-fortran.npy", cell], ["i4-fortran.npy", (i: number, j: number) => Math.floor(cell(i, j))]] as const) {
    assert.match(readFileSync(fixture(name)).subarray(0, 128).toString("latin1"), /'fortran_order': True, 'shape': \(7, 3\)/, `${name} is column-major`);
    const t = await readTableFile(fixture(name), options);
    assert.equal(t.rows, 7);
    assert.deepEqual(Array.from(t.values ?? []), Array.from({ length: 7 }, (_, i) => [value(i, 0), value(i, 1), value(i, 2), LABELS[i]]).flat(), name);
  }
  // A block from the middle: each column's segment, placed into rows.
  const f = new NpyFile(fixture("pandas-f8-fortran.npy"));
  try {
    const block = f.readRows(2, 3);
    assert.deepEqual(Array.from(block.values), [2, 3, 4].flatMap((i) => [cell(i, 0), cell(i, 1), cell(i, 2)]));
  } finally {
    f.close();
  }
});

/** The (rows, cols) float32 matrix `rowMajor` as a .npy file in Fortran order (numpy's layout, checked above). */
function writeFortranNpy(path: string, rowMajor: Float32Array, rows: number, cols: number, cut = 0): void {
  const header = Buffer.from(Buffer.from(encodeNpyHeader([rows, cols])).toString("latin1").replace("'fortran_order': False", "'fortran_order': True "), "latin1");
  const columnMajor = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) columnMajor[j * rows + i] = rowMajor[i * cols + j];
  writeFileSync(path, Buffer.concat([header, new Uint8Array(columnMajor.buffer, 0, columnMajor.byteLength - cut)]));
}

test("predict streams a Fortran-order .npy in row blocks: the same predictions, in the same order, as the C-order file; a truncated one is refused before any output", async () => {
  const dir = tempDir("tinygrow-npy-fortran-");
  const columns = [0, 1, 2].map((j) => ({ name: `x${j}`, kind: "numeric" as const }));
  const features = fitFeatureEncoding(columns, { values: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 9]), stride: 3, rows: 3 }, Int32Array.from([0, 1, 2]), "standardize", false);
  const net = DagModel.empty(3, 1);
  net.addNode("h1", 4, "tanh");
  const rng = new Rng(3);
  net.addEdge("in", "h1", { init: "lecun-normal", rng });
  net.addEdge("h1", "out", { init: "lecun-normal", rng });
  const model = new TabularModel({ task: "regression", features, targets: { columns: ["y"], shift: [0], scale: [1] }, network: net }, portableKernels);
  const rows = 2 * NPY_BLOCK_ROWS + 5;
  const x = Float32Array.from({ length: rows * 3 }, () => rng.normal());
  const cFile = join(dir, "c.npy");
  writeFileSync(cFile, Buffer.concat([encodeNpyHeader([rows, 3]), new Uint8Array(x.buffer)]));
  const fFile = join(dir, "f.npy");
  writeFortranNpy(fFile, x, rows, 3);
  const blocks: number[] = [];
  await predictFile(model, cFile, { out: join(dir, "c.csv") });
  await predictFile(model, fFile, { out: join(dir, "f.csv"), onRows: (n) => blocks.push(n) });
  assert.deepEqual(blocks, [NPY_BLOCK_ROWS, 2 * NPY_BLOCK_ROWS, rows], "one call per block");
  assert.equal(readFileSync(join(dir, "f.csv"), "utf8"), readFileSync(join(dir, "c.csv"), "utf8"));
  const cut = join(dir, "cut.npy");
  writeFortranNpy(cut, x, rows, 3, 4);
  const printed: string[] = [];
  await assert.rejects(predictFile(model, cut, { out: null, sink: (t) => printed.push(t) }), /cut\.npy.*truncated: the header promises \d+×3 values/);
  assert.deepEqual(printed, []);
});
