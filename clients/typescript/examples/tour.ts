/**
 * The README's first tour through the typed client: log in, list employees, read a department's
 * coverage and an employee's recommendations.
 *
 *   UPSKILL_URL=http://127.0.0.1:8000 node build/examples/tour.js
 *
 * Logs in as the demo manager unless UPSKILL_USERNAME / UPSKILL_PASSWORD say otherwise.
 */
import { createUpskillClient, login, UpskillError } from "../src/index.js";

const baseUrl = process.env["UPSKILL_URL"] ?? "http://127.0.0.1:8000";
const username = process.env["UPSKILL_USERNAME"] ?? "manager@upskill.example";
const password = process.env["UPSKILL_PASSWORD"] ?? "demo-Manager-2026!";

let token: string | undefined;
const api = createUpskillClient({ baseUrl, getToken: () => token });

function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new UpskillError(result.response.status, result.error);
  }
  return result.data;
}

async function main(): Promise<void> {
  // 1. Log in (password grant); every later call carries the bearer token.
  token = (await login(api, username, password)).access_token;
  const me = ok(await api.GET("/api/v1/auth/me"));
  console.log(`logged in as ${me.email} (${me.role})`);

  // 2. A page of employees, sorted by name, with the total.
  const employees = ok(await api.GET("/api/v1/employees", { params: { query: { limit: 5, count: true } } }));
  console.log(`employees: ${employees.total ?? "?"} in all; first page:`);
  for (const employee of employees.items) {
    console.log(`  ${employee.full_name} <${employee.email}>`);
  }

  // 3. The coverage of the caller's department (or of the first employee's).
  const first = employees.items[0];
  const employeeId = me.employee_id ?? first?.id;
  if (employeeId === undefined) {
    console.log("no employee to look at");
    return;
  }
  const employee = ok(await api.GET("/api/v1/employees/{id}", { params: { path: { id: employeeId } } }));
  const coverage = ok(
    await api.GET("/api/v1/departments/{id}/coverage", { params: { path: { id: employee.department_id } } }),
  );
  const colleagues = ok(
    await api.GET("/api/v1/employees", {
      params: { query: { department_id__in: [employee.department_id], count: true, limit: 1 } },
    }),
  );
  console.log(`${colleagues.total ?? "?"} employees in ${employee.full_name}'s department`);
  const open = coverage.requirements.filter((r) => r.open);
  console.log(`coverage of department ${coverage.department_id} on ${coverage.on}: ${coverage.requirements.length} requirements, ${open.length} open`);
  for (const r of open.slice(0, 3)) {
    console.log(`  competency ${r.competency_id} at level ${r.level}: ${r.covered}/${r.headcount} covered, gap ${r.gap}`);
  }

  // 4. The courses recommended to that employee, and why.
  const recommendations = ok(
    await api.GET("/api/v1/employees/{id}/recommendations", {
      params: { path: { id: employee.id }, query: { limit: 3 } },
    }),
  );
  console.log(`recommendations for ${employee.full_name}:`);
  for (const r of recommendations.items) {
    console.log(`  ${r.score.toFixed(3)}  ${r.course.title}  (gap ${r.factors.gap.contribution.toFixed(3)}, rating ${r.factors.rating.contribution.toFixed(3)})`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
