// AssemblyScript: f32 GEMM with WebAssembly SIMD (v128), cache-blocked and packed.
//
//   C (m, n) = alpha · op(A) · op(B) + beta · C,  op(A) (m, k), op(B) (k, n), row-major,
//
// the semantics of the portable kernel (src/kernels/portable/gemm.ts): beta = 0 overwrites C
// (its old contents are ignored, even NaN). The loops follow the BLIS/GotoBLAS layout:
//
//   for jc in steps of NC over n:            B block (KC, NC) packed into NR-wide strips
//     for pc in steps of KC over k:
//       for ic in steps of MC over m:        A block (MC, KC) packed into MR-tall strips
//         for each (MR, NR) tile: micro-kernel, KC rank-1 updates held in 8 v128 registers
//
// Packing does the transposes and pads partial strips with zeros, so the micro-kernel always
// runs on full MR × NR tiles; only the store of an edge tile is clipped. MR = 4, NR = 8:
// 8 accumulators + 2 B vectors + 1 broadcast A value fit the 16 SIMD registers of x86-64.
// Pointers are byte offsets into linear memory; the JS side (src/kernels/wasm/) copies the
// operands in, provides the packing buffers and copies C out.

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 512;

/** Bytes of the packing buffers the JS side must provide (A block, then B block). */
export function gemmPackBytes(): i32 {
  return (MC * KC + KC * NC) * 4;
}

export function gemm(
  a: usize, b: usize, c: usize,
  m: i32, n: i32, k: i32,
  transA: bool, transB: bool,
  alpha: f32, beta: f32,
  pack: usize,
): void {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0) {
    scaleC(c, m, n, beta);
    return;
  }
  const packA = pack;
  const packB = pack + <usize>(MC * KC * 4);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packBBlock(b, packB, n, k, transB, pc, jc, kc, nc);
      // The first k block applies beta; later ones accumulate.
      const first = pc == 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packABlock(a, packA, m, k, transA, ic, pc, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bStrip = packB + <usize>(jr * kc * 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cTile = c + <usize>(((ic + ir) * n + jc + jr) * 4);
            microKernel(packA + <usize>(ir * kc * 4), bStrip, kc, cTile, n, mr, nr, alpha, first ? beta : 1, first && beta == 0);
          }
        }
      }
    }
  }
}

/** C = beta · C (beta = 0: zeros, whatever C held). */
function scaleC(c: usize, m: i32, n: i32, beta: f32): void {
  const total = m * n;
  if (beta == 0) {
    memory.fill(c, 0, <usize>(total * 4));
    return;
  }
  if (beta == 1) return;
  for (let i = 0; i < total; i++) store<f32>(c + <usize>(i * 4), load<f32>(c + <usize>(i * 4)) * beta);
}

/**
 * Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-wide strips: strip s holds, for p = 0..kc-1, the
 * NR values op(B)[pc+p, jc+s·NR ..], zero-padded past nc.
 */
function packBBlock(b: usize, dst: usize, n: i32, k: i32, transB: bool, pc: i32, jc: i32, kc: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const strip = dst + <usize>(jr * kc * 4);
    if (!transB && nr == NR) {
      // B (k, n) row-major: each row of the strip is 8 contiguous floats.
      for (let p = 0; p < kc; p++) {
        const src = b + <usize>(((pc + p) * n + jc + jr) * 4);
        const out = strip + <usize>(p * NR * 4);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const out = strip + <usize>(p * NR * 4);
      for (let j = 0; j < NR; j++) {
        let v: f32 = 0;
        if (j < nr) {
          const row = pc + p;
          const col = jc + jr + j;
          // op(B) = Bᵀ: B is stored (n, k).
          v = transB ? load<f32>(b + <usize>((col * k + row) * 4)) : load<f32>(b + <usize>((row * n + col) * 4));
        }
        store<f32>(out + <usize>(j * 4), v);
      }
    }
  }
}

/**
 * Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-tall strips: strip s holds, for p = 0..kc-1, the
 * MR values op(A)[ic+s·MR .., pc+p], zero-padded past mc.
 */
function packABlock(a: usize, dst: usize, m: i32, k: i32, transA: bool, ic: i32, pc: i32, mc: i32, kc: i32): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const strip = dst + <usize>(ir * kc * 4);
    if (transA && mr == MR) {
      // op(A) = Aᵀ, A stored (k, m): the MR values of one p are contiguous.
      for (let p = 0; p < kc; p++) {
        v128.store(strip + <usize>(p * MR * 4), v128.load(a + <usize>(((pc + p) * m + ic + ir) * 4)));
      }
      continue;
    }
    for (let i = 0; i < MR; i++) {
      if (i >= mr) {
        for (let p = 0; p < kc; p++) store<f32>(strip + <usize>((p * MR + i) * 4), 0);
        continue;
      }
      const row = ic + ir + i;
      if (!transA) {
        const src = a + <usize>((row * k + pc) * 4);
        for (let p = 0; p < kc; p++) store<f32>(strip + <usize>((p * MR + i) * 4), load<f32>(src + <usize>(p * 4)));
      } else {
        for (let p = 0; p < kc; p++) store<f32>(strip + <usize>((p * MR + i) * 4), load<f32>(a + <usize>(((pc + p) * m + row) * 4)));
      }
    }
  }
}

/**
 * One (MR, NR) tile: acc = Σ_p a[p, 0..4) ⊗ b[p, 0..8), then C = alpha · acc + beta · C
 * (overwrite when `overwrite`, beta = 0 on the first k block), clipped to (mr, nr).
 */
// @ts-ignore: decorator
@inline
function microKernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, mr: i32, nr: i32, alpha: f32, beta: f32, overwrite: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    ap += MR * 4;
    bp += NR * 4;
  }
  const va = f32x4.splat(alpha);
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, va, beta, overwrite);
    storeRow(c + <usize>(ldc * 4), c10, c11, va, beta, overwrite);
    storeRow(c + <usize>(ldc * 8), c20, c21, va, beta, overwrite);
    storeRow(c + <usize>(ldc * 12), c30, c31, va, beta, overwrite);
    return;
  }
  // Edge tile: spill the accumulators and store the valid part element by element.
  const tmp = memory.data(MR * NR * 4, 16);
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const dst = c + <usize>((i * ldc + j) * 4);
      const v = alpha * load<f32>(tmp + <usize>((i * NR + j) * 4));
      store<f32>(dst, overwrite ? v : v + beta * load<f32>(dst));
    }
  }
}

// @ts-ignore: decorator
@inline
function storeRow(dst: usize, x0: v128, x1: v128, va: v128, beta: f32, overwrite: bool): void {
  let y0 = f32x4.mul(va, x0);
  let y1 = f32x4.mul(va, x1);
  if (!overwrite) {
    if (beta == 1) {
      y0 = f32x4.add(y0, v128.load(dst));
      y1 = f32x4.add(y1, v128.load(dst, 16));
    } else {
      const vb = f32x4.splat(beta);
      y0 = f32x4.add(y0, f32x4.mul(vb, v128.load(dst)));
      y1 = f32x4.add(y1, f32x4.mul(vb, v128.load(dst, 16)));
    }
  }
  v128.store(dst, y0);
  v128.store(dst, y1, 16);
}
