/** Request bodies as the emulator reads them. */
import * as http from "http";

export function readBody(request: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => resolve(Buffer.concat(chunks)));
        request.on("error", reject);
    });
}

/** JSON, or the fields of a multipart/form-data upload (the SDK's workspace Upload sends one for format=RAW). */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
    if (raw.length === 0) {
        return undefined;
    }
    const boundary = /multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? "")?.[1];
    if (!boundary) {
        return JSON.parse(raw.toString("utf8"));
    }
    const fields: Record<string, string | boolean> = {};
    for (const part of raw.toString("latin1").split(`--${boundary}`)) {
        const separator = part.indexOf("\r\n\r\n");
        const name = /name="([^"]+)"/.exec(part.slice(0, separator))?.[1];
        if (separator < 0 || !name) {
            continue;
        }
        const value = Buffer.from(part.slice(separator + 4).replace(/\r\n$/, ""), "latin1");
        // The file part is the content itself; JSON imports send it base64-encoded, so keep one encoding.
        fields[name] = name === "content" ? value.toString("base64") : value.toString("utf8");
    }
    return fields;
}
