import * as assert from "assert";
import { emulatorCaller } from "./client";
import { WorkspaceEmulator } from "./server";

const TOKEN = `dapi${"5c3d".repeat(8)}`;

/** A job cluster as `cluster.kind: job` declares it (the provider's request, in the Jobs API's JSON). */
const NEW_CLUSTER = {
    spark_version: "16.4.x-scala2.12",
    node_type_id: "i3.xlarge",
    num_workers: 0,
    autoscale: { min_workers: 1, max_workers: 2 },
    data_security_mode: "USER_ISOLATION",
    custom_tags: { project: "streambench", stack: "jobs" },
};
const PHASES = [{ phase: "baseline", table_name_format: "stream_table_{stream_id:03d}", first_stream_id: 1, stream_count: 2 }];

/** A job of notebook tasks on one shared job cluster: what the Jobs API takes, and what it refuses. */
describe("workspace emulator: jobs on a job cluster", () => {
    let emulator: WorkspaceEmulator;
    let url: string;

    const call = emulatorCaller(() => url, TOKEN);

    const task = (taskKey: string, extra: Record<string, unknown> = {}) => ({
        task_key: taskKey,
        job_cluster_key: "benchmark",
        notebook_task: {
            notebook_path: "/x",
            base_parameters: { catalog: "main", schema: "bench_j", phases_json: JSON.stringify(PHASES) },
        },
        ...extra,
    });
    const create = (settings: Record<string, unknown>) =>
        call("POST", "/api/2.2/jobs/create", {
            name: "timeline",
            job_clusters: [{ job_cluster_key: "benchmark", new_cluster: NEW_CLUSTER }],
            tasks: [task("baseline")],
            ...settings,
        });

    beforeEach(async () => {
        emulator = new WorkspaceEmulator({ tokens: [TOKEN], log: () => undefined });
        url = await emulator.start();
    });
    afterEach(() => emulator.stop());

    it("takes tasks on one shared job cluster, keeps it in the settings, creates no cluster, and a run writes where the task's parameters say", async () => {
        assert.strictEqual((await call("POST", "/api/2.1/unity-catalog/schemas", { catalog_name: "main", name: "bench_j" })).status, 200);
        const created = await create({ tasks: [task("analyze", { depends_on: [{ task_key: "baseline" }] }), task("baseline")] });
        assert.strictEqual(created.status, 200, JSON.stringify(created.body));
        const job = await call("GET", `/api/2.2/jobs/get?job_id=${created.body.job_id}`);
        assert.deepStrictEqual(job.body.settings.job_clusters, [{ job_cluster_key: "benchmark", new_cluster: NEW_CLUSTER }]);
        assert.strictEqual(emulator.compute.clusters.size, 0);
        assert.strictEqual((await call("POST", "/api/2.2/jobs/run-now", { job_id: created.body.job_id })).status, 200);
        assert.deepStrictEqual(emulator.catalog.tables.get("main.bench_j"), [
            "main.bench_j.stream_table_001",
            "main.bench_j.stream_table_002",
        ]);
    });

    const refusals: [string, Record<string, unknown>, RegExp][] = [
        [
            "a task on a job cluster the job does not declare",
            { tasks: [task("baseline", { job_cluster_key: "other" })] },
            /Job cluster 'other' is not defined in field 'job_clusters'/,
        ],
        [
            "a task on both an existing cluster and a job cluster",
            { tasks: [task("baseline", { existing_cluster_id: "0101-000000-emu00001" })] },
            /only one of job_cluster_key, new_cluster or existing_cluster_id .* existing_cluster_id and job_cluster_key/,
        ],
        [
            "two job clusters of one key",
            {
                job_clusters: [
                    { job_cluster_key: "benchmark", new_cluster: NEW_CLUSTER },
                    { job_cluster_key: "benchmark", new_cluster: NEW_CLUSTER },
                ],
            },
            /Job cluster key benchmark is not unique/,
        ],
        [
            "a job cluster without a key",
            { job_clusters: [{ new_cluster: NEW_CLUSTER }] },
            /Missing required field: job_clusters\[0\]\.job_cluster_key/,
        ],
        [
            "a job cluster without a cluster",
            { job_clusters: [{ job_cluster_key: "benchmark" }] },
            /Missing required field: job_clusters\[0\]\.new_cluster/,
        ],
        [
            "equal autoscale bounds on the job cluster",
            {
                job_clusters: [
                    { job_cluster_key: "benchmark", new_cluster: { ...NEW_CLUSTER, autoscale: { min_workers: 2, max_workers: 2 } } },
                ],
            },
            /maximum number of workers \(2\) must be greater than the minimum number of workers \(2\)/,
        ],
        [
            "a job cluster of unknown runtime",
            { job_clusters: [{ job_cluster_key: "benchmark", new_cluster: { ...NEW_CLUSTER, spark_version: "9.9.x-scala2.12" } }] },
            /Invalid spark version 9\.9\.x-scala2\.12/,
        ],
        [
            "a job cluster without a size",
            {
                job_clusters: [
                    { job_cluster_key: "benchmark", new_cluster: { ...NEW_CLUSTER, num_workers: undefined, autoscale: undefined } },
                ],
            },
            /Missing required field: settings\.job_clusters\[0\]\.new_cluster\.size/,
        ],
        [
            "SINGLE_USER on a job cluster without a user",
            { job_clusters: [{ job_cluster_key: "benchmark", new_cluster: { ...NEW_CLUSTER, data_security_mode: "SINGLE_USER" } }] },
            /single_user_name must be set/,
        ],
    ];
    for (const [what, settings, message] of refusals) {
        it(`refuses ${what} (400 INVALID_PARAMETER_VALUE), on create and on reset`, async () => {
            const refused = await create(settings);
            assert.strictEqual(refused.status, 400, JSON.stringify(refused.body));
            assert.strictEqual(refused.body.error_code, "INVALID_PARAMETER_VALUE");
            assert.match(refused.body.message, message);
            const created = await create({});
            assert.strictEqual(created.status, 200, JSON.stringify(created.body));
            const reset = await call("POST", "/api/2.2/jobs/reset", {
                job_id: created.body.job_id,
                new_settings: {
                    name: "timeline",
                    job_clusters: [{ job_cluster_key: "benchmark", new_cluster: NEW_CLUSTER }],
                    tasks: [task("baseline")],
                    ...settings,
                },
            });
            assert.strictEqual(reset.status, 400);
            assert.match(reset.body.message, message);
        });
    }

    it("refuses a field the Jobs API's job cluster does not know (clone_from is the Clusters API's only)", async () => {
        const refused = await create({
            job_clusters: [{ job_cluster_key: "benchmark", new_cluster: { ...NEW_CLUSTER, clone_from: { source_cluster_id: "x" } } }],
        });
        assert.strictEqual(refused.status, 400);
        assert.strictEqual(refused.body.error_code, "MALFORMED_REQUEST");
        assert.match(refused.body.message, /unknown field\(s\) 'clone_from' in job_clusters\[0\]\.new_cluster/);
    });
});
