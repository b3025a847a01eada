import { request, type FullConfig } from "@playwright/test";

/**
 * Signs the prepared accounts in once over the REST API and hands their tokens to the tests, so
 * that the tests stay far below the sign-in rate limit.
 */
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0].use.baseURL!;
  const context = await request.newContext({ baseURL });
  const password = process.env.E2E_PASSWORD ?? "e2e-password-1";
  const accounts: Record<string, string> = {
    E2E_USER_TOKEN: process.env.E2E_USER ?? "e2e-user",
    E2E_RICH_TOKEN: process.env.E2E_RICH ?? "e2e-rich",
    E2E_ADMIN_TOKEN: process.env.E2E_ADMIN ?? "e2e-admin",
  };
  for (const [variable, username] of Object.entries(accounts)) {
    const answer = await context.post("/api/auth/login", { data: { username, password } });
    if (!answer.ok()) throw new Error(`cannot sign in ${username}: ${answer.status()}`);
    process.env[variable] = (await answer.json()).token;
  }
  await context.dispose();
}
