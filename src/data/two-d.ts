/**
 * Two-dimensional classification tasks for demonstrations (the playground): interleaved
 * spirals and the two moons of scikit-learn's make_moons, seeded, labels 0..classes-1 in
 * balanced order (class = index mod classes), Gaussian noise of standard deviation `noise`.
 */
import { DataError } from "../errors.js";
import { Matrix } from "../tensor/matrix.js";
import type { Rng } from "../tensor/rng.js";
import type { Dataset } from "./batches.js";

export interface SpiralOptions {
  /** Arms, one class each; default 2. */
  classes?: number;
  /** Turns of each arm; default 1.5. */
  turns?: number;
  /** Noise standard deviation (inputs span about [-1, 1]); default 0.05. */
  noise?: number;
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new DataError(what, `expected a positive number of samples, got ${n}`);
}

/** n points on `classes` interleaved spiral arms (radius 0.1 → 1 over `turns` turns). */
export function spirals(n: number, rng: Rng, options: SpiralOptions = {}): Dataset & { labels: Int32Array } {
  const { classes = 2, turns = 1.5, noise = 0.05 } = options;
  checkCount("spirals", n);
  const x = new Matrix(n, 2, new Float32Array(n * 2));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const t = rng.uniform();
    const r = 0.1 + 0.9 * t;
    const angle = 2 * Math.PI * (turns * t + c / classes);
    x.data[2 * i] = r * Math.cos(angle) + noise * rng.normal();
    x.data[2 * i + 1] = r * Math.sin(angle) + noise * rng.normal();
    labels[i] = c;
  }
  return { x, labels };
}

/** n points on two interleaving half circles (make_moons), centred and scaled to about [-1, 1]. */
export function moons(n: number, rng: Rng, options: { noise?: number } = {}): Dataset & { labels: Int32Array } {
  const { noise = 0.1 } = options;
  checkCount("moons", n);
  const x = new Matrix(n, 2, new Float32Array(n * 2));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const t = Math.PI * rng.uniform();
    // Upper moon (cos t, sin t); lower moon (1 − cos t, ½ − sin t); then centred on (½, ¼).
    const px = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.data[2 * i] = (px - 0.5) / 1.5 + noise * rng.normal();
    x.data[2 * i + 1] = (py - 0.25) / 1.5 + noise * rng.normal();
    labels[i] = c;
  }
  return { x, labels };
}
