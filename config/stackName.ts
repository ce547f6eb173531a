/**
 * Stack names, and how they appear in workspace and Unity Catalog names.
 *
 * Two distinct stacks must never share a schema, folder, cluster or job, whatever their names: `Prod` and `prod`,
 * `my-stack` and `my_stack` are different Pulumi stacks. Unity Catalog stores names lower-cased and takes only
 * letters, digits and underscores, so a plain "lower-case, `-` → `_`" would map those pairs onto one schema.
 * Both mappings below are injective (two distinct stack names never give one result) and documented in docs/design.md (Isolation):
 *
 * - A *plain* stack name (lower-case letters and digits, words joined by single hyphens: `prod`, `my-stack`) stays
 *   as it is in workspace names and has `-` → `_` in Unity Catalog names (`my_stack`). No plain name holds `_`,
 *   so this is one-to-one.
 * - Any other name is escaped behind a leading `_`, which no plain name starts with: letters and digits stay,
 *   `_` → `__`, `-` → `_h`, `.` → `_p`, an upper-case letter → `_u` + the letter (`Prod` → `__uprod`,
 *   `my_stack` → `_my__stack`). Every escape starts with `_` and its next character says which one it is, so the
 *   result reads back to exactly one name.
 */

/**
 * Pulumi's own rule for a stack name: "stack names are limited to 100 characters and may only contain
 * alphanumeric, hyphens, underscores, or periods" (the Pulumi CLI's validation message).
 */
export const STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

const PLAIN_STACK_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const ESCAPES: Record<string, string> = { _: "__", "-": "_h", ".": "_p" };

/** Why `stack` is not a Pulumi stack name, or undefined when it is one. The name is quoted, never echoed raw. */
export function stackNameProblem(stack: string): string | undefined {
    if (STACK_NAME_PATTERN.test(stack) && stack !== "." && stack !== "..") {
        return undefined;
    }
    return (
        `${JSON.stringify(stack)} is not a Pulumi stack name: at most 100 characters, ` +
        "only letters, digits, hyphens, underscores and periods"
    );
}

/** Throws when `stack` is not a Pulumi stack name (before it reaches a file path or a resource name). */
export function assertStackName(stack: string): void {
    const problem = stackNameProblem(stack);
    if (problem) {
        throw new Error(problem);
    }
}

function escaped(stack: string): string {
    return `_${[...stack].map((char) => ESCAPES[char] ?? (/[A-Z]/.test(char) ? `_u${char.toLowerCase()}` : char)).join("")}`;
}

/** The stack as it appears in workspace names (cluster, jobs, folder): `prod`, `my-stack`, `__uprod`. */
export function stackNameSuffix(stack: string): string {
    assertStackName(stack);
    return PLAIN_STACK_NAME.test(stack) ? stack : escaped(stack);
}

/** The stack as it appears in a Unity Catalog name (the schema): `prod`, `my_stack`, `__uprod`. */
export function stackSlug(stack: string): string {
    return stackNameSuffix(stack).replace(/-/g, "_");
}
