/** The tests evaluate the program through the same offline evaluation as `npm run plan` and `npm run bench`. */
import { loadStackFile } from "../config/stackFile";

export { Declared, Evaluation, OFFLINE_VALUES, customResources, evaluateProgram, ofType, promiseOf } from "../cli/offline";
export { loadStackFile };

/** A stack file's config with run-on-deploy on, against a workspace host, and with a token when one is given. */
export function runOnDeployConfig(stack: string, token?: string): Record<string, string> {
    return {
        ...loadStackFile(stack),
        "streambench:runOnDeploy": "true",
        "databricks:host": "https://dbc-1.cloud.databricks.com",
        ...(token === undefined ? {} : { "databricks:token": token }),
    };
}
