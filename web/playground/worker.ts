// The playground's Web Worker entry (bundled by Vite): the growth run of src/browser/grow-worker.ts.
import { startGrowWorker } from "../../src/browser/grow-worker.js";

startGrowWorker(self as unknown as Parameters<typeof startGrowWorker>[0]);
