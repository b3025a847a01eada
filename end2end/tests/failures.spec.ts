import { test, expect, fixtures, open, signInAs, snapshot } from "./fixtures";

test("a running batch is cancelled from the page and waiting images are refunded", async ({ page, context }, info) => {
  await signInAs(context, "rich");
  await open(page, "/batch");
  const before = Number((await page.getByRole("banner").getByText(/credits$/).textContent())!.split(" ")[0]);
  await page.getByLabel("Choose folder").setInputFiles(`${fixtures}/twelve`);
  await expect(page.getByText("12 images", { exact: true }).first()).toBeVisible();
  await page.getByLabel("Prompt").fill("sepia, vintage");
  await page.getByRole("button", { name: "Start batch generation" }).click();
  await expect(page).toHaveURL(/\/batch\/\d+$/);

  await page.getByRole("button", { name: "Cancel batch" }).click();
  await expect(page.getByText("Cancel this batch? Images not started yet are refunded.")).toBeVisible();
  await page.getByRole("button", { name: "Yes, cancel" }).click();
  await expect(page.getByText(/Batch cancelled; \d+ credits refunded\./)).toBeVisible();
  const refunded = Number((await page.getByText(/Batch cancelled/).textContent())!.match(/(\d+) credits/)![1]);
  expect(refunded).toBeGreaterThan(0);
  await expect(page.getByRole("listitem", { name: /photo-11\.png/ }).getByText("cancelled")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel batch" })).toBeHidden();
  await expect(page.getByRole("banner").getByText(`${before - 12 + refunded} credits`)).toBeVisible();
  await snapshot(page, info, "batch-cancelled");
});

test("a failed image is retried from its card and completes", async ({ page, context }, info) => {
  await signInAs(context, "rich");
  await open(page, "/batch");
  await page.getByLabel("Choose folder").setInputFiles(`${fixtures}/small`);
  await page.getByLabel("Prompt").fill("grayscale, fail once");
  await page.getByRole("button", { name: "Start batch generation" }).click();
  await expect(page).toHaveURL(/\/batch\/\d+$/);

  const card = page.getByRole("listitem", { name: /img-0\.png/ });
  await expect(card.getByText("failed", { exact: true })).toBeVisible();
  await expect(card.getByText(/asked to fail/)).toBeVisible();
  await snapshot(page, info, "batch-failed");
  await card.getByRole("button", { name: "Retry" }).click();
  await expect(card.getByText("Task re-queued")).toBeVisible();
  await expect(card.getByText("completed", { exact: true })).toBeVisible();
  await expect(card.getByRole("button", { name: "Retry" })).toBeHidden();
});

test("a batch larger than the balance is refused before anything is charged", async ({ page, context }) => {
  await signInAs(context, "user");
  await open(page, "/batch");
  await expect(page.getByRole("banner").getByText("10 credits")).toBeVisible();
  await page.getByLabel("Choose folder").setInputFiles(`${fixtures}/twelve`);
  await page.getByLabel("Prompt").fill("sepia");
  await expect(page.getByText("Not enough credits: this batch needs 12 and you have 10.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Start batch generation" })).toBeDisabled();
  await page.reload();
  await expect(page.getByRole("banner").getByText("10 credits")).toBeVisible();
});
