/**
 * `npm run docs:config`: writes what is generated from the schemas: docs/config.md from the config schema, and the
 * run spec's JSON Schema beside the Python package that reads run specs. A test fails when either is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { configReference } from "../config/reference";
import { PROJECT_DIR } from "../config/stackFile";
import { runSpecJsonSchema } from "../plan/runSpec";

export const CONFIG_REFERENCE_PAGE = path.join(PROJECT_DIR, "docs", "config.md");
export const RUN_SPEC_SCHEMA_FILE = path.join(PROJECT_DIR, "notebooks", "streambench", "run_spec.schema.json");

if (require.main === module) {
    fs.writeFileSync(CONFIG_REFERENCE_PAGE, configReference());
    fs.writeFileSync(RUN_SPEC_SCHEMA_FILE, runSpecJsonSchema());
    for (const file of [CONFIG_REFERENCE_PAGE, RUN_SPEC_SCHEMA_FILE]) {
        console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
}
