import { invalidParameter, refuseUnknownKeys } from "./apiError";
import { Compute } from "./compute";
import { checkTaskCompute, jobClusterKeys } from "./jobClusters";
import { Router, queryParam } from "./router";

/** JSON fields of jobs.JobSettings (databricks-sdk-go v0.175.0); jobs/create also takes access_control_list. */
const JOB_SETTINGS_FIELDS = [
    "budget_policy_id",
    "continuous",
    "deployment",
    "description",
    "edit_mode",
    "email_notifications",
    "environments",
    "format",
    "git_source",
    "health",
    "job_clusters",
    "max_concurrent_runs",
    "name",
    "notification_settings",
    "parameters",
    "parent_path",
    "performance_target",
    "queue",
    "run_as",
    "schedule",
    "tags",
    "tasks",
    "timeout_seconds",
    "trigger",
    "triggers",
    "usage_policy_id",
    "webhook_notifications",
];
const RUN_NOW_FIELDS = [
    "dbt_commands",
    "idempotency_token",
    "jar_params",
    "job_id",
    "job_parameters",
    "notebook_params",
    "only",
    "performance_target",
    "pipeline_params",
    "python_named_params",
    "python_params",
    "queue",
    "spark_submit_params",
    "sql_params",
];

export interface Job {
    jobId: number;
    settings: Record<string, any>;
    createdTime: number;
}

export interface Run {
    runId: number;
    jobId: number;
    numberInJob: number;
    lifeCycleState: "PENDING" | "RUNNING" | "TERMINATED" | "SKIPPED" | "INTERNAL_ERROR";
    resultState?: string;
    stateMessage: string;
    startTime: number;
    endTime?: number;
    /** Runs this run started through run_job_task tasks; cancelled with it. */
    childRunIds: number[];
    /** One run per task of the job (a job run's output is read per task run), with its notebook's exit value. */
    taskRuns: { taskKey: string; runId: number; result?: string }[];
}

const ACTIVE = new Set(["PENDING", "RUNNING"]);

/**
 * The Jobs API 2.2: create, get, list, reset, update, delete, run-now, runs list / get / cancel / cancel-all.
 * Job names are NOT unique in Databricks (the API takes any name, and jobs/list?name= can answer several jobs),
 * so a second job of the same name is accepted here too; what the API does refuse is below (tasks, clusters,
 * referenced jobs, limits). A missing job is 400 INVALID_PARAMETER_VALUE "Job <id> does not exist." as Databricks
 * answers it (the SDK's error override and the provider's wrapMissingJobError turn that into not-found).
 */
const MAX_TASKS = 1000;

export class Jobs {
    readonly jobs = new Map<number, Job>();
    readonly runs = new Map<number, Run>();
    private nextJobId = 1001;
    private nextRunId = 5001;

    constructor(
        private readonly compute: Compute,
        private readonly creator: string,
        private readonly host: () => string,
        /** Whether a pipeline exists, for pipeline tasks. */
        private readonly pipelineExists: (pipelineId: string) => boolean = () => true,
        /** A notebook task started, with its job's parameters as the run sees them (the generator writes tables). */
        private readonly notebookStarted: (parameters: Record<string, string>) => void = () => undefined,
    ) {}

    routes(router: Router): void {
        const api = String.raw`\/api\/2\.[12]\/jobs`;
        router.add("POST", new RegExp(`${api}/create`), (call) => {
            const { access_control_list: _acl, ...settings } = call.body;
            return { job_id: this.create(settings) };
        });
        router.add("GET", new RegExp(`${api}/get`), (call) => this.view(this.job(Number(queryParam(call, "job_id")))));
        router.add("GET", new RegExp(`${api}/list`), (call) => {
            const name = call.query.get("name");
            const jobs = [...this.jobs.values()].filter(
                (job) => name === null || String(job.settings.name ?? "").toLowerCase() === name.toLowerCase(),
            );
            return jobs.length === 0 ? { has_more: false } : { jobs: jobs.map((job) => this.view(job)), has_more: false };
        });
        router.add("POST", new RegExp(`${api}/reset`), (call) => {
            const job = this.job(Number(call.body.job_id));
            this.validate(call.body.new_settings ?? {});
            job.settings = { format: "MULTI_TASK", ...call.body.new_settings };
            return {};
        });
        router.add("POST", new RegExp(`${api}/update`), (call) => {
            const job = this.job(Number(call.body.job_id));
            const settings = { ...job.settings, ...(call.body.new_settings ?? {}) };
            for (const field of call.body.fields_to_remove ?? []) {
                delete settings[field];
            }
            this.validate(settings);
            job.settings = settings;
            return {};
        });
        router.add("POST", new RegExp(`${api}/delete`), (call) => {
            this.job(Number(call.body.job_id));
            // Deleting a job does not stop its runs (README): they keep going, and billing, until they end.
            this.jobs.delete(Number(call.body.job_id));
            return {};
        });
        router.add("POST", new RegExp(`${api}/run-now`), (call) => {
            refuseUnknownKeys(call.body, RUN_NOW_FIELDS, "jobs/run-now");
            const run = this.runNow(this.job(Number(call.body.job_id)), call.body.job_parameters ?? {});
            return { run_id: run.runId, number_in_job: run.numberInJob };
        });
        router.add("GET", new RegExp(`${api}/runs/list`), (call) => {
            const jobId = call.query.get("job_id");
            const activeOnly = call.query.get("active_only") === "true";
            const runs = [...this.runs.values()]
                .filter((run) => jobId === null || run.jobId === Number(jobId))
                .filter((run) => !activeOnly || ACTIVE.has(run.lifeCycleState))
                .sort((a, b) => b.runId - a.runId);
            return runs.length === 0 ? { has_more: false } : { runs: runs.map((run) => this.runView(run)), has_more: false };
        });
        router.add("GET", new RegExp(`${api}/runs/get`), (call) => {
            const run = this.runs.get(Number(queryParam(call, "run_id")));
            if (!run) {
                throw invalidParameter(`Run ${call.query.get("run_id")} does not exist.`);
            }
            return this.runView(run);
        });
        router.add("GET", new RegExp(`${api}/runs/get-output`), (call) => {
            const runId = Number(queryParam(call, "run_id"));
            if (this.runs.has(runId)) {
                // Even a one-task job's run (Jobs API 2.1+; databricks-sdk-py issue 997, apache/airflow PR 25427).
                throw invalidParameter(
                    "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.",
                );
            }
            const parent = [...this.runs.values()].find((run) => run.taskRuns.some((task) => task.runId === runId));
            const task = parent?.taskRuns.find((candidate) => candidate.runId === runId);
            if (!parent || !task) {
                throw invalidParameter(`Run ${runId} does not exist.`);
            }
            return {
                metadata: { ...this.runView(parent), run_id: runId, task_key: task.taskKey, tasks: undefined },
                ...(task.result === undefined ? {} : { notebook_output: { result: task.result, truncated: false } }),
            };
        });
        router.add("POST", new RegExp(`${api}/runs/cancel`), (call) => {
            const run = this.runs.get(Number(call.body.run_id));
            if (!run) {
                throw invalidParameter(`Run ${call.body.run_id} does not exist.`);
            }
            this.cancel(run);
            return {};
        });
        router.add("POST", new RegExp(`${api}/runs/cancel-all`), (call) => {
            const jobId = Number(call.body.job_id);
            this.job(jobId);
            [...this.runs.values()].filter((run) => run.jobId === jobId).forEach((run) => this.cancel(run));
            return {};
        });
    }

    /**
     * Ends an active run as its notebooks would: each task's `dbutils.notebook.exit` value (by task key), then the
     * run TERMINATED with `resultState`. For tests: the emulator runs no notebook.
     */
    finish(runId: number, results: Record<string, string>, resultState = "SUCCESS"): void {
        const run = this.runs.get(runId);
        if (!run || !ACTIVE.has(run.lifeCycleState)) {
            throw new Error(`run ${runId} is not active`);
        }
        run.taskRuns.forEach((task) => (task.result = results[task.taskKey]));
        Object.assign(run, { lifeCycleState: "TERMINATED", resultState, stateMessage: "", endTime: Date.now() });
    }

    /** Runs still queued or running (they hold the cluster, and bill). */
    activeRuns(): Run[] {
        return [...this.runs.values()].filter((run) => ACTIVE.has(run.lifeCycleState));
    }

    job(jobId: number): Job {
        const job = this.jobs.get(jobId);
        if (!job) {
            throw invalidParameter(`Job ${jobId} does not exist.`);
        }
        return job;
    }

    private create(settings: Record<string, any>): number {
        this.validate(settings);
        const jobId = this.nextJobId++;
        this.jobs.set(jobId, { jobId, settings: { format: "MULTI_TASK", ...settings }, createdTime: Date.now() });
        return jobId;
    }

    /** What the Jobs API refuses in settings. */
    private validate(settings: Record<string, any>): void {
        refuseUnknownKeys(settings, JOB_SETTINGS_FIELDS, "job settings");
        const maxConcurrentRuns = settings.max_concurrent_runs;
        if (
            maxConcurrentRuns !== undefined &&
            !(Number.isInteger(maxConcurrentRuns) && maxConcurrentRuns >= 0 && maxConcurrentRuns <= 1000)
        ) {
            throw invalidParameter(`max_concurrent_runs must be between 0 and 1000, got ${maxConcurrentRuns}`);
        }
        if (settings.timeout_seconds !== undefined && !(settings.timeout_seconds >= 0)) {
            throw invalidParameter(`timeout_seconds must not be negative, got ${settings.timeout_seconds}`);
        }
        const names = new Set<string>();
        for (const parameter of settings.parameters ?? []) {
            if (!parameter.name || parameter.default === undefined) {
                throw invalidParameter("Every job parameter needs a name and a default.");
            }
            if (names.has(parameter.name)) {
                throw invalidParameter(`Duplicate job parameter name: ${parameter.name}`);
            }
            names.add(parameter.name);
        }
        // Jobs API: "A job can contain up to 1000 tasks."
        if ((settings.tasks ?? []).length > MAX_TASKS) {
            throw invalidParameter(`A job can have at most ${MAX_TASKS} tasks, got ${settings.tasks.length}.`);
        }
        const jobClusters = jobClusterKeys(settings.job_clusters, this.compute);
        const keys = new Set<string>();
        for (const task of settings.tasks ?? []) {
            if (!task.task_key) {
                throw invalidParameter("Every task needs a task_key.");
            }
            if (keys.has(task.task_key)) {
                throw invalidParameter(`Task key ${task.task_key} is not unique.`);
            }
            keys.add(task.task_key);
            checkTaskCompute(task, jobClusters, this.compute);
            if (task.run_job_task) {
                this.job(Number(task.run_job_task.job_id));
            }
            if (task.pipeline_task && !this.pipelineExists(String(task.pipeline_task.pipeline_id))) {
                throw invalidParameter(`Pipeline ${task.pipeline_task.pipeline_id} does not exist.`);
            }
        }
        for (const task of settings.tasks ?? []) {
            for (const dependency of task.depends_on ?? []) {
                if (!keys.has(dependency.task_key)) {
                    throw invalidParameter(`Task ${task.task_key} depends on ${dependency.task_key}, which is not a task of the job.`);
                }
            }
        }
    }

    private runNow(job: Job, overrides: Record<string, string> = {}): Run {
        const active = [...this.runs.values()].filter((run) => run.jobId === job.jobId && ACTIVE.has(run.lifeCycleState));
        const limit = job.settings.max_concurrent_runs ?? 1;
        const runId = this.nextRunId++;
        const run: Run = {
            runId,
            jobId: job.jobId,
            numberInJob: runId,
            lifeCycleState: "RUNNING",
            stateMessage: "",
            startTime: Date.now(),
            childRunIds: [],
            taskRuns: [],
        };
        if (active.length >= limit && job.settings.queue?.enabled !== true) {
            // Over max_concurrent_runs without a queue, Databricks skips the run.
            Object.assign(run, {
                lifeCycleState: "SKIPPED",
                stateMessage: "Skipped: the job has reached its maximum number of concurrent runs",
                endTime: Date.now(),
            });
        }
        this.runs.set(runId, run);
        run.taskRuns = (job.settings.tasks ?? []).map((task: any) => ({ taskKey: String(task.task_key), runId: this.nextRunId++ }));
        if (run.lifeCycleState === "RUNNING") {
            const parameters = {
                ...Object.fromEntries((job.settings.parameters ?? []).map((parameter: any) => [parameter.name, String(parameter.default)])),
                ...overrides,
            };
            for (const task of job.settings.tasks ?? []) {
                const child = task.run_job_task && this.jobs.get(Number(task.run_job_task.job_id));
                if (child && !(task.depends_on ?? []).length) {
                    run.childRunIds.push(this.runNow(child, task.run_job_task.job_parameters ?? {}).runId);
                }
                if (task.notebook_task && !(task.depends_on ?? []).length) {
                    // Job parameters take precedence over a task's base parameters of the same name.
                    this.notebookStarted({ ...(task.notebook_task.base_parameters ?? {}), ...parameters });
                }
            }
        }
        return run;
    }

    private cancel(run: Run): void {
        if (ACTIVE.has(run.lifeCycleState)) {
            Object.assign(run, {
                lifeCycleState: "TERMINATED",
                resultState: "CANCELED",
                stateMessage: "Run cancelled.",
                endTime: Date.now(),
            });
        }
        run.childRunIds.forEach((childId) => {
            const child = this.runs.get(childId);
            if (child) {
                this.cancel(child);
            }
        });
    }

    private view(job: Job): object {
        return {
            job_id: job.jobId,
            creator_user_name: this.creator,
            run_as_user_name: this.creator,
            run_as_owner: true,
            created_time: job.createdTime,
            settings: job.settings,
        };
    }

    private runView(run: Run): object {
        return {
            run_id: run.runId,
            job_id: run.jobId,
            number_in_job: run.numberInJob,
            start_time: run.startTime,
            ...(run.endTime ? { end_time: run.endTime } : {}),
            state: {
                life_cycle_state: run.lifeCycleState,
                state_message: run.stateMessage,
                ...(run.resultState ? { result_state: run.resultState } : {}),
            },
            status: { state: run.lifeCycleState === "TERMINATED" ? "TERMINATED" : run.lifeCycleState },
            run_page_url: `${this.host()}/#job/${run.jobId}/run/${run.runId}`,
            trigger: "ONE_TIME",
            tasks: run.taskRuns.map((task) => ({
                task_key: task.taskKey,
                run_id: task.runId,
                state: { life_cycle_state: run.lifeCycleState, ...(run.resultState ? { result_state: run.resultState } : {}) },
            })),
        };
    }
}
