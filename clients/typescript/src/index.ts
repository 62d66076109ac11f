/**
 * A typed client of the Upskill API: `openapi-fetch` over the types that `openapi-typescript`
 * generated from the committed `openapi.json` (`src/schema.d.ts`; regenerate with `make openapi`).
 *
 * Every call is checked against the document at compile time: paths, path/query parameters,
 * request bodies and the response of each status.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type UpskillClient = Client<paths>;

/** The header that makes a `POST` safe to retry (the first outcome is replayed). */
export const IDEMPOTENCY_KEY = "Idempotency-Key";

export interface UpskillClientOptions {
  /** Where the API is served, without `/api/v1`: e.g. `https://upskill.example.com`. */
  baseUrl: string;
  /**
   * The current access token, or null/undefined when there is none (public calls, or before
   * logging in). Called before every request, so a token refreshed elsewhere is picked up.
   */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** A fetch implementation (tests, server-side rendering); the global `fetch` by default. */
  fetch?: (input: Request) => Promise<Response>;
}

/** The options of a call that carries an idempotency key: spread into the call's options. */
export function idempotent(key: string = crypto.randomUUID()): { headers: Record<string, string> } {
  return { headers: { [IDEMPOTENCY_KEY]: key } };
}

/** A client that sends `Authorization: Bearer <token>` whenever `getToken` gives one. */
export function createUpskillClient(options: UpskillClientOptions): UpskillClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    // The `__in` filters are comma-separated lists (`style: form`, `explode: false`): ?id__in=a,b
    querySerializer: { array: { style: "form", explode: false } },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const getToken = options.getToken;
  if (getToken) {
    const bearer: Middleware = {
      async onRequest({ request }) {
        const token = await getToken();
        if (token && !request.headers.has("Authorization")) {
          request.headers.set("Authorization", `Bearer ${token}`);
        }
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}

/** Log in with the password grant: the token pair, or the problem the server answered. */
export async function login(
  client: UpskillClient,
  username: string,
  password: string,
): Promise<Schemas["TokenResponse"]> {
  const { data, error, response } = await client.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username, password },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (data === undefined) {
    throw new UpskillError(response.status, error);
  }
  return data;
}

/** A call that did not succeed: its status and the body (a problem, or an OAuth error). */
export class UpskillError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const detail =
      typeof body === "object" && body !== null && "detail" in body
        ? String((body as { detail: unknown }).detail)
        : JSON.stringify(body);
    super(`Upskill answered ${status}: ${detail}`);
    this.name = "UpskillError";
  }
}
