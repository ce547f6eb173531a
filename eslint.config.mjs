// Lint for the TypeScript: typescript-eslint's recommended rules, with the checks the type checker already makes
// (unused names, under tsconfig's noUnused*) left to it. Formatting is Prettier's (npm run format).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".venv/", ".venv-ops/", ".venv-connect/", ".streambench/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": "off",
            // Pulumi inputs and provider answers are untyped JSON in places (mocks, the emulator, the policy pack).
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
            // Terminal escapes are stripped on purpose (the ops CLI never prints what a server sends raw).
            "no-control-regex": "off",
        },
    },
);
