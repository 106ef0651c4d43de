/**
 * For tests that need a Redis server: TINYGROW_REDIS_URL (set by .ci/run, which starts one
 * on a free port). Without it such tests are registered with `{ skip: reason }` and a banner
 * is printed once; with TINYGROW_REQUIRE_REDIS=1 a failing test is registered instead.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

let announced = false;

export function redisForTests(): { url: string | null; skip: string | false } {
  const url = process.env.TINYGROW_REDIS_URL;
  if (url !== undefined && url !== "") return { url, skip: false };
  const skip = "no Redis server: set TINYGROW_REDIS_URL=redis://127.0.0.1:PORT (as .ci/run does) to run the queue tests";
  if (!announced) {
    announced = true;
    if (process.env.TINYGROW_REQUIRE_REDIS === "1") test("a Redis server is given (TINYGROW_REQUIRE_REDIS=1)", () => assert.fail(skip));
    else console.warn(`\n${"!".repeat(78)}\n!! ${skip}\n!! The queue tests are SKIPPED (set TINYGROW_REQUIRE_REDIS=1 to make this a failure)\n${"!".repeat(78)}\n`);
  }
  return { url: null, skip };
}
