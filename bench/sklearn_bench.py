"""The scikit-learn side of the tabular benchmark (bench/tabular.ts) and of the CSV loading one.

  python3 bench/sklearn_bench.py export DIR [--tune]   real data sets shipped with scikit-learn → DIR/<name>_{train,test}.csv + DIR/datasets.json
                                                   (--tune: the training rows only, split again 80/20 with seed 1: for choosing defaults)
  python3 bench/sklearn_bench.py fit DIR NAME [grid|linear]   grid of MLPs and/or a linear model on DIR/NAME_*.csv → one JSON line
                                                   (grid: what a user runs to pick an MLP: read the files, fit the grid, pick, score;
                                                   the benchmark times this process from start to exit)
  python3 bench/sklearn_bench.py load FILE numpy|pandas   time and peak RSS of reading a numeric CSV → one JSON line

The data sets are the ones scikit-learn ships inside the package (no download): diabetes
(regression), breast cancer, wine and digits (classification). The test split (20%,
stratified for classification, seed 0) is written once and used by both sides.

Model selection: each grid member (and the linear model) is fitted on the training rows
minus a 10% validation split (seed 0), the member with the best validation score is
"the best grid MLP", and its test score is reported (tinygrow also trains on its training
rows minus a 10% validation split). Features are standardised (StandardScaler in the
pipeline); regression targets too (TransformedTargetRegressor), as tinygrow's
--standardize-targets does.
"""
import json
import resource
import sys
import time

GRID = [(16,), (64,), (256,), (64, 64)]


def export(out_dir, tune=False):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    meta = []
    for name, loader, task in [
        ("diabetes", datasets.load_diabetes, "regression"),
        ("breast_cancer", datasets.load_breast_cancer, "classification"),
        ("wine", datasets.load_wine, "classification"),
        ("digits", datasets.load_digits, "classification"),
    ]:
        frame = loader(as_frame=True).frame
        strat = frame["target"] if task == "classification" else None
        train, test = train_test_split(frame, test_size=0.2, random_state=0, stratify=strat)
        if tune:
            strat = train["target"] if task == "classification" else None
            train, test = train_test_split(train, test_size=0.2, random_state=1, stratify=strat)
        train.to_csv(f"{out_dir}/{name}_train.csv", index=False)
        test.to_csv(f"{out_dir}/{name}_test.csv", index=False)
        meta.append({"name": name, "task": task, "target": "target", "rows": len(frame), "features": frame.shape[1] - 1, "source": f"sklearn.datasets.{loader.__name__} (shipped with scikit-learn)"})
    json.dump(meta, open(f"{out_dir}/datasets.json", "w"))


def n_params(model):
    if hasattr(model, "regressor_"):
        model = model.regressor_
    est = model.steps[-1][1]
    if hasattr(est, "coefs_"):
        return int(sum(w.size for w in est.coefs_) + sum(b.size for b in est.intercepts_))
    return int(est.coef_.size + (est.intercept_.size if hasattr(est.intercept_, "size") else 1))


def fit(data_dir, name, models="all"):
    import numpy as np
    import pandas as pd
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.metrics import accuracy_score, log_loss, mean_squared_error
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import warnings

    warnings.filterwarnings("ignore")
    meta = {m["name"]: m for m in json.load(open(f"{data_dir}/datasets.json"))}[name]
    train = pd.read_csv(f"{data_dir}/{name}_train.csv")
    test = pd.read_csv(f"{data_dir}/{name}_test.csv")
    target = meta["target"]
    x, y = train.drop(columns=[target]).to_numpy(np.float64), train[target].to_numpy()
    xt, yt = test.drop(columns=[target]).to_numpy(np.float64), test[target].to_numpy()
    cls = meta["task"] == "classification"
    xf, xv, yf, yv = train_test_split(x, y, test_size=0.1, random_state=0, stratify=y if cls else None)

    def make(hidden):
        if hidden is None:
            est = LogisticRegression(max_iter=2000) if cls else LinearRegression()
        else:
            est = (MLPClassifier if cls else MLPRegressor)(hidden_layer_sizes=hidden, max_iter=500, random_state=0)
        pipe = make_pipeline(StandardScaler(), est)
        return pipe if cls else TransformedTargetRegressor(regressor=pipe, transformer=StandardScaler())

    def scores(model, xs, ys):
        if cls:
            return {"loss": float(log_loss(ys, model.predict_proba(xs), labels=model.classes_)), "accuracy": float(accuracy_score(ys, model.predict(xs)))}
        return {"loss": float(mean_squared_error(ys, model.predict(xs)))}

    runs = []
    for hidden in (GRID if models != "linear" else []) + ([None] if models != "grid" else []):
        t0 = time.perf_counter()
        model = make(hidden).fit(xf, yf)
        seconds = time.perf_counter() - t0
        val = scores(model, xv, yv)
        runs.append({"hidden": list(hidden) if hidden else None, "seconds": seconds, "params": n_params(model), "validation": val, "test": scores(model, xt, yt)})
    mlps = [r for r in runs if r["hidden"] is not None]
    key = (lambda r: -r["validation"]["accuracy"] + 1e-6 * r["validation"]["loss"]) if cls else (lambda r: r["validation"]["loss"])
    out = {"name": name, "runs": runs}
    if mlps:
        out.update(best=min(mlps, key=key), gridSeconds=sum(r["seconds"] for r in mlps))
    if models != "grid":
        out["linear"] = runs[-1]
    print(json.dumps(out))


def load(path, how):
    import numpy as np

    t0 = time.perf_counter()
    if how == "numpy":
        a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    else:
        import pandas as pd

        a = pd.read_csv(path, dtype=np.float32).to_numpy()
    seconds = time.perf_counter() - t0
    print(json.dumps({"rows": int(a.shape[0]), "cols": int(a.shape[1]), "seconds": seconds, "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "export":
        export(sys.argv[2], "--tune" in sys.argv[3:])
    elif cmd == "fit":
        fit(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "all")
    elif cmd == "load":
        load(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown command {cmd}")
