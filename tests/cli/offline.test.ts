import * as assert from "assert";
import { loadStackFile } from "../../config/stackFile";
import { countByType, customResources, evaluateProgram } from "../../cli/offline";

describe("the offline evaluation", () => {
    it("records the program's components apart from the resources they declare", async () => {
        const dev = await evaluateProgram("dev", loadStackFile("dev"));
        assert.ifError(dev.error);
        const components = dev.resources.filter((resource) => !resource.custom);
        assert.ok(
            components.some((component) => component.type === "streambench:index:StreamingBenchmark" && component.name === "streambench"),
        );
        assert.ok(
            components.every((component) => component.type.startsWith("streambench:index:")),
            JSON.stringify(components.map((component) => component.type)),
        );
        const custom = customResources(dev);
        assert.ok(custom.length > 0);
        assert.ok(
            custom.every((resource) => !resource.type.startsWith("streambench:index:")),
            JSON.stringify(custom.map((resource) => resource.type)),
        );
    });

    it("counts resources by type", () => {
        assert.deepStrictEqual(countByType([{ type: "t:index:Thing" }, { type: "t:index:Thing" }, { type: "t:index:Other" }]), {
            "t:index:Thing": 2,
            "t:index:Other": 1,
        });
    });
});
