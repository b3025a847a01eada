import { test, expect, user } from "./fixtures";

test.use({ javaScriptEnabled: false });

test("signing in works before the WebAssembly has loaded", async ({ page }) => {
  await page.goto("/batch");
  await expect(page).toHaveURL(/\/login$/);
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/batch$/);
  await expect(page.getByRole("banner").getByText(user.name, { exact: true })).toBeVisible();
  await expect(page.getByLabel("Prompt")).toBeVisible();
});
