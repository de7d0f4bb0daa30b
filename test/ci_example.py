#!/usr/bin/env python3
"""ci_example.py - run the shell steps of a CI file from examples/ci/ as its CI would.

    ci_example.py github|gitlab FILE

GitHub Actions: every step with `run:`, each in `bash -e`, with the job's `env:` (the
environment overrides it), RUNNER_TEMP, GITHUB_WORKSPACE and GITHUB_PATH as the runner sets
them; after a failed step only `if: always()` steps run. GitLab CI: the job's `variables:`
(the environment overrides them), before_script and script in one shell stopping at the first
failing line, then after_script. `uses:` steps are the caller's to provide (the checkouts).
Prints each step as it runs; exits 1 when the job failed, 0 when it passed.
"""
import os
import subprocess
import sys

import yaml


def run(script, env):
    return subprocess.run(["bash", "-e", "-c", script], env=env).returncode


def github(doc):
    job = next(iter(doc["jobs"].values()))
    env = {k: str(v) for k, v in job.get("env", {}).items()}
    env.update(os.environ)
    path_file = os.path.join(env["RUNNER_TEMP"], "github_path")
    open(path_file, "w").close()
    env["GITHUB_PATH"] = path_file
    failed = False
    for step in job["steps"]:
        if "run" not in step or (failed and step.get("if") != "always()"):
            continue
        extra = [p.strip() for p in open(path_file) if p.strip()]
        step_env = dict(env, PATH=":".join(extra[::-1] + [env["PATH"]]))
        print(f"--- step: {step.get('name', step['run'][:40])}", flush=True)
        if run(step["run"], step_env) != 0:
            failed = True
    return failed


def gitlab(doc):
    job = next(v for k, v in doc.items() if isinstance(v, dict) and "script" in v)
    env = {k: str(v) for k, v in job.get("variables", {}).items()}
    env.update(os.environ)
    print("--- before_script, script", flush=True)
    failed = run("\n".join(job.get("before_script", []) + job["script"]), env) != 0
    print("--- after_script", flush=True)
    run("\n".join(job.get("after_script", [])), env)
    return failed


def main():
    kind, path = sys.argv[1], sys.argv[2]
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    failed = github(doc) if kind == "github" else gitlab(doc)
    print("--- job " + ("FAILED" if failed else "passed"), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
