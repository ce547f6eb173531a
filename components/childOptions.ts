import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a resource a component declares: parented to the component, and depending on what the component was
 * told to depend on.
 *
 * Why: `@pulumi/pulumi` (3.248) passes a component's `dependsOn` to none of its children. A child waits for its
 * parent's registration, so creation is ordered anyway, but the engine records no dependency from the child to what
 * the component depends on, and deletes and replacements follow recorded dependencies. Depending on a component, on
 * the other hand, does depend on all its children (pulumi/pulumi#7732, #7788), so `dependsOn: [storage]` reaches
 * the schema and the volume. This helper is the one place the component's dependencies reach its children: the
 * jobs and the pipeline write into the schema and the volume and must be deleted before them.
 */
export function childOptions(component: pulumi.ComponentResource, opts?: pulumi.ComponentResourceOptions): pulumi.CustomResourceOptions {
    return opts?.dependsOn === undefined ? { parent: component } : { parent: component, dependsOn: opts.dependsOn };
}
