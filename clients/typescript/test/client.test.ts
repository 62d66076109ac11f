/** What the client puts on the wire, seen through a fetch stub (no server needed). */
import assert from "node:assert/strict";
import { test } from "node:test";

import { createUpskillClient, idempotent } from "../src/index.js";

function recorder(): { requests: Request[]; fetch: (input: Request) => Promise<Response> } {
  const requests: Request[] = [];
  const fetch = async (input: Request): Promise<Response> => {
    requests.push(input);
    return new Response(JSON.stringify({ items: [], next_cursor: null, total: null }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  return { requests, fetch };
}

test("sends the bearer token that getToken gives, and none without one", async () => {
  const { requests, fetch } = recorder();
  let token: string | undefined;
  const api = createUpskillClient({ baseUrl: "http://upskill.test/", getToken: () => token, fetch });

  await api.GET("/api/v1/departments");
  token = "abc.def";
  await api.GET("/api/v1/departments");

  assert.equal(requests[0]?.headers.get("Authorization"), null);
  assert.equal(requests[1]?.headers.get("Authorization"), "Bearer abc.def");
  assert.equal(requests[1]?.url, "http://upskill.test/api/v1/departments");
});

test("sends Idempotency-Key when given", async () => {
  const { requests, fetch } = recorder();
  const api = createUpskillClient({ baseUrl: "http://upskill.test", fetch });

  await api.POST("/api/v1/departments", { body: { name: "Data" }, ...idempotent("key-1") });
  await api.POST("/api/v1/departments", { body: { name: "Data" } });

  assert.equal(requests[0]?.headers.get("Idempotency-Key"), "key-1");
  assert.equal(requests[1]?.headers.get("Idempotency-Key"), null);
});

test("joins __in lists with commas, as the API reads them", async () => {
  const { requests, fetch } = recorder();
  const api = createUpskillClient({ baseUrl: "http://upskill.test", fetch });

  await api.GET("/api/v1/employees", { params: { query: { department_id__in: ["a", "b"], limit: 5 } } });

  const url = new URL(requests[0]?.url ?? "");
  assert.equal(url.searchParams.get("department_id__in"), "a,b");
  assert.equal(url.searchParams.get("limit"), "5");
});
