import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { DataError } from "../../errors.js";
import { tinyMnistFiles, writeTinyMnist } from "../../node/data/idx-fixtures.js";
import { main } from "../main.js";
import { registerData } from "./data.js";
import { tempDir } from "../../test-support/temp-dir.js";

async function run(args: string[], env: Record<string, string>): Promise<{ lines: string[]; error: unknown }> {
  const lines: string[] = [];
  const program = new Command().exitOverride();
  registerData(program, { env, out: (l) => lines.push(l), progress: false });
  try {
    await program.parseAsync(["node", "tinygrow", ...args]);
    return { lines, error: null };
  } catch (error) {
    return { lines, error };
  }
}

test("data info: a missing dataset lists the folders searched and fails; unnamed datasets only report", async () => {
  const home = tempDir("tinygrow-cli-");
  const named = await run(["data", "info", "mnist"], { HOME: home });
  assert.ok(named.error instanceof DataError);
  assert.match(String((named.error as Error).message), /tinygrow data fetch mnist/);
  assert.match(named.lines.join("\n"), new RegExp(`${home}/\\.cache/tinygrow/mnist \\[cache\\] \\(folder does not exist\\): missing all files`));
  const all = await run(["data", "info"], { HOME: home, TINYGROW_DATA_DIR: join(home, "env") });
  assert.equal(all.error, null);
  assert.match(all.lines.join("\n"), /env\/mnist \[TINYGROW_DATA_DIR\]/);
});

test("data info: files that fail their checksums are listed and the command fails", async () => {
  const root = tempDir("tinygrow-cli-");
  mkdirSync(join(root, "mnist"));
  writeTinyMnist(join(root, "mnist"));
  const r = await run(["data", "info", "--data-dir", root], { HOME: root });
  assert.ok(r.error instanceof DataError);
  assert.match(r.lines.join("\n"), /found in .*\/mnist \[--data-dir\]/);
  assert.match(r.lines.join("\n"), /train-images-idx3-ubyte\.gz {2}\d+ bytes {2}md5 [0-9a-f]{32} {2}FAILED: checksum mismatch/);
});

test("data fetch: a checksum mismatch exits non-zero and leaves no file behind", async () => {
  const tiny = new Map(tinyMnistFiles().map((t) => [t.file.name, t.bytes]));
  const server = createServer((req, res) => {
    const body = tiny.get((req.url ?? "").slice(1));
    res.writeHead(body ? 200 : 404);
    res.end(body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const root = tempDir("tinygrow-cli-");
  // Only stderr is captured: the test reporter writes to stdout.
  const stderr: string[] = [];
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => stderr.push(String(s)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(["node", "tinygrow", "data", "fetch", "mnist", "--data-dir", root, "--mirror", base, "--quiet"]);
  } finally {
    process.stderr.write = writeErr;
    server.close();
  }
  assert.equal(code, 1);
  assert.match(stderr.join(""), /^tinygrow: train-images-idx3-ubyte\.gz: checksum mismatch .* expected md5 f68b3c2dcbeaaa9fbdd348bbdeb94873 \(published\), got md5 [0-9a-f]{32}/);
  assert.deepEqual(readdirSync(join(root, "mnist")), []);
  assert.ok(!existsSync(join(root, "mnist", "train-images-idx3-ubyte.gz")));
});

test("data: an unknown dataset name is a usage error", async () => {
  const r = await run(["data", "fetch", "cifar"], { HOME: "/nonexistent" });
  assert.match(String((r.error as Error).message), /unknown dataset "cifar"; expected one of mnist, fashion-mnist/);
});

test("data info cifar10: finds the six files (also in cifar-10-batches-bin/), and fails naming a file that is not 10,000 records", async () => {
  const { writeFileSync } = await import("node:fs");
  const { encodeCifarRecords } = await import("../../data/cifar.js");
  const root = tempDir("tinygrow-cli-");
  const dir = join(root, "cifar10", "cifar-10-batches-bin");
  mkdirSync(dir, { recursive: true });
  for (const name of ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"]) {
    writeFileSync(join(dir, name), encodeCifarRecords([1, 2], new Uint8Array(2 * 3072)));
  }
  const r = await run(["data", "info", "cifar10", "--data-dir", root], { HOME: root });
  assert.ok(r.error instanceof DataError);
  assert.match(r.lines.join("\n"), /found in .*cifar10\/cifar-10-batches-bin \[--data-dir\]/);
  assert.match(String((r.error as Error).message), /data_batch_1.bin: 6146 bytes, expected 30730000 \(10,000 records of 3073 bytes\)/);
  const help = new Command().exitOverride();
  let text = "";
  registerData(help, { out: () => {} });
  help.commands[0].commands[0].configureOutput({ writeOut: (s) => (text += s) });
  assert.throws(() => help.parse(["node", "tinygrow", "data", "fetch", "--help"]));
  assert.match(text, /cifar10: https:\/\/www.cs.toronto.edu\/~kriz\/ \(cifar-10-binary.tar.gz, md5 c32a1d4ab5d03f1284b67883e8d87530/);
});
