import * as assert from "assert";
import * as fs from "fs";
import { CONFIG_REFERENCE_PAGE } from "../../cli/configReference";
import { configReference } from "../../config/reference";

describe("the config reference (docs/config.md)", () => {
    it("is the page the schema generates: run `npm run docs:config` after changing config/schema.ts", () => {
        assert.strictEqual(fs.readFileSync(CONFIG_REFERENCE_PAGE, "utf8"), configReference());
    });

    it("lists every key with its default and description, nested keys by their `pulumi config set --path` name", () => {
        const page = configReference();
        assert.match(page, /\| `streambench:cluster\.maxWorkers` \| whole number \| `8` \| 2 to 10000 \| Autoscale upper bound;/);
        assert.match(page, /\| `streambench:cluster\.dataSecurityMode` \| string \| `"USER_ISOLATION"` \| `USER_ISOLATION`, `SINGLE_USER`/);
        assert.match(page, /\| `streambench:warehouseId` \| string \| unset \| `\^\[0-9a-f\]\{16\}\$`/);
        for (const line of page.split("\n").filter((row) => row.startsWith("| `streambench:"))) {
            assert.ok(!line.trimEnd().endsWith("|  |"), `no description: ${line}`);
        }
    });
});
