"""PyTorch side of `npm run bench`: the same measurements as bench/*.ts, printed as JSON.

Thread pinning: Debian's torch hands matrix products to OpenBLAS, which runs its own
pool. The caller sets OPENBLAS_NUM_THREADS (the BLAS pool, same count as tinygrow's) and
we set torch's intra-op threads to 1 so the two pools never oversubscribe the cores.

Usage: python3 bench/torch_bench.py '{"repeats": 7, "jobs": [...]}'   (one JSON config argument)
       python3 bench/torch_bench.py --serve   (one JSON job per stdin line, one result per
       stdout line; lets the caller interleave PyTorch and tinygrow measurements so that
       load on a shared machine hits both sides alike)
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def bench_gemm(m, k, n, repeats, min_seconds):
    a = torch.rand(m, k)
    b = torch.rand(k, n)
    c = torch.empty(m, n)
    torch.mm(a, b, out=c)
    # Calibrate the inner loop so one repeat lasts about min_seconds.
    iters = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(iters):
            torch.mm(a, b, out=c)
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            break
        iters *= 2
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            torch.mm(a, b, out=c)
        times.append((time.perf_counter() - t0) / iters)
    t = median(times)
    return {"seconds": t, "gflops": 2.0 * m * k * n / t / 1e9}


def make_mlp(sizes, activation):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def bench_step(sizes, activation, loss, batch, lr, momentum, repeats, steps):
    torch.manual_seed(0)
    model = make_mlp(sizes, {"selu": nn.SELU, "relu": nn.ReLU}[activation])
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    x = torch.rand(batch, sizes[0])
    if loss == "mse":
        y = torch.rand(batch, sizes[-1])
        loss_fn = F.mse_loss
    else:
        y = torch.randint(0, sizes[-1], (batch,))
        loss_fn = F.cross_entropy

    def step():
        opt.zero_grad(set_to_none=False)
        out = loss_fn(model(x), y)
        out.backward()
        opt.step()

    for _ in range(max(10, steps // 10)):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - t0) / steps)
    return {"seconds": median(times), "all": times}


def bench_epoch(sizes, activation, n, batch, lr, momentum, repeats):
    """One epoch of shuffled mini-batch SGD with softmax cross-entropy over n samples."""
    torch.manual_seed(0)
    model = make_mlp(sizes, {"selu": nn.SELU, "relu": nn.ReLU}[activation])
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    x = torch.rand(n, sizes[0])
    y = torch.randint(0, sizes[-1], (n,))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s : s + batch]
            opt.zero_grad(set_to_none=False)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return {"seconds": median(times), "all": times}


def make_cnn(spec):
    """conv blocks (conv k×k, padding, ReLU, optional max pool) then flatten → linear, as bench/cnn.ts."""
    layers = []
    channels = spec["input"][0]
    h, w = spec["input"][1], spec["input"][2]
    for b in spec["blocks"]:
        layers.append(nn.Conv2d(channels, b["channels"], b["kernel"], padding=b["padding"]))
        layers.append(nn.ReLU())
        h, w = h + 2 * b["padding"] - b["kernel"] + 1, w + 2 * b["padding"] - b["kernel"] + 1
        if b.get("pool"):
            layers.append(nn.MaxPool2d(b["pool"]))
            h, w = h // b["pool"], w // b["pool"]
        channels = b["channels"]
    layers.append(nn.Flatten())
    layers.append(nn.Linear(channels * h * w, spec["outputs"]))
    return nn.Sequential(*layers)


def bench_cnn_epoch(job, repeats):
    """One epoch of shuffled mini-batch SGD with cross-entropy of a small CNN over n images.

    Runs with job["torch_threads"] intra-op threads: PyTorch's CPU convolutions go through
    oneDNN (mkldnn), whose OpenMP pool is torch's own, not OpenBLAS's, so it gets the same
    core count as tinygrow's OpenBLAS pool."""
    previous = torch.get_num_threads()
    torch.set_num_threads(job.get("torch_threads", 1))
    try:
        torch.manual_seed(0)
        model = make_cnn(job)
        opt = torch.optim.SGD(model.parameters(), lr=job["lr"], momentum=job["momentum"])
        n = job["n"]
        c, h, w = job["input"]
        x = torch.rand(n, c, h, w)
        y = torch.randint(0, job["outputs"], (n,))
        batch = job["batch"]
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            perm = torch.randperm(n)
            for s in range(0, n, batch):
                idx = perm[s : s + batch]
                opt.zero_grad(set_to_none=False)
                F.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
            times.append(time.perf_counter() - t0)
        return {"seconds": median(times), "all": times, "mkldnn": torch.backends.mkldnn.is_available(), "threads": torch.get_num_threads()}
    finally:
        torch.set_num_threads(previous)


def run_job(job, repeats, min_seconds=0.05):
    kind = job["kind"]
    if kind == "gemm":
        return bench_gemm(job["m"], job["k"], job["n"], repeats, min_seconds)
    if kind == "step":
        return bench_step(job["sizes"], job["activation"], job["loss"], job["batch"], job["lr"], job["momentum"], repeats, job["steps"])
    if kind == "epoch":
        return bench_epoch(job["sizes"], job["activation"], job["n"], job["batch"], job["lr"], job["momentum"], repeats)
    if kind == "cnn-epoch":
        return bench_cnn_epoch(job, repeats)
    raise ValueError("unknown job kind " + kind)


def serve():
    torch.set_num_threads(1)
    print(json.dumps({"torch_version": torch.__version__, "torch_threads": torch.get_num_threads(),
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "(default)")}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        print(json.dumps(run_job(job, job.get("repeats", 1))), flush=True)


def main():
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get("torch_threads", 1))
    out = {
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "(default)"),
        "results": {},
    }
    for job in cfg["jobs"]:
        out["results"][job["name"]] = run_job(job, cfg["repeats"], cfg.get("min_seconds", 0.05))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
