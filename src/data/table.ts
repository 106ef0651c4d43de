/**
 * A table of records (a header, then rows of string fields) turned into a float32 matrix,
 * with every check a user's own file needs. Platform-free: the records come from any CSV
 * tokenizer (the Node adapter feeds csv-parse's stream, the browser csv-parse's browser
 * build, see csv.ts) or from code.
 *
 * Columns are chosen and typed from the header and the options:
 *   features   the named columns, or every column that is not a target;
 *   numeric    by default: each field must parse as a finite number;
 *   categorical the `categorical` columns and, for a classification task, the target: each
 *              field is stored as the index of its category in the column's vocabulary.
 * Fitting a table collects the vocabularies (sorted at the end: numerically when every
 * value is a number, else as strings); applying a schema (a test file, a model at predict
 * time) requires its columns and rejects a category the training file never had.
 *
 * Rows are stored in fixed-size chunks as they arrive, so a million rows never need a
 * growing array's 2× copy, and a streaming consumer (predict) can take each chunk away.
 */
import { DataError } from "../errors.js";

/** A column as the model knows it. */
export type ColumnSpec = { name: string; kind: "numeric" } | { name: string; kind: "categorical"; categories: string[] };

/** Fields that mean "no value". */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]);

export const MISSING_POLICIES = ["error", "drop", "mean"] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

export interface TableOptions {
  /** Named in every message. */
  file: string;
  /** Target columns (empty for unlabelled data). */
  targets: readonly string[];
  /** Feature columns; default every column that is not a target (or the schema's). */
  features?: readonly string[];
  /** Columns to one-hot encode (features). */
  categorical?: readonly string[];
  /** The targets are class labels (a single categorical column). */
  classification: boolean;
  /** What a missing feature value does: error (default), drop the row, or keep NaN (filled with the training mean later). */
  missing?: MissingPolicy;
  /** Known columns (from the training file or the model): names, kinds and vocabularies are enforced. */
  schema?: { features: readonly ColumnSpec[]; targets: readonly ColumnSpec[] };
  /** Whether the targets must be present (false at predict time: they are read when present). */
  requireTargets?: boolean;
  /** Rows per storage chunk (default 16,384). */
  chunkRows?: number;
  /** How a position is named in messages: "line" (files, default) or "row" (rows passed in code). */
  positionLabel?: "line" | "row";
}

/** A block of consecutive rows: (rows, features + targets) row-major, categorical fields as category indices, missing as NaN. */
export interface TableChunk {
  rows: number;
  values: Float32Array;
}

/** What was read. */
export interface TableResult {
  file: string;
  features: ColumnSpec[];
  /** Empty when the file has no target columns (predict on unlabelled rows). */
  targets: ColumnSpec[];
  rows: number;
  /** Rows dropped for a missing value (--missing drop). */
  dropped: number;
  /** (rows, features + targets), row-major (null when the chunks were taken by a streaming consumer). */
  values: Float32Array | null;
}

interface ColumnState {
  name: string;
  /** Index of the field in a record. */
  field: number;
  categorical: boolean;
  /** Category → index (fitting: first appearance; applying: the schema's order). */
  vocab: Map<string, number> | null;
  /** Applying a schema: the vocabulary is closed. */
  closed: boolean;
  target: boolean;
}

const CHUNK_ROWS = 16384;

export class TableBuilder {
  readonly options: TableOptions;
  private columns: ColumnState[] | null = null;
  private header: string[] = [];
  private width = 0;
  private chunk: Float32Array = new Float32Array(0);
  private chunkFill = 0;
  private readonly chunkRows: number;
  private readonly done: TableChunk[] = [];
  private rowCount = 0;
  private droppedCount = 0;

  constructor(options: TableOptions) {
    this.options = options;
    this.chunkRows = options.chunkRows ?? CHUNK_ROWS;
  }

  /** The header row: resolves the columns (DataError for a missing target or feature, a duplicate name). */
  setHeader(fields: readonly string[]): void {
    const o = this.options;
    const header = fields.map((f) => f.trim());
    if (header.length === 0 || (header.length === 1 && header[0] === "")) throw new DataError(o.file, "line 1: the header row is empty (expected column names)");
    const seen = new Map<string, number>();
    header.forEach((name, i) => {
      if (name === "") throw new DataError(o.file, `line 1, column ${i + 1}: empty column name in the header`);
      if (seen.has(name)) throw new DataError(o.file, `line 1: column name "${name}" appears twice (columns ${(seen.get(name) ?? 0) + 1} and ${i + 1})`);
      seen.set(name, i);
    });
    const has = (name: string) => seen.has(name);
    const list = () => header.map((h) => `"${h}"`).join(", ");
    const requireTargets = o.requireTargets ?? true;
    const present = o.targets.filter(has);
    for (const t of o.targets) {
      if (!has(t) && requireTargets) throw new DataError(o.file, `line 1: target column "${t}" does not exist (columns: ${list()})`);
    }
    // Unlabelled data keeps no target; labelled data needs every target.
    const targets = present.length === o.targets.length ? o.targets : [];
    const schemaFeatures = o.schema?.features.map((c) => c.name);
    const features = schemaFeatures ?? o.features ?? header.filter((h) => !o.targets.includes(h));
    const absent = features.filter((f) => !has(f));
    if (absent.length > 0) {
      const what = absent.length === 1 ? `feature column "${absent[0]}" does not exist` : `feature columns ${absent.map((x) => `"${x}"`).join(", ")} do not exist`;
      throw new DataError(o.file, `line 1: ${what} (expected ${features.length} feature columns: ${features.map((x) => `"${x}"`).join(", ")}; the file has ${header.length}: ${list()})`);
    }
    for (const f of features) if (o.targets.includes(f)) throw new DataError(o.file, `line 1: column "${f}" is both a feature and a target`);
    if (features.length === 0) throw new DataError(o.file, `line 1: no feature column (columns: ${list()}; targets: ${o.targets.join(", ")})`);
    for (const c of o.categorical ?? []) {
      if (!has(c)) throw new DataError(o.file, `line 1: categorical column "${c}" does not exist (columns: ${list()})`);
      if (!features.includes(c)) throw new DataError(o.file, `line 1: categorical column "${c}" is not a feature`);
    }
    const state = (name: string, target: boolean, spec: ColumnSpec | undefined): ColumnState => {
      const categorical = spec !== undefined ? spec.kind === "categorical" : target ? o.classification : (o.categorical ?? []).includes(name);
      const vocab = categorical ? new Map<string, number>() : null;
      if (spec !== undefined && spec.kind === "categorical") spec.categories.forEach((c, i) => vocab?.set(c, i));
      return { name, field: seen.get(name) ?? -1, categorical, vocab, closed: spec !== undefined && spec.kind === "categorical", target };
    };
    this.columns = [
      ...features.map((f, i) => state(f, false, o.schema?.features[i])),
      ...targets.map((t, i) => state(t, true, o.schema?.targets[i])),
    ];
    this.header = header;
    this.width = this.columns.length;
    this.chunk = new Float32Array(this.chunkRows * this.width);
  }

  get hasHeader(): boolean {
    return this.columns !== null;
  }

  /** Feature columns then target columns, in storage order. */
  get columnCount(): number {
    return this.width;
  }

  /** One data row; `line` is its (last) line in the file, for messages. */
  addRow(fields: readonly string[], line: number): void {
    const cols = this.columns;
    if (cols === null) throw new DataError(this.options.file, "a data row came before the header");
    if (fields.length !== this.header.length) {
      if (fields.length === 1 && fields[0].trim() === "") return; // a blank line
      throw new DataError(this.options.file, `${this.options.positionLabel ?? "line"} ${line}: ragged row: ${fields.length} field(s), the header has ${this.header.length}`);
    }
    const base = this.chunkFill * this.width;
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      const raw = fields[c.field];
      const v = c.categorical ? this.category(c, raw, line) : this.number(c, raw, line);
      if (v === null) {
        this.droppedCount++;
        return; // the row is dropped; the chunk slot is overwritten by the next row
      }
      this.chunk[base + j] = v;
    }
    this.chunkFill++;
    this.rowCount++;
    if (this.chunkFill === this.chunkRows) this.flushChunk();
  }

  /** Chunks completed since the last call (a streaming consumer processes and forgets them). */
  takeChunks(): TableChunk[] {
    return this.done.splice(0, this.done.length);
  }

  /**
   * Ends the table. `keepValues`: concatenate the chunks into one matrix (else the caller
   * took them). DataError for an empty file, no data row, a single class when fitting.
   */
  finish(keepValues = true): TableResult {
    const o = this.options;
    const cols = this.columns;
    if (cols === null) throw new DataError(o.file, "the file is empty (expected a header row with the column names, then data rows)");
    this.flushChunk();
    if (this.rowCount === 0 && this.done.length === 0 && keepValues) {
      throw new DataError(o.file, `no data rows after the header${this.droppedCount > 0 ? ` (${this.droppedCount} dropped for missing values)` : ""}`);
    }
    const specs = cols.map((c) => this.spec(c));
    // A fitted vocabulary is sorted; stored indices are remapped to the sorted order.
    const remaps = cols.map((c, j) => (c.vocab !== null && !c.closed ? this.sortVocabulary(specs[j] as { categories: string[] }, c.vocab) : null));
    let values: Float32Array | null = null;
    if (keepValues) {
      values = new Float32Array(this.rowCount * this.width);
      let offset = 0;
      for (const ch of this.done.splice(0, this.done.length)) {
        values.set(ch.values.subarray(0, ch.rows * this.width), offset);
        offset += ch.rows * this.width;
      }
      remaps.forEach((remap, j) => {
        if (remap === null || values === null) return;
        for (let i = j; i < values.length; i += this.width) values[i] = remap[values[i]];
      });
    } else if (remaps.some((r) => r !== null)) {
      throw new DataError(o.file, "internal: a streamed table cannot fit a vocabulary (give the schema)");
    }
    const features = specs.filter((_, j) => !cols[j].target);
    const targets = specs.filter((_, j) => cols[j].target);
    if (o.classification && o.schema === undefined && targets.length === 1 && targets[0].kind === "categorical" && targets[0].categories.length < 2) {
      throw new DataError(o.file, `column "${targets[0].name}": a single class ("${targets[0].categories[0] ?? ""}") in ${this.rowCount} rows: classification needs at least two`);
    }
    return { file: o.file, features, targets, rows: this.rowCount, dropped: this.droppedCount, values };
  }

  private flushChunk(): void {
    if (this.chunkFill === 0) return;
    this.done.push({ rows: this.chunkFill, values: this.chunk });
    this.chunk = new Float32Array(this.chunkRows * this.width);
    this.chunkFill = 0;
  }

  private where(c: ColumnState, line: number): string {
    return `${this.options.positionLabel ?? "line"} ${line}, column "${c.name}" (${c.field + 1})`;
  }

  private missing(c: ColumnState, raw: string, line: number): number | null {
    const policy = this.options.missing ?? "error";
    if (policy === "drop") return null;
    if (policy === "mean" && !c.categorical && !c.target) return NaN;
    const hint = c.target ? "drop such rows with --missing drop" : c.categorical ? "--missing mean fills numeric columns only; drop such rows with --missing drop" : "use --missing drop or --missing mean";
    throw new DataError(this.options.file, `${this.where(c, line)}: missing value${raw === "" ? "" : ` "${raw}"`} (${hint})`);
  }

  private number(c: ColumnState, raw: string, line: number): number | null {
    const t = raw.trim();
    if (MISSING_TOKENS.has(t)) return this.missing(c, t, line);
    const v = Number(t);
    if (!Number.isFinite(v)) {
      const hint = c.target ? (this.options.classification ? "" : " (for class labels use --task classification)") : ` (expected a number; to one-hot encode this column use --categorical ${c.name})`;
      throw new DataError(this.options.file, `${this.where(c, line)}: non-numeric value "${raw}" in a numeric column${hint}`);
    }
    return v;
  }

  private category(c: ColumnState, raw: string, line: number): number | null {
    const t = raw.trim();
    if (MISSING_TOKENS.has(t) && t !== "") {
      // "NA" may be a real category of a known vocabulary.
      if (!(c.vocab?.has(t) ?? false)) return this.missing(c, t, line);
    } else if (t === "") return this.missing(c, t, line);
    const vocab = c.vocab as Map<string, number>;
    const known = vocab.get(t);
    if (known !== undefined) return known;
    if (c.closed) {
      const what = c.target ? `class "${t}" that the training data never had` : `category "${t}" that the training data never had`;
      const shown = [...vocab.keys()].slice(0, 20).map((k) => `"${k}"`).join(", ");
      throw new DataError(this.options.file, `${this.where(c, line)}: ${what} (known: ${shown}${vocab.size > 20 ? ", …" : ""})`);
    }
    const index = vocab.size;
    vocab.set(t, index);
    return index;
  }

  private spec(c: ColumnState): ColumnSpec {
    return c.vocab === null ? { name: c.name, kind: "numeric" } : { name: c.name, kind: "categorical", categories: [...c.vocab.keys()] };
  }

  /** Sorts `spec.categories` in place; returns old index → new index. */
  private sortVocabulary(spec: { categories: string[] }, vocab: Map<string, number>): Float32Array {
    const names = [...vocab.keys()];
    const numeric = names.every((n) => Number.isFinite(Number(n)));
    const sorted = [...names].sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    spec.categories = sorted;
    const remap = new Float32Array(names.length);
    const pos = new Map(sorted.map((n, i) => [n, i]));
    names.forEach((n, i) => (remap[i] = pos.get(n) ?? 0));
    return remap;
  }
}
