import { test, expect, fixtures, open, signInAs } from "./fixtures";

test("a batch is deleted from its page after a confirmation and leaves the history", async ({ page, context }) => {
  await signInAs(context, "rich");
  await open(page, "/batch");
  const name = `To delete ${Date.now()}`;
  await page.getByLabel("Choose folder").setInputFiles(`${fixtures}/small`);
  await page.getByLabel("Prompt").fill("sepia");
  await page.getByLabel("Batch name (optional)").fill(name);
  await page.getByRole("button", { name: "Start batch generation" }).click();
  await expect(page).toHaveURL(/\/batch\/\d+$/);
  await expect(page.getByRole("heading", { name })).toBeVisible();

  await page.getByRole("button", { name: "Delete batch" }).click();
  await expect(page.getByText("Delete this batch and all its images? This cannot be undone.")).toBeVisible();
  // Changing one's mind keeps it.
  await page.getByRole("button", { name: "Keep it" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();

  await page.getByRole("button", { name: "Delete batch" }).click();
  await page.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/history$/);
  await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
  await expect(page.getByText(name)).toHaveCount(0);

  // In Chinese the same controls speak Chinese.
  await open(page, "/batch");
  await page.getByRole("button", { name: "切换到中文" }).click();
  await page.getByLabel("选择文件夹").setInputFiles(`${fixtures}/small`);
  await page.getByLabel("提示词").fill("复古");
  await page.getByRole("button", { name: "开始批量生成" }).click();
  await expect(page).toHaveURL(/\/batch\/\d+$/);
  await page.getByRole("button", { name: "删除批次" }).click();
  await expect(page.getByText("删除这个批次及其全部图片？此操作无法撤销。")).toBeVisible();
  await page.getByRole("button", { name: "确定删除" }).click();
  await expect(page).toHaveURL(/\/history$/);
  await page.getByRole("button", { name: "Switch to English" }).click();
});
