import { test, expect, open, signInAs, snapshot } from "./fixtures";

test("the account page shows the balance, the credit history and the key settings", async ({ page, context }, info) => {
  await signInAs(context, "user");
  await open(page, "/account");
  await expect(page.getByRole("heading", { name: "Account" })).toBeVisible();
  await expect(page.getByTestId("balance")).toHaveText("10");
  const history = page.getByRole("table");
  await expect(history.getByRole("row").filter({ hasText: "starting credits" })).toContainText("+10");
  await expect(page.getByRole("heading", { name: "Your own API keys" })).toBeVisible();
  await expect(page.getByText("No provider on this server takes your own key.")).toBeVisible();
  await snapshot(page, info, "account");

  await page.getByRole("button", { name: "切换到中文" }).click();
  await expect(page.getByRole("heading", { name: "账户" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "原因" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "注册赠送" })).toBeVisible();
  await page.getByRole("button", { name: "Switch to English" }).click();
});

test("a missing batch is a 404 page", async ({ page, context, consoleErrors }) => {
  consoleErrors.allow(/status of 404/);
  await signInAs(context, "user");
  const answer = await page.goto("/batch/999999");
  expect(answer?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("Not found");
});

test("signing out everywhere ends this session and the account's API tokens", async ({ page }) => {
  // A fresh account: the shared ones' tokens are used by the other tests.
  const name = `everywhere-${Date.now()}`;
  const answer = await page.request.post("/api/auth/register", { data: { username: name, password: "password-123" } });
  expect(answer.ok()).toBeTruthy();
  const { token } = await answer.json();
  const script = await page.request.post("/api/auth/login", { data: { username: name, password: "password-123" } });
  const scriptToken = (await script.json()).token;

  await open(page, "/account");
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page.getByRole("form", { name: "Sign in" })).toBeVisible();
  for (const t of [token, scriptToken]) {
    const me = await page.request.get("/api/auth/me", { headers: { Authorization: `Bearer ${t}` } });
    expect(me.status()).toBe(401);
  }
});
