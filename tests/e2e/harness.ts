/**
 * What every end-to-end test needs: the real Pulumi CLI (checked, never skipped), a scratch copy of the project
 * with node_modules linked, a local file backend, its own PULUMI_HOME and passphrase, and a transcript of every
 * command's output so the token can be looked for in all of it.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");
const REAL_PULUMI_HINT = 'export PATH="$(../shared/real-pulumi/install.sh):$PATH"';

/** Fails, with what to install, when no Pulumi CLI is on PATH: the e2e tests never skip silently. */
export function requirePulumiCli(): string {
    const found = spawnSync("pulumi", ["version"], { encoding: "utf8" });
    if (found.error || found.status !== 0) {
        throw new Error(
            "npm run e2e needs the Pulumi CLI (v3.248, with the Databricks and Command providers) on PATH. " +
                `On this project's machines: ${REAL_PULUMI_HINT}. Elsewhere: install the CLI from https://www.pulumi.com/docs/install/ ` +
                "(the providers are downloaded on first use). Found: " +
                (found.error ? String(found.error.message) : `\`pulumi version\` exited ${found.status}`),
        );
    }
    return found.stdout.trim();
}

/** A token nobody else uses, so that any place it turns up is a leak. */
export function sentinelToken(): string {
    return `dapi${randomBytes(16).toString("hex")}`;
}

export interface CommandResult {
    command: string;
    code: number | null;
    signal: NodeJS.Signals | null;
    output: string;
    durationMs: number;
}

/** Files and folders of the project that a deployment does not need. */
const NOT_COPIED = new Set([
    "node_modules",
    ".git",
    ".venv",
    ".venv-ops",
    "bin",
    "tests",
    ".pulumi",
    "spark-warehouse",
    "metastore_db",
    "__pycache__",
    ".pytest_cache",
    ".ci",
]);

/** One scratch copy of the project, with its own backend and PULUMI_HOME; every command's output is kept. */
export class ScratchProject {
    readonly dir: string;
    readonly transcript: CommandResult[] = [];
    private readonly env: NodeJS.ProcessEnv;
    private readonly running = new Set<ChildProcess>();

    constructor(label: string) {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), `streambench-e2e-${label}-`));
        this.dir = path.join(root, "project");
        copyProject(PROJECT_DIR, this.dir);
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(this.dir, "node_modules"), "dir");
        // The run-on-deploy command and the ops CLI run the Databricks SDK from the project's .venv-ops.
        fs.symlinkSync(path.join(PROJECT_DIR, ".venv-ops"), path.join(this.dir, ".venv-ops"), "dir");
        fs.mkdirSync(path.join(root, "backend"));
        fs.mkdirSync(path.join(root, "pulumi-home"));
        const inherited = Object.fromEntries(
            Object.entries(process.env).filter(
                ([key]) => !key.startsWith("DATABRICKS_") && !key.startsWith("PULUMI_") && !key.startsWith("ARM_"),
            ),
        );
        this.env = {
            ...inherited,
            PULUMI_HOME: path.join(root, "pulumi-home"),
            PULUMI_BACKEND_URL: `file://${path.join(root, "backend")}`,
            PULUMI_CONFIG_PASSPHRASE: "streambench-e2e",
            PULUMI_SKIP_UPDATE_CHECK: "1",
            // The provider must take credentials from the stack config only, never from this machine's profile.
            DATABRICKS_CONFIG_FILE: path.join(root, "no-databrickscfg"),
            NO_COLOR: "1",
        };
    }

    /** The scratch copy's root (backend, PULUMI_HOME and project). */
    get root(): string {
        return path.dirname(this.dir);
    }

    /** Runs the project's ops CLI as a user would, in this copy's Pulumi environment plus `env`. */
    ops(args: string[], env: Record<string, string>): Promise<CommandResult> {
        const started = Date.now();
        return new Promise((resolve) => {
            const child = spawn("npx", ["--no-install", "ts-node", "--transpile-only", "cli/ops.ts", ...args], {
                cwd: this.dir,
                env: { ...this.env, ...env },
            });
            let output = "";
            child.stdout.on("data", (chunk) => (output += chunk));
            child.stderr.on("data", (chunk) => (output += chunk));
            child.on("close", (code, signal) => {
                const result = { command: `ops ${args.join(" ")}`, code, signal, output, durationMs: Date.now() - started };
                this.transcript.push(result);
                resolve(result);
            });
        });
    }

    /** Runs `pulumi <args>` in the project; resolves when it exits, whatever the exit code. */
    pulumi(args: string[], options: { stdin?: string; onSpawn?: (child: ChildProcess) => void } = {}): Promise<CommandResult> {
        const started = Date.now();
        const command = `pulumi ${args.join(" ")}`;
        return new Promise((resolve) => {
            // Own process group, so that a test can kill pulumi with its plugins (a "killed" up).
            const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
                cwd: this.dir,
                env: this.env,
                detached: true,
                stdio: ["pipe", "pipe", "pipe"],
            });
            this.running.add(child);
            let output = "";
            child.stdout.on("data", (chunk) => (output += chunk));
            child.stderr.on("data", (chunk) => (output += chunk));
            child.stdin.end(options.stdin ?? "");
            options.onSpawn?.(child);
            child.on("close", (code, signal) => {
                this.running.delete(child);
                const result = { command, code, signal, output, durationMs: Date.now() - started };
                this.transcript.push(result);
                resolve(result);
            });
        });
    }

    /** Creates the stack, pointed at the workspace; the token goes in through stdin, never on a command line. */
    async initStack(stack: string, host: string, token: string, extraConfig?: string): Promise<void> {
        if (extraConfig !== undefined) {
            fs.writeFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), extraConfig);
        }
        await this.mustSucceed(["stack", "init", stack]);
        await this.mustSucceed(["config", "set", "--stack", stack, "databricks:host", host]);
        await this.mustSucceed(["config", "set", "--stack", stack, "--secret", "databricks:token"], token);
    }

    async mustSucceed(args: string[], stdin?: string): Promise<CommandResult> {
        const result = await this.pulumi(args, { stdin });
        if (result.code !== 0) {
            throw new Error(`${result.command} exited ${result.code}:\n${tail(result.output)}`);
        }
        return result;
    }

    /** The stack's resources from its state (`pulumi stack export`, secrets left encrypted). */
    async resources(stack: string): Promise<StateResource[]> {
        const exported = await this.mustSucceed(["stack", "export", "--stack", stack]);
        const deployment = JSON.parse(exported.output.slice(exported.output.indexOf("{"))).deployment;
        return (deployment.resources ?? []).filter(
            (resource: StateResource) => resource.custom && !resource.type.startsWith("pulumi:providers:"),
        );
    }

    /** Every file under the scratch root (state, stack files, PULUMI_HOME, logs) that holds `text`. */
    filesContaining(text: string): string[] {
        const found: string[] = [];
        const walk = (dir: string): void => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const full = path.join(dir, entry.name);
                if (entry.isSymbolicLink() || entry.name === "plugins") {
                    continue; // node_modules (the repository's) and the plugin binaries are not written by a deployment
                }
                if (entry.isDirectory()) {
                    walk(full);
                } else if (entry.isFile() && fs.readFileSync(full).includes(text)) {
                    found.push(full);
                }
            }
        };
        walk(this.root);
        return found;
    }

    /**
     * Kills whatever pulumi process is still running, and the plugins it started: they run in process groups of
     * their own, so they are found by their working directory in this scratch copy.
     */
    killAll(): void {
        for (const child of this.running) {
            killGroup(child);
        }
        for (const pid of processesUnder(this.root)) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
    }

    remove(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    custom?: boolean;
    outputs?: Record<string, any>;
    /** URNs this resource waits for (implicit and `dependsOn`); destroy deletes it before them. */
    dependencies?: string[];
}

export function killGroup(child: ChildProcess): void {
    if (child.pid !== undefined) {
        try {
            process.kill(-child.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

/** Processes (Linux /proc) whose working directory is inside `root`. */
export function processesUnder(root: string): number[] {
    if (!fs.existsSync("/proc")) {
        return [];
    }
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
        .filter((entry) => {
            try {
                return fs.readlinkSync(`/proc/${entry}/cwd`).startsWith(root);
            } catch {
                return false;
            }
        })
        .map(Number);
}

export function tail(text: string, lines = 40): string {
    return text.split("\n").slice(-lines).join("\n");
}

function copyProject(from: string, to: string): void {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        if (
            NOT_COPIED.has(entry.name) ||
            (entry.name.startsWith("Pulumi.") && entry.name !== "Pulumi.yaml" && !/^Pulumi\.(dev|prod)\.yaml$/.test(entry.name))
        ) {
            continue;
        }
        const source = path.join(from, entry.name);
        if (entry.isDirectory()) {
            copyProject(source, path.join(to, entry.name));
        } else if (entry.isFile()) {
            fs.copyFileSync(source, path.join(to, entry.name));
        }
    }
}
