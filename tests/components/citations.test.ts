import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../config/stackFile";

/** Every TypeScript file under `folder`, relative to the project. */
function typeScriptFiles(folder: string): string[] {
    return fs
        .readdirSync(path.join(PROJECT_DIR, folder), { withFileTypes: true })
        .flatMap((entry) =>
            entry.isDirectory()
                ? typeScriptFiles(path.join(folder, entry.name))
                : entry.name.endsWith(".ts")
                  ? [path.join(folder, entry.name)]
                  : [],
        );
}

describe("the components' comments", () => {
    it("cite only Python files that exist (a reader follows them to the code that holds the same contract)", () => {
        const missing = typeScriptFiles("components").flatMap((file) =>
            [...fs.readFileSync(path.join(PROJECT_DIR, file), "utf8").matchAll(/notebooks\/[\w/.-]+\.py/g)]
                .map((match) => match[0])
                .filter((cited) => !fs.existsSync(path.join(PROJECT_DIR, cited)))
                .map((cited) => `${file} cites ${cited}`),
        );
        assert.deepStrictEqual(missing, []);
    });
});
