import { readFileSync, readdirSync } from "node:fs";
import { test, expect, fixtures, open, signInAs, snapshot } from "./fixtures";

const port = process.env.E2E_PORT ?? 3217;

/** Starts a batch for the rich account over the REST API, as a script would. */
async function startBatchAsRich(request: any, token: string) {
  const form = new FormData();
  for (const name of readdirSync(`${fixtures}/twelve`)) {
    form.append("images", new Blob([readFileSync(`${fixtures}/twelve/${name}`)]), name);
  }
  form.append("prompt", "black and white");
  form.append("model", "demo");
  form.append("batchName", "monitored batch");
  const answer = await request.post(`http://127.0.0.1:${port}/api/batch/create`, {
    headers: { authorization: `Bearer ${token}` },
    multipart: form,
  });
  expect(answer.ok()).toBeTruthy();
  return (await answer.json()).queueId as number;
}

test("an admin sets concurrency, curates presets, watches a batch, grants credits and reads charts", async ({
  page,
  context,
  browser,
  request,
}, info) => {
  const adminToken = await signInAs(context, "admin");
  await open(page, "/admin");
  await expect(page.getByRole("heading", { name: "Admin panel" })).toBeVisible();

  // Concurrency applies at once: the REST API sees it.
  await page.getByLabel("Concurrency").fill("5");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const config = await request.get(`http://127.0.0.1:${port}/api/admin/config/concurrency`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect((await config.json()).data.concurrency).toBe(5);

  // A new preset, moved to the top; another one disabled.
  const add = page.getByRole("form", { name: "Add preset" });
  await add.getByLabel("Title").fill("E2E watercolour");
  await add.getByLabel("Category").fill("style");
  await add.getByLabel("Content").fill("soft watercolour, e2e");
  await add.getByRole("button", { name: "Add preset" }).click();
  const created = page.getByTestId("admin-preset").filter({ hasText: "E2E watercolour" });
  await expect(created).toBeVisible();
  for (let i = 0; i < 3; i++) {
    await created.getByRole("button", { name: "Move up" }).click();
    await page.waitForTimeout(300);
  }
  await expect(page.getByTestId("admin-preset").first()).toContainText("E2E watercolour");
  const product = page.getByTestId("admin-preset").filter({ hasText: "Clean product shot" });
  await product.getByRole("button", { name: "Disable" }).click();
  await expect(product.getByRole("button", { name: "Enable" })).toBeVisible();

  // The batch page of a user shows the change.
  const userContext = await browser.newContext();
  const richToken = await signInAs(userContext, "rich");
  const userPage = await userContext.newPage();
  await open(userPage, "/batch");
  const options = await userPage.getByLabel("Preset").locator("option").allTextContents();
  expect(options[1]).toBe("E2E watercolour · style");
  expect(options).not.toContain("Clean product shot · product");

  // Monitoring follows a running batch until it completes, without a reload.
  const before = Number((await userPage.getByRole("banner").getByText(/credits$/).textContent())!.split(" ")[0]);
  const queueId = await startBatchAsRich(request, richToken);
  const monitor = page.getByTestId("monitor");
  const row = monitor.getByRole("row").filter({ hasText: `#${queueId} monitored batch` });
  await expect(row).toContainText("e2e-rich");
  await expect(row.getByText("completed")).toBeVisible({ timeout: 30_000 });

  // Credits granted show in the user's header.
  const users = page.getByTestId("users");
  const richRow = users.getByRole("row").filter({ hasText: "e2e-rich" });
  await richRow.getByRole("spinbutton").fill("7");
  await richRow.getByRole("button", { name: "Grant" }).click();
  await expect(page.getByText(`e2e-rich now has ${before - 12 + 7} credits.`)).toBeVisible();
  await userPage.reload();
  await expect(userPage.getByRole("banner").getByText(`${before - 12 + 7} credits`)).toBeVisible();
  await userContext.close();

  // The statistics draw their charts.
  await page.reload();
  const charts = page.getByTestId("charts");
  await expect(charts.getByRole("img", { name: "Images per day" })).toBeVisible();
  await expect(charts.getByRole("img", { name: /Success rate/ })).toBeVisible();
  await expect(charts.getByRole("img", { name: "Mean processing time" })).toBeVisible();
  await expect(charts.getByRole("img", { name: "Credits spent" })).toBeVisible();
  await snapshot(page, info, "admin");
  // Drawn on the server, the charts follow a switch of language without a reload.
  await page.getByRole("button", { name: "切换到中文" }).click();
  await expect(charts.getByRole("img", { name: "每日图片数" })).toBeVisible();
  await expect(charts.getByRole("img", { name: /成功率/ })).toBeVisible();
  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(charts.getByRole("img", { name: "Images per day" })).toBeVisible();

  await page.getByLabel("Concurrency").fill("3");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
});

test("a member is kept out of the admin pages", async ({ page, context, request, consoleErrors }) => {
  // The page itself answers 403, which the browser reports as a failed resource.
  consoleErrors.allow(/status of 403/);
  await signInAs(context, "user");
  await open(page, "/admin");
  await expect(page.getByText("This page is for administrators.")).toBeVisible();
  const answer = await request.get(`http://127.0.0.1:${port}/admin`, { headers: { cookie: `imgbatch_session=${process.env.E2E_USER_TOKEN}` } });
  expect(answer.status()).toBe(403);
});
