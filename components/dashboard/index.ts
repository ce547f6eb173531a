import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { dashboardDefinition } from "./definition";
import { ScalingPlan } from "../../plan/types";
import { childOptions } from "../childOptions";

export interface ScalingDashboardArgs {
    /** The plan the dashboard's queries and target lines are generated from. */
    plan: ScalingPlan;
    /** SQL warehouse that runs the dashboard's queries. */
    warehouseId: string;
    /** The stack's workspace folder. */
    parentPath: pulumi.Input<string>;
    /** The workspace URL, for the dashboard's link. */
    workspaceUrl: pulumi.Input<string>;
}

/** The AI/BI (Lakeview) dashboard: throughput by stream type against the target, workers over time, results per window. */
export class ScalingDashboard extends pulumi.ComponentResource {
    public readonly dashboardId: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: ScalingDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("streambench:index:ScalingDashboard", name, {}, opts);

        const dashboard = new databricks.Dashboard(
            `${name}-dashboard`,
            {
                displayName: `${args.plan.resourcePrefix} scaling`,
                warehouseId: args.warehouseId,
                parentPath: args.parentPath,
                serializedDashboard: dashboardDefinition(args.plan).serialized,
            },
            childOptions(this, opts),
        );

        this.dashboardId = dashboard.dashboardId;
        this.url = pulumi.interpolate`${args.workspaceUrl}/sql/dashboardsv3/${dashboard.dashboardId}`;
        this.registerOutputs({ dashboardId: this.dashboardId, url: this.url });
    }
}
