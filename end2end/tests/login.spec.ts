import { test, expect, user, waitForHydration } from "./fixtures";

test("signs in through the form and sees the signed-in state", async ({ page, consoleErrors }) => {
  await page.goto("/");
  await waitForHydration(page);

  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill(user.password);
  await form.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByTestId("signed-in-user")).toHaveText(`Signed in as ${user.name}`);
  await expect(page.getByTestId("credits")).toHaveText("10");

  // The session cookie keeps the user signed in across a reload.
  await page.reload();
  await expect(page.getByTestId("signed-in-user")).toHaveText(`Signed in as ${user.name}`);

  await waitForHydration(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("form", { name: "Sign in" })).toBeVisible();
});

test("shows a clear message for a wrong password", async ({ page, consoleErrors }) => {
  // The rejected login answers 422, which the browser reports as a failed resource.
  consoleErrors.allow(/status of 422/);
  await page.goto("/");
  await waitForHydration(page);
  const form = page.getByRole("form", { name: "Sign in" });
  await form.getByLabel("Username").fill(user.name);
  await form.getByLabel("Password").fill("not-the-password");
  await form.getByRole("button", { name: "Sign in" }).click();
  await expect(form.getByRole("alert")).toHaveText("wrong username or password");
});
