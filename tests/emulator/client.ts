/** What the emulator's tests share: one authenticated JSON call against a running emulator. */

export interface ApiAnswer {
    status: number;
    body: any;
}

/** `call(method, path, body?)` against the emulator at `base()` (read at each call: it starts in beforeEach). */
export function emulatorCaller(base: () => string, token: string): (method: string, path: string, body?: unknown) => Promise<ApiAnswer> {
    return async (method, path, body) => {
        const response = await fetch(`${base()}${path}`, {
            method,
            headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : {} };
    };
}
