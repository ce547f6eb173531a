import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PROJECT_ROOT = path.join(__dirname, "..");

/** The project's Python: $PYTHON, else the `.venv` that `npm run setup` creates, else python3. */
export function pythonExecutable(): string {
    const venv = path.join(PROJECT_ROOT, ".venv", "bin", "python");
    return process.env.PYTHON ?? (fs.existsSync(venv) ? venv : "python3");
}

/** Runs a Python snippet with `notebooks/` on sys.path, feeding it JSON on stdin; returns its JSON stdout. */
export function runPython<T>(code: string, input: unknown): T {
    const output = execFileSync(pythonExecutable(), ["-c", code], {
        cwd: path.join(PROJECT_ROOT, "notebooks"),
        input: JSON.stringify(input),
        encoding: "utf8",
    });
    return JSON.parse(output) as T;
}
