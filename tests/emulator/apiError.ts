/**
 * The error a Databricks REST endpoint answers with: an HTTP status and a JSON body `{error_code, message}`.
 * Every Databricks API (REST 2.0/2.1/2.2, Unity Catalog, SCIM aside) uses this shape; the Go SDK
 * (databricks-sdk-go `apierr`) maps `error_code` to its error types and `IsMissing` checks for 404.
 */
export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly errorCode: string,
        message: string,
    ) {
        super(message);
        this.name = "ApiError";
    }
}

/** 400 INVALID_PARAMETER_VALUE: a value the API refuses. */
export function invalidParameter(message: string): ApiError {
    return new ApiError(400, "INVALID_PARAMETER_VALUE", message);
}

/** 404 RESOURCE_DOES_NOT_EXIST (or a more specific code, as Unity Catalog sends). */
export function notFound(message: string, errorCode = "RESOURCE_DOES_NOT_EXIST"): ApiError {
    return new ApiError(404, errorCode, message);
}

/**
 * Keys outside the API's request schema. The allowed keys are the JSON fields of the request types of
 * databricks-sdk-go v0.175.0 (the SDK terraform-provider-databricks v1.128.0 is built on; the SDK is generated
 * from Databricks' OpenAPI spec), so a key outside them is one the API does not know.
 */
export function refuseUnknownKeys(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
    const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
        throw new ApiError(
            400,
            "MALFORMED_REQUEST",
            `Invalid JSON given in the body of the request - unknown field(s) ${unknown.map((key) => `'${key}'`).join(", ")} in ${what}`,
        );
    }
}

export function requireString(body: Record<string, unknown>, key: string, what: string): string {
    const value = body[key];
    if (typeof value !== "string" || value === "") {
        throw invalidParameter(`Missing required field: ${key} (${what})`);
    }
    return value;
}
