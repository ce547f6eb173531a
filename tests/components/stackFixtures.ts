/** What the stack tests share: the resource types, the phase jobs and their parameters, a stack evaluated once. */
import * as assert from "assert";
import { Evaluation, OFFLINE_VALUES, evaluateProgram, loadStackFile, ofType } from "../mocks";

export const USER_HOME = OFFLINE_VALUES.userHome;

export const CLUSTER = "databricks:index/cluster:Cluster";
export const JOB = "databricks:index/job:Job";
export const COMMAND = "command:local:Command";

/** The three phase jobs: the jobs that run the generator. */
export function phaseJobs(evaluation: Evaluation) {
    return ofType(evaluation, JOB).filter((job) => job.inputs.tasks[0].taskKey === "generate");
}

export function jobByPhase(evaluation: Evaluation, phase: string) {
    const job = ofType(evaluation, JOB).find((resource) => resource.inputs.name.endsWith(`-${phase}`));
    assert.ok(job, `no job for phase ${phase}`);
    return job.inputs;
}

export function parameters(job: Record<string, any>): Record<string, string> {
    return Object.fromEntries(job.parameters.map((parameter: { name: string; default: string }) => [parameter.name, parameter.default]));
}

/** A phase job's entry of its phases document: its streams and tables. */
export function ownPhaseEntry(values: Record<string, string>): {
    phase: string;
    table_name_format: string;
    first_stream_id: number;
    stream_count: number;
} {
    const entry = JSON.parse(values.phases_json).find((candidate: { phase: string }) => candidate.phase === values.phase);
    assert.ok(entry, `no phases_json entry for ${values.phase}`);
    return entry;
}

/**
 * The program evaluated for a stack's own stack file once, before the tests of the block that calls this (which
 * read it only inside their tests).
 */
export function evaluatedBefore(stack: string): Evaluation {
    const evaluation = {} as Evaluation;
    before(async () => {
        Object.assign(evaluation, await evaluateProgram(stack, loadStackFile(stack)));
        assert.ifError(evaluation.error);
    });
    return evaluation;
}
