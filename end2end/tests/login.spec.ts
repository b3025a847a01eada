import { test, expect, user, waitForHydration } from "./fixtures";

test("signs in through the form and sees the signed-in state", async ({ page, consoleErrors }) => {
  await page.goto("/login");
  await waitForHydration(page);

  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/batch$/);
  const header = page.getByRole("banner");
  await expect(header.getByText(user.name, { exact: true })).toBeVisible();
  await expect(header.getByText("10 credits")).toBeVisible();

  // The session cookie keeps the user signed in across a reload.
  await page.reload();
  await expect(header.getByText(user.name, { exact: true })).toBeVisible();

  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto("/batch");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("form", { name: "Sign in" })).toBeVisible();
});

test("shows a clear message for a wrong password", async ({ page, consoleErrors }) => {
  // The rejected login answers 401, which the browser reports as a failed resource.
  consoleErrors.allow(/status of 401/);
  await page.goto("/login");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill("not-the-password");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(form.getByRole("alert")).toHaveText("Wrong username or password.");
});

test("a taken username is refused in the registration form, which stays open", async ({ page, consoleErrors }) => {
  // The refused registration answers 409, which the browser reports as a failed resource.
  consoleErrors.allow(/status of 409/);
  await page.goto("/login");
  await waitForHydration(page);
  await page.getByRole("tab", { name: "Create account" }).click();
  const form = page.getByRole("form", { name: "Create account" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill("another-password-1");
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(form.getByRole("alert")).toHaveText(`The username '${user.name}' is already taken; choose another.`);
  await expect(form.getByLabel("Username")).toHaveValue(user.name);
  await expect(form.getByText("3–32 letters, digits, _, - or .")).toBeVisible();
});
