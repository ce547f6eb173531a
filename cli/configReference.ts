/** `npm run docs:config`: writes docs/config.md from the config schema. */
import * as fs from "fs";
import * as path from "path";
import { configReference } from "../config/reference";
import { PROJECT_DIR } from "../config/stackFile";

export const CONFIG_REFERENCE_PAGE = path.join(PROJECT_DIR, "docs", "config.md");

if (require.main === module) {
    fs.writeFileSync(CONFIG_REFERENCE_PAGE, configReference());
    console.log(`wrote ${path.relative(process.cwd(), CONFIG_REFERENCE_PAGE)}`);
}
